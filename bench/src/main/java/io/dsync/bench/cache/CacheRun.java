package io.dsync.bench.cache;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import io.dsync.bench.queue.CpuMeter;
import io.dsync.bench.queue.RedisCommandStats;

/**
 * Measures workloads on systems, one after the other: a fresh key space per measurement, every key preloaded (timed,
 * not measured), the warm-up and the measured window, then the key space closed (dsync drops its copies).
 */
public final class CacheRun {

    private final int valueBytes;
    private final int warmup;
    private final int seconds;
    private final CacheLoad load;
    private final Map<Workload, Keys> keys = new HashMap<>();
    private int spaces;

    public CacheRun(int threads, int valueBytes, int warmup, int seconds, CpuMeter cpu, RedisCommandStats redis) {
        this.valueBytes = valueBytes;
        this.warmup = warmup;
        this.seconds = seconds;
        this.load = new CacheLoad(threads, valueBytes, cpu, redis);
    }

    /**
     * Runs a workload on a system without measuring it, so that the JIT compilers of the cache nodes (fresh JVMs)
     * and of this JVM are done before the first measurement.
     */
    public void warmUp(Workload workload, CacheSystem system, int seconds) throws Exception {
        Keys k = keys.computeIfAbsent(workload, Workload::keySet);
        System.err.printf("  %-18s %-26s JIT warm-up for %d s%n", workload.name(), system.name(), seconds);
        try (CacheSystem.Store store = system.open(workload.space() + "-jit-" + (++spaces), workload.capacity())) {
            store.preload(k.all(), value(valueBytes, new SplittableRandom(valueBytes)));
            load.run(workload, system.name(), store, k, seconds, 0);
        }
    }

    /** A value of {@code length} random ASCII letters and digits (one UTF-8 byte each). */
    static String value(int length, SplittableRandom random) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    public CacheResult measure(Workload workload, CacheSystem system) throws Exception {
        Keys k = keys.computeIfAbsent(workload, Workload::keySet);
        String space = workload.space() + "-" + (++spaces);
        System.err.printf("  %-18s %-26s preloading %,d keys...", workload.name(), system.name(), workload.keys());
        long started = System.nanoTime();
        try (CacheSystem.Store store = system.open(space, workload.capacity())) {
            store.preload(k.all(), value(valueBytes, new SplittableRandom(valueBytes)));
            System.err.printf(" %.1f s, measuring...", (System.nanoTime() - started) / 1e9);
            CacheResult r = load.run(workload, system.name(), store, k, warmup, seconds);
            System.err.println(" " + CacheReport.line(r));
            return r;
        }
    }
}
