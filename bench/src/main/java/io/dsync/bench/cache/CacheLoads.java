package io.dsync.bench.cache;

import com.github.benmanes.caffeine.cache.Cache;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheStats;
import io.dsync.devkit.LocalCluster;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.codec.CompositeCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * The workloads of {@code dsync bench cache} and their report. Two dsync cache clients ({@link BenchCacheNode}) stand
 * for two application nodes; the near-cache peer gets two {@code RLocalCachedMap} instances for the same reason.
 */
public final class CacheLoads implements AutoCloseable {

    private static final int HOT_KEYS = 1_000;
    private static final int WRITE_SAMPLES = 2_000;

    private final int threads;
    private final int warmup;
    private final int seconds;
    private final int keys;
    private final byte[] value;
    private final Cache<String, byte[]> caffeine;
    private final RedissonClient redisson;
    private final BenchCacheNode a;
    private final BenchCacheNode b;
    private final List<Load.Result> results = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public CacheLoads(LocalCluster cluster, int threads, int warmup, int seconds, int keys, int valueBytes,
                      Cache<String, byte[]> caffeine) {
        this.threads = threads;
        this.warmup = warmup;
        this.seconds = seconds;
        this.keys = keys;
        this.value = new byte[valueBytes];
        new SplittableRandom(1).nextBytes(value);
        this.caffeine = caffeine;
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress()).setConnectionPoolSize(64)
                .setConnectionMinimumIdleSize(8);
        this.redisson = Redisson.create(config);
        this.a = new BenchCacheNode("bench-a", cluster.name(), redisson);
        this.b = new BenchCacheNode("bench-b", cluster.name(), redisson);
    }

    /** Runs every workload on every system and returns the report (Markdown). */
    public String runAll() throws Exception {
        a.service().declare(CacheConfig.of("bench").withLocalCapacity(Math.max(keys, HOT_KEYS)));
        long waited = awaitFirstGrant();
        System.err.printf("  the cache granted its first write %d ms after the nodes were up%n", waited);
        hits();
        zipf();
        writes();
        return report();
    }

    private long awaitFirstGrant() throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            try {
                a.service().cache("bench").put("first", value);
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (RuntimeException e) {
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("the cache granted nothing within 60 s: " + e.getMessage());
                }
                Thread.sleep(200);
            }
        }
    }

    private static String hot(int i) {
        return "hot-" + i;
    }

    private static String key(int i) {
        return "k-" + i;
    }

    /** Local read hits: 1,000 keys read over and over from one node. */
    private void hits() throws Exception {
        String w = "read hits (1,000 keys, one node)";
        io.dsync.cache.Cache<byte[]> dsync = a.service().cache("bench");
        for (int i = 0; i < HOT_KEYS; i++) {
            dsync.put(hot(i), value);
            caffeine.put(hot(i), value);
        }
        RLocalCachedMap<String, byte[]> near = nearCache("bench-near-hits");
        for (int i = 0; i < HOT_KEYS; i++) {
            near.fastPut(hot(i), value);
        }
        var bucketCodec = ByteArrayCodec.INSTANCE;
        for (int i = 0; i < HOT_KEYS; i++) {
            redisson.<byte[]>getBucket("bench:" + hot(i), bucketCodec).set(value);
        }
        CacheStats before = dsync.stats();
        measure("dsync", w, (t, r) -> dsync.get(hot(r.nextInt(HOT_KEYS))));
        CacheStats after = dsync.stats().minus(before);
        notes.add(String.format(Locale.ROOT, "read hits: dsync hit ratio %.4f (%d hits, %d misses)", after.hitRate(),
                after.hits(), after.misses()));
        measure("Caffeine", w, (t, r) -> caffeine.getIfPresent(hot(r.nextInt(HOT_KEYS))));
        measure("RLocalCachedMap", w, (t, r) -> near.get(hot(r.nextInt(HOT_KEYS))));
        measure("Redis GET", w, (t, r) -> redisson.<byte[]>getBucket("bench:" + hot(r.nextInt(HOT_KEYS)), bucketCodec).get());
        near.destroy();
    }

    /** 95% reads, 5% writes, Zipf keys, two nodes sharing the keys. */
    private void zipf() throws Exception {
        String w = "95% get / 5% put, Zipf 0.99 over " + keys + " keys, two nodes";
        Load.Zipf zipf = new Load.Zipf(keys, 0.99);
        io.dsync.cache.Cache<byte[]>[] dsync = handles();
        RLocalCachedMap<String, byte[]>[] near = nearCaches("bench-near-zipf");
        CacheStats before = sum(dsync);
        measure("dsync", w, (t, r) -> {
            io.dsync.cache.Cache<byte[]> c = dsync[t % 2];
            String k = key(zipf.next(r));
            if (r.nextInt(100) < 5) {
                c.put(k, value);
            } else {
                c.get(k);
            }
        });
        CacheStats after = sum(dsync).minus(before);
        notes.add(String.format(Locale.ROOT, "Zipf: dsync hit ratio %.3f (%d hits, %d misses, both nodes)",
                after.hitRate(), after.hits(), after.misses()));
        measure("RLocalCachedMap", w, (t, r) -> {
            RLocalCachedMap<String, byte[]> m = near[t % 2];
            String k = key(zipf.next(r));
            if (r.nextInt(100) < 5) {
                m.fastPut(k, value);
            } else {
                m.get(k);
            }
        });
        measure("Redis GET/SET", w, (t, r) -> {
            var bucket = redisson.<byte[]>getBucket("bench:" + key(zipf.next(r)), ByteArrayCodec.INSTANCE);
            if (r.nextInt(100) < 5) {
                bucket.set(value);
            } else {
                bucket.get();
            }
        });
        for (RLocalCachedMap<String, byte[]> m : near) {
            m.destroy();
        }
    }

    /** Write latency, one writer, with 0 and 1 other node holding the key (its copy is invalidated each time). */
    private void writes() throws Exception {
        io.dsync.cache.Cache<byte[]> writer = a.service().cache("bench");
        io.dsync.cache.Cache<byte[]> sharer = b.service().cache("bench");
        results.add(sequentialWrites("dsync", "put, no other copy", i -> writer.put("w0", value), i -> { }));
        results.add(sequentialWrites("dsync", "put, one sharer (read between puts)", i -> writer.put("w1", value),
                i -> sharer.get("w1")));
        var bucket = redisson.<byte[]>getBucket("bench:w", ByteArrayCodec.INSTANCE);
        results.add(sequentialWrites("Redis SET", "put, no other copy", i -> bucket.set(value), i -> { }));
    }

    @FunctionalInterface
    private interface Step {
        void run(int i) throws Exception;
    }

    private Load.Result sequentialWrites(String system, String workload, Step put, Step between) throws Exception {
        for (int i = 0; i < 200; i++) {
            between.run(i);
            put.run(i);
        }
        long[] nanos = new long[WRITE_SAMPLES];
        long total = 0;
        for (int i = 0; i < WRITE_SAMPLES; i++) {
            between.run(i);
            long start = System.nanoTime();
            put.run(i);
            nanos[i] = System.nanoTime() - start;
            total += nanos[i];
        }
        Arrays.sort(nanos);
        Load.Result r = new Load.Result(system, workload, WRITE_SAMPLES, total / 1e9, nanos[WRITE_SAMPLES / 2],
                nanos[WRITE_SAMPLES * 99 / 100], 0, "");
        System.err.printf("  %-16s %-44s p50 %7.0f µs, p99 %7.0f µs%n", system, workload, r.p50Nanos() / 1e3,
                r.p99Nanos() / 1e3);
        return r;
    }

    private void measure(String system, String workload, Load.Op op) throws InterruptedException {
        System.err.printf("  %-16s %-44s ...", system, workload.length() > 44 ? workload.substring(0, 44) : workload);
        Load.Result r = Load.run(system, workload, threads, warmup, seconds, op);
        System.err.printf(" %,.0f ops/s, p50 %.1f µs, p99 %.1f µs%s%n", r.perSecond(), r.p50Nanos() / 1e3,
                r.p99Nanos() / 1e3, r.errors() > 0 ? ", " + r.errors() + " errors" : "");
        results.add(r);
    }

    @SuppressWarnings("unchecked")
    private io.dsync.cache.Cache<byte[]>[] handles() {
        return new io.dsync.cache.Cache[] {a.service().cache("bench"), b.service().cache("bench")};
    }

    @SuppressWarnings("unchecked")
    private RLocalCachedMap<String, byte[]>[] nearCaches(String name) {
        return new RLocalCachedMap[] {nearCache(name), nearCache(name)};
    }

    private RLocalCachedMap<String, byte[]> nearCache(String name) {
        return redisson.getLocalCachedMap(LocalCachedMapOptions.<String, byte[]>name(name).cacheSize(keys)
                .codec(new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE)));
    }

    private static CacheStats sum(io.dsync.cache.Cache<byte[]>[] caches) {
        CacheStats s = CacheStats.empty();
        for (io.dsync.cache.Cache<byte[]> c : caches) {
            CacheStats x = c.stats();
            s = new CacheStats(s.hits() + x.hits(), s.misses() + x.misses(), s.evictions() + x.evictions(),
                    s.invalidationsReceived() + x.invalidationsReceived(), s.writeBacks() + x.writeBacks());
        }
        return s;
    }

    private String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n| workload | system | ops/s | p50 µs | p99 µs | dsync / this |%n"));
        sb.append("|---|---|---:|---:|---:|---:|\n");
        for (Load.Result r : results) {
            Load.Result mine = results.stream().filter(x -> x.system().equals("dsync") && x.workload().equals(r.workload()))
                    .findFirst().orElse(null);
            String ratio = mine == null || mine == r ? "" : String.format(Locale.ROOT, "%.2f×",
                    r.workload().startsWith("put") ? (double) r.p50Nanos() / mine.p50Nanos()
                            : mine.perSecond() / r.perSecond());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.1f | %.1f | %s |%n", r.workload(), r.system(),
                    r.perSecond(), r.p50Nanos() / 1e3, r.p99Nanos() / 1e3, ratio));
        }
        sb.append(String.format(Locale.ROOT, "%n%d client threads; the cache nodes, Redis and this JVM share the machine's "
                + "%d cores. For puts, 'dsync / this' compares p50 latency (this / dsync: above 1, dsync is faster).%n",
                threads, Runtime.getRuntime().availableProcessors()));
        for (String note : notes) {
            sb.append("- ").append(note).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        a.close();
        b.close();
        redisson.shutdown();
    }
}
