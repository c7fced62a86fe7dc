package io.dsync.cache.node.home;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.HomeDirectory.Holding;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import io.dsync.cache.protocol.CacheTiming;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.RequestHandler;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * The records a joiner takes up from the members' hand-offs, before any directory of their cache exists: they must
 * survive the joiner's next epochs until their leases end, and travel on only to their keys' next home.
 */
class HomesTest {

    private static final String CACHE = "c1";
    private static final List<String> ABC = List.of("a", "b", "c");

    private static CacheTopology ring(long epoch, String... members) {
        return CacheTopology.of(new HomeRing.Record(epoch, List.of(members)), List.of());
    }

    private record Sent(String to, HomeTerms.HandOff handOff, Map<String, List<Holding>> records) {
    }

    @Test
    void recordsHandedToAJoinerOutliveItsNextEpochAndGoOnOnlyToTheirKeysNextHome() {
        List<Sent> sent = new ArrayList<>();
        HomeTerms terms = new HomeTerms("d", CacheTiming.AUTHORITY_TERM, CacheTiming.PROTOCOL.margin(),
                CacheTiming.PROTOCOL.quarantine());
        Homes homes = new Homes("d", 7, CacheTiming.PROTOCOL, terms, new CoherenceTransport(new NoMessaging(), "d",
                n -> null), new MainMemory(unusedRedis(), k -> k), 0, (to, h, r) -> sent.add(new Sent(to, h, r)));
        CacheTopology abcd = ring(2, "a", "b", "c", "d");
        long now = System.nanoTime();
        homes.joined(2);
        assertThat(homes.observe(abcd, List.of(), now, now)).isInstanceOf(HomeTerms.None.class);

        // a hands off the records of the keys d gains from it; b and c had none.
        List<String> ds = IntStream.range(0, 400).mapToObj(i -> "k" + i)
                .filter(k -> "d".equals(abcd.home(CACHE, k))).toList();
        long expiry = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Holding> records = ds.stream().map(k -> new Holding(k, "x", new GrantId(1, 3, 1), new RequestId(5, 1),
                MesiState.SHARED, expiry)).toList();
        homes.offer(new HomeTerms.HandOff("a", 1, ABC, 2, Long.MIN_VALUE), Map.of(CACHE, records));
        homes.offer(new HomeTerms.HandOff("b", 1, ABC, 2, Long.MIN_VALUE), Map.of());
        homes.offer(new HomeTerms.HandOff("c", 1, ABC, 2, Long.MIN_VALUE), Map.of());
        assertThat(homes.epoch()).as("taken up from the hand-offs").isEqualTo(2);
        assertThat(homes.holdings().get(CACHE)).containsExactlyInAnyOrderElementsOf(records);

        // e joins: d takes the ring up from a read (its first such epoch) and hands e the records of e's keys.
        CacheTopology abcde = ring(3, "a", "b", "c", "d", "e");
        now = System.nanoTime();
        assertThat(homes.observe(abcde, List.of(), now, now)).isInstanceOf(HomeTerms.Assume.class);
        List<Holding> toE = records.stream().filter(h -> "e".equals(abcde.home(CACHE, h.key()))).toList();
        List<Holding> kept = records.stream().filter(h -> "d".equals(abcde.home(CACHE, h.key()))).toList();
        assertThat(toE).isNotEmpty();
        assertThat(kept).isNotEmpty();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).to()).isEqualTo("e");
        assertThat(sent.get(0).records().get(CACHE)).containsExactlyInAnyOrderElementsOf(toE);
        assertThat(homes.holdings().get(CACHE)).as("what stays with d, and only that")
                .containsExactlyInAnyOrderElementsOf(kept);
    }

    @Test
    void aMessageNamingNoValidCacheMakesNoDirectory() {
        HomeTerms terms = new HomeTerms("d", CacheTiming.AUTHORITY_TERM, CacheTiming.PROTOCOL.margin(),
                CacheTiming.PROTOCOL.quarantine());
        Homes homes = new Homes("d", 7, CacheTiming.PROTOCOL, terms, new CoherenceTransport(new NoMessaging(), "d",
                n -> null), new MainMemory(unusedRedis(), k -> k), 0, (to, h, r) -> { });
        // A colon fails every Redis key made from the name, on the timer's thread; before, a directory was made for
        // any name a peer sent, and lived for good.
        for (String name : List.of("a:b", "", "x".repeat(1000))) {
            homes.onMessage(name, "peer", new CoherenceMessage.GetShared("k", 1, new RequestId(1, 1)));
        }
        assertThat(homes.holdings()).isEmpty();
        homes.tick();
    }

    private static RedissonClient unusedRedis() {
        return (RedissonClient) Proxy.newProxyInstance(HomesTest.class.getClassLoader(),
                new Class<?>[] {RedissonClient.class}, (proxy, method, args) -> {
                    throw new UnsupportedOperationException("no Redis in this test: " + method.getName());
                });
    }

    private static final class NoMessaging implements Messaging {
        @Override
        public Registration serve(String topic, RequestHandler handler) {
            return () -> { };
        }

        @Override
        public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body,
                Duration timeout) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
    }
}
