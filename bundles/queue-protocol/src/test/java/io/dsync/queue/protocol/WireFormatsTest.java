package io.dsync.queue.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import io.dsync.messaging.RequestHandler;

class WireFormatsTest {

    private static final InetSocketAddress NODE = InetSocketAddress.createUnresolved("n", 1);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    /** A node that serves the topics it is told, echoing the body; it records every topic asked. */
    private static final class Node implements Messaging {
        final List<String> asked = new CopyOnWriteArrayList<>();
        volatile List<String> serves;

        Node(String... serves) {
            this.serves = List.of(serves);
        }

        @Override
        public Registration serve(String topic, RequestHandler handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout) {
            asked.add(topic);
            return serves.contains(topic) ? CompletableFuture.completedFuture(body)
                    : CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER, "no " + topic));
        }
    }

    private static WireFormats.Call<String> call() {
        return new WireFormats.Call<>("bin", "b".getBytes(StandardCharsets.UTF_8),
                a -> "binary:" + new String(a, StandardCharsets.UTF_8), "json", () -> "j".getBytes(StandardCharsets.UTF_8),
                a -> "json:" + new String(a, StandardCharsets.UTF_8));
    }

    @Test
    void anOldNodeGetsJsonUntilTheRecheckThenBinaryAgainOnceItReadsIt() {
        AtomicLong now = new AtomicLong();
        WireFormats formats = new WireFormats(now::get);
        Node old = new Node("json");
        assertThat(formats.request(old, NODE, call(), TIMEOUT).join()).isEqualTo("json:j");
        assertThat(formats.request(old, NODE, call(), TIMEOUT).join()).isEqualTo("json:j");
        assertThat(old.asked).containsExactly("bin", "json", "json");

        old.serves = List.of("bin", "json"); // its bundle was updated
        now.addAndGet(TimeUnit.SECONDS.toNanos(WireFormats.RECHECK_SECONDS));
        assertThat(formats.request(old, NODE, call(), TIMEOUT).join()).isEqualTo("binary:b");
        assertThat(formats.binary(NODE)).isTrue();
    }

    @Test
    void aNodeThatServesNeitherFailsWithItsRefusalAndIsNotTakenForAnOldOne() {
        WireFormats formats = new WireFormats(() -> 0);
        Node stopped = new Node();
        assertThat(formats.request(stopped, NODE, call(), TIMEOUT)).failsWithin(TIMEOUT)
                .withThrowableThat().havingRootCause().isInstanceOf(RemoteException.class);
        assertThat(stopped.asked).containsExactly("bin", "json");
        assertThat(formats.binary(NODE)).isTrue();
    }

    @Test
    void anUnreadableAnswerFailsAsUnreadable() {
        WireFormats formats = new WireFormats(() -> 0);
        WireFormats.Call<String> bad = new WireFormats.Call<>("bin", new byte[0], a -> {
            throw new IllegalArgumentException("a truncated queue message");
        }, "json", () -> new byte[0], a -> "");
        assertThat(formats.request(new Node("bin"), NODE, bad, TIMEOUT)).failsWithin(TIMEOUT)
                .withThrowableThat().havingCause().isInstanceOf(WireFormats.UnreadableAnswer.class)
                .withMessageContaining("answered something unreadable: a truncated queue message");
    }
}
