package io.dsync.cache.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheCodec;
import io.dsync.cache.CacheCodecException;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheConfigConflictException;
import io.dsync.cache.CacheNotFoundException;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.InvalidCacheRequestException;
import io.dsync.cache.ValueTooLargeException;
import io.dsync.cache.WriteMode;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.Timing;
import io.dsync.cache.node.home.HomeTerms;
import io.dsync.cache.node.home.Homes;
import io.dsync.cache.protocol.CacheCatalog;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.cache.protocol.ProtocolDriver;
import io.dsync.devkit.LocalRedis;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.registry.NodeInfo;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The cache client's API semantics on a real protocol: two nodes' {@link ClientCacheService}s and one home
 * ({@link Homes} from the cache node) in this JVM, talking over real node messaging, with main memory and the catalog
 * in a real Redis. Short leases, so that the first epoch's quarantine is over quickly.
 */
class ClientCacheServiceTest {

    private static final Timing TIMING = new Timing(TimeUnit.MILLISECONDS.toNanos(600),
            TimeUnit.MILLISECONDS.toNanos(20), TimeUnit.MILLISECONDS.toNanos(50),
            TimeUnit.MILLISECONDS.toNanos(250), TimeUnit.SECONDS.toNanos(3));
    private static final String PREFIX = "dsync:cctest:";

    private static LocalRedis redis;
    private static RedissonClient client;
    private static final List<Messaging> messaging = new ArrayList<>();
    private static ScheduledExecutorService timers;
    private static ExecutorService completions;
    private static ClientCacheService a;
    private static ClientCacheService b;
    private static volatile CacheTopology topology = CacheTopology.empty();
    private static MainMemory memory;
    private static CacheCatalog catalog;

    @BeforeAll
    static void start() throws Exception {
        redis = LocalRedis.start();
        Config config = new Config();
        config.useSingleServer().setAddress(redis.address());
        client = Redisson.create(config);
        NettyMessaging home = listen("h");
        NettyMessaging na = listen("a");
        NettyMessaging nb = listen("b");
        List<NodeInfo> nodes = List.of(node("h", home), node("a", na), node("b", nb));
        topology = CacheTopology.of(new HomeRing.Record(1, List.of("h")), nodes);
        memory = new MainMemory(client, MainMemory.keyLayout(PREFIX));
        catalog = new CacheCatalog(client, PREFIX + "caches");
        timers = Executors.newScheduledThreadPool(1);
        completions = Executors.newCachedThreadPool();

        Homes homes = new Homes("h", 1, TIMING, new HomeTerms("h", TimeUnit.MILLISECONDS.toNanos(100),
                TIMING.margin(), TIMING.quarantine()), transport(home, "h"), memory, 1 << 20,
                (to, handOff, records) -> { });
        CoherenceTransport.serve(home, CoherenceTransport.TOPIC_HOME, CoherenceMessage.ToHome.class, homes::onMessage);
        a = new ClientCacheService("a", 1, TIMING, catalog, transport(na, "a"), memory, () -> topology, completions, true);
        b = new ClientCacheService("b", 2, TIMING, catalog, transport(nb, "b"), memory, () -> topology, completions, true);
        CoherenceTransport.serve(na, CoherenceTransport.TOPIC_NODE, CoherenceMessage.ToNode.class, a::onMessage);
        CoherenceTransport.serve(nb, CoherenceTransport.TOPIC_NODE, CoherenceMessage.ToNode.class, b::onMessage);
        timers.scheduleWithFixedDelay(() -> {
            long now = ProtocolDriver.now();
            homes.observe(topology, List.of(), now, now);
        }, 0, 20, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(() -> {
            homes.tick();
            a.tick();
            b.tick();
        }, 25, 25, TimeUnit.MILLISECONDS);

        a.declare(CacheConfig.of("main").withMaxValueBytes(64));
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> {
                    a.cache("main").put("ready", new byte[] {1});
                    return true;
                });
    }

    private static NettyMessaging listen(String id) {
        NettyMessaging m = NettyMessaging.listen(id, "127.0.0.1", 0);
        messaging.add(m);
        return m;
    }

    private static NodeInfo node(String id, NettyMessaging m) {
        return node(id, m.localAddress());
    }

    private static NodeInfo node(String id, InetSocketAddress address) {
        return new NodeInfo(id, id + "-1", "cctest", List.of("cache"), "127.0.0.1",
                Map.of("messaging", address.getPort()), List.of(), null, null, null);
    }

    private static CoherenceTransport transport(Messaging m, String self) {
        return new CoherenceTransport(m, self, n -> topology.address(n));
    }

    @AfterAll
    static void stop() throws Exception {
        if (timers != null) {
            timers.shutdownNow();
        }
        for (Messaging m : messaging) {
            ((AutoCloseable) m).close();
        }
        if (completions != null) {
            completions.shutdownNow();
        }
        if (client != null) {
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static final CacheCodec<String> TEXT = CacheCodec.utf8();

    @Test
    void aWriteOnOneNodeIsWhatTheOtherReadsNext() {
        Cache<String> onA = a.cache("main", TEXT);
        Cache<String> onB = b.cache("main", TEXT);
        onA.put("coherent", "one");
        assertThat(onB.get("coherent")).contains("one");
        assertThat(onA.get("coherent")).contains("one");
        onB.put("coherent", "two");
        assertThat(onA.get("coherent")).as("A's shared copy was invalidated").contains("two");
        assertThat(onA.remove("coherent")).isTrue();
        assertThat(onB.get("coherent")).isEmpty();
        assertThat(onB.remove("coherent")).isFalse();
    }

    @Test
    void aKeyMissedOnceIsReadFromRedisWithoutACopyAndAgainWithOne() {
        Cache<String> onA = a.cache("main", TEXT);
        Cache<String> onB = b.cache("main", TEXT);
        long before = b.view("main", 0).orElseThrow().readsFromMemory(); // the nodes serve every test of the class
        onA.put("cold", "one");
        assertThat(onB.get("cold")).contains("one");
        assertThat(b.view("main", 0).orElseThrow().readsFromMemory()).isEqualTo(before + 1);
        assertThat(b.view("main", 100).orElseThrow().first()).noneMatch(line -> line.key().equals("cold"));
        onA.put("cold", "two");
        assertThat(onB.get("cold")).as("the second miss asks the home").contains("two");
        assertThat(b.view("main", 0).orElseThrow().readsFromMemory()).isEqualTo(before + 1);
        assertThat(b.view("main", 100).orElseThrow().first()).anyMatch(line -> line.key().equals("cold"));
        assertThat(onB.get("absent-everywhere")).isEmpty();
        assertThat(b.view("main", 0).orElseThrow().readsFromMemory()).isEqualTo(before + 2);
    }

    @Test
    void blockingCallsDecodeOnTheCallersThreadAndAsyncFuturesNeverCompleteOnANetworkOrRedisThread() throws Exception {
        List<String> decodedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        CacheCodec<String> recording = new CacheCodec<>() {
            @Override
            public byte[] encode(String value) {
                return TEXT.encode(value);
            }

            @Override
            public String decode(byte[] bytes) {
                decodedOn.add(Thread.currentThread().getName());
                return TEXT.decode(bytes);
            }
        };
        Cache<String> onA = a.cache("main", recording);
        Cache<String> onB = b.cache("main", recording);
        onA.put("threads-1", "one");
        onA.put("threads-2", "two");
        decodedOn.clear();

        assertThat(onB.get("threads-1")).contains("one"); // a miss on b: the grant arrives on a network thread
        assertThat(decodedOn).containsExactly(Thread.currentThread().getName());

        decodedOn.clear();
        String continuedOn = onB.getAsync("threads-2").thenApply(v -> Thread.currentThread().getName())
                .get(5, TimeUnit.SECONDS);
        assertThat(List.of(continuedOn, decodedOn.get(0))).allSatisfy(name -> assertThat(name)
                .doesNotContain("-io-").doesNotContain("redisson").doesNotContain("-reply-"));
    }

    @Test
    void putIfAbsentWritesOnceAndReturnsTheExistingValueAfter() {
        assertThat(a.cache("main", TEXT).putIfAbsent("once", "first")).isEmpty();
        assertThat(b.cache("main", TEXT).putIfAbsent("once", "second")).contains("first");
        assertThat(a.cache("main", TEXT).get("once")).contains("first");
    }

    @Test
    void computeFromTwoNodesAtOnceLosesNoUpdate() throws Exception {
        CacheCodec<Long> longs = new CacheCodec<>() {
            @Override
            public byte[] encode(Long value) {
                return Long.toString(value).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public Long decode(byte[] bytes) {
                return Long.parseLong(new String(bytes, StandardCharsets.UTF_8));
            }
        };
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (ClientCacheService node : List.of(a, b)) {
            workers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 50; i++) {
                    node.cache("main", longs).compute("counter", v -> Optional.of(v.orElse(0L) + 1));
                }
            }));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(a.cache("main", longs).get("counter")).contains(100L);
        assertThat(b.cache("main", longs).get("counter")).contains(100L);
    }

    @Test
    void computeFunctionsAreCheckedAndTheirFailuresComeBackUnchanged() {
        Cache<String> cache = a.cache("main", TEXT);
        assertThatThrownBy(() -> cache.compute("fn", v -> cache.get("other")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("must not call the cache");
        assertThatThrownBy(() -> cache.compute("fn", v -> null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("returned null");
        IllegalArgumentException mine = new IllegalArgumentException("mine");
        assertThatThrownBy(() -> cache.compute("fn", v -> {
            throw mine;
        })).isSameAs(mine);
        assertThat(cache.get("fn")).as("nothing was written").isEmpty();
        assertThat(cache.compute("fn", v -> Optional.of("set"))).contains("set");
        assertThat(cache.compute("fn", v -> Optional.empty())).isEmpty();
        assertThat(b.cache("main", TEXT).get("fn")).isEmpty();
    }

    @Test
    void aComputeFunctionThatThrowsAnErrorFailsOnceAndWritesNothing() throws Exception {
        Cache<String> cache = a.cache("main", TEXT);
        cache.put("err", "before"); // held as M here: the function runs at once
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        AssertionError boom = new AssertionError("boom");
        assertThatThrownBy(() -> cache.compute("err", v -> {
            if (calls.incrementAndGet() == 1) {
                throw boom;
            }
            return Optional.of("late");
        })).isSameAs(boom);
        // Before, the Error left the core with the operation still queued: the next tick ran the function again and
        // wrote "late" after the caller was told that nothing was written.
        Thread.sleep(400);
        assertThat(calls).hasValue(1);
        assertThat(cache.get("err")).contains("before");
        assertThat(b.cache("main", TEXT).get("err")).contains("before");
    }

    @Test
    void badRequestsFailWithTheDocumentedExceptions() {
        Cache<String> cache = a.cache("main", TEXT);
        assertThatThrownBy(() -> cache.put("big", "x".repeat(65))).isInstanceOf(ValueTooLargeException.class);
        assertThat(cache.get("big")).isEmpty();
        assertThatThrownBy(() -> cache.get("bad\nkey")).isInstanceOf(InvalidCacheRequestException.class);
        assertThatThrownBy(() -> cache.put("k", null)).isInstanceOf(NullPointerException.class);
        CacheCodec<String> broken = new CacheCodec<>() {
            @Override
            public byte[] encode(String value) {
                throw new IllegalStateException("cannot encode");
            }

            @Override
            public String decode(byte[] bytes) {
                throw new IllegalStateException("cannot decode");
            }
        };
        assertThatThrownBy(() -> a.cache("main", broken).put("k", "v")).isInstanceOf(CacheCodecException.class);
        cache.put("k", "v");
        assertThatThrownBy(() -> b.cache("main", broken).get("k")).isInstanceOf(CacheCodecException.class);
        assertThatThrownBy(() -> a.cache("nowhere", TEXT).get("k")).isInstanceOf(CacheNotFoundException.class);
        assertThatThrownBy(() -> a.cache("nowhere", TEXT).getAsync("k").get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(CacheNotFoundException.class);
        assertThatThrownBy(() -> b.declare(CacheConfig.of("main").withWriteMode(WriteMode.WRITE_BACK)))
                .isInstanceOf(CacheConfigConflictException.class);
        assertThat(b.declare(CacheConfig.of("main").withMaxValueBytes(64)).maxValueBytes()).isEqualTo(64);
    }

    @Test
    void hitsShareOneDecodedInstancePerVersionOnlyForImmutableTypes() {
        Cache<String> text = a.cache("main", TEXT);
        text.put("decoded", "v1");
        text.get("decoded"); // the first read after a write goes through the node, which then publishes the copy
        String once = text.get("decoded").orElseThrow();
        assertThat(text.get("decoded").orElseThrow()).as("a String is decoded once per version").isSameAs(once);
        text.put("decoded", "v2");
        assertThat(text.get("decoded")).contains("v2");
        assertThat(text.get("decoded")).contains("v2");

        CacheCodec<StringBuilder> mutable = new CacheCodec<>() {
            @Override
            public byte[] encode(StringBuilder value) {
                return value.toString().getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public StringBuilder decode(byte[] bytes) {
                return new StringBuilder(new String(bytes, StandardCharsets.UTF_8));
            }
        };
        Cache<StringBuilder> builders = a.cache("main", mutable);
        StringBuilder mine = builders.get("decoded").orElseThrow();
        mine.append("-changed");
        assertThat(builders.get("decoded").orElseThrow()).as("a mutable value is decoded for every read")
                .isNotSameAs(mine).hasToString("v2");
    }

    @Test
    void byteHandlesCopyArraysAndHitsAreCounted() {
        Cache<byte[]> cache = a.cache("main");
        byte[] value = {1, 2, 3};
        cache.put("bytes", value);
        value[0] = 9;
        byte[] read = cache.get("bytes").orElseThrow();
        assertThat(read).containsExactly(1, 2, 3);
        read[1] = 9;
        long hits = cache.stats().hits();
        assertThat(cache.get("bytes").orElseThrow()).containsExactly(1, 2, 3);
        assertThat(cache.stats().hits()).isGreaterThan(hits);
    }

    @Test
    void closingGivesUpWhatWaitsForAHomeAndFailsWhatComesAfter() throws Exception {
        NettyMessaging gone = NettyMessaging.listen("gone", "127.0.0.1", 0);
        InetSocketAddress nowhere = gone.localAddress();
        gone.close();
        NettyMessaging nc = listen("c");
        // Node c sees the home at an address where nothing listens: its misses wait (up to the operation timeout).
        CacheTopology cut = CacheTopology.of(new HomeRing.Record(1, List.of("h")),
                List.of(node("h", nowhere), node("c", nc)));
        ClientCacheService c = new ClientCacheService("c", 3, TIMING, catalog, transport(nc, "c"), memory,
                () -> cut, completions, true);
        Cache<byte[]> cache = c.cache("main");
        // Opened first, so the put and get below are submitted to the node before close() starts; otherwise one
        // still reading the catalog when close() begins fails as "stopping" instead, a truthful but other answer.
        c.local("main").get(5, TimeUnit.SECONDS);
        CompletableFuture<Void> put = cache.putAsync("closing", new byte[] {7});
        // The get waits behind the put (a first read of a key alone would be a cold read, from Redis).
        CompletableFuture<Optional<byte[]>> get = cache.getAsync("closing");
        assertThat(put).isNotDone();
        assertThat(get).isNotDone();

        c.close(Duration.ofSeconds(5));
        // Given up, not timed out (the timeout is shorter than the close's bound): neither took effect.
        for (CompletableFuture<?> f : List.of(put, get)) {
            assertThat(f).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(CacheUnavailableException.class)
                    .withMessageContaining("was given up as the cache of this node stopped; it did not take effect");
        }
        assertThat(a.cache("main").get("closing")).isEmpty();
        assertThat(cache.getAsync("later")).failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class).havingCause()
                .isInstanceOf(CacheUnavailableException.class).withMessageContaining("is stopping");
    }
}
