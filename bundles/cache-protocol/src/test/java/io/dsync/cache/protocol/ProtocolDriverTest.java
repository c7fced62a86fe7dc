package io.dsync.cache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.cache.core.Effect;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.MemoryResult;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.RequestHandler;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

class ProtocolDriverTest {

    @Test
    void aFailedFencedReadIsReportedAfterAPauseNotAtOnce() throws Exception {
        // A Redis that refuses every call, and an instance that reads again each time it learns a read failed, as a
        // home does.
        RedissonClient refusing = (RedissonClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RedissonClient.class}, (p, m, a) -> {
                    throw new IllegalStateException("OOM command not allowed when used memory > 'maxmemory'");
                });
        AtomicInteger failures = new AtomicInteger();
        Effect.ReadMemory read = new Effect.ReadMemory(1, "k", new GrantId(1, 1, 1));
        ProtocolDriver<Object> driver = new ProtocolDriver<>("c", new Object(),
                new CoherenceTransport(new NoMessaging(), "n", node -> null), new MainMemory(refusing, k -> k),
                (core, now, result) -> {
                    assertThat(result).isInstanceOf(MemoryResult.ReadFailed.class);
                    failures.incrementAndGet();
                    return List.of(read);
                }, effect -> { });
        driver.call((core, now) -> List.of(read));
        Thread.sleep(1_000);
        driver.close();
        // About one a pause (100 ms); before, the read went round as fast as Redis refused it: thousands a second.
        assertThat(failures.get()).isBetween(1, 15);
    }

    private static final class NoMessaging implements Messaging {
        @Override
        public Registration serve(String topic, RequestHandler handler) {
            return () -> { };
        }

        @Override
        public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
    }
}
