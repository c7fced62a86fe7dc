package io.dsync.bench.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The cost of coherence on one write: one thread writes from node 0, and before each write {@code n} other client
 * nodes (1, then 1 and 2) read the key, so that the write finds {@code n} sharers, each of which must lose its copy
 * before the write returns (for dsync: the home invalidates them and waits for their acks). With no sharer the writer
 * already holds the key (it wrote it last), so its write needs nobody else. Only the writes are timed; a
 * sharer's read is whatever it costs. Keys go round a small key space of their own, one pass per round.
 */
public final class SharerLatency {

    /** The write latencies of one system with a number of sharers. */
    public record Result(String system, int sharers, LatencyHistogram writes, long errors, String firstError) {
    }

    private static final int KEYS = 100;

    private final int valueBytes;
    private final int warmupSeconds;
    private final int seconds;

    public SharerLatency(int valueBytes, int warmupSeconds, int seconds) {
        this.valueBytes = valueBytes;
        this.warmupSeconds = warmupSeconds;
        this.seconds = seconds;
    }

    /** Measures 0, 1 and 2 sharers on a system (its store must have three client nodes). */
    public List<Result> measure(CacheSystem system, String space) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int sharers = 0; sharers <= 2; sharers++) {
            List<String> keys = new ArrayList<>(KEYS);
            for (int k = 0; k < KEYS; k++) {
                keys.add(space + "-" + sharers + "-" + k);
            }
            System.err.printf("  %-18s %-26s %d sharer(s)...", "write by sharers", system.name(), sharers);
            try (CacheSystem.Store store = system.open(space + "-" + sharers, 10_000)) {
                SplittableRandom random = new SplittableRandom(sharers);
                store.preload(keys, CacheRun.value(valueBytes, random));
                run(store, keys, sharers, random, warmupSeconds, null);
                Result r = run(store, keys, sharers, random, seconds, system.name());
                System.err.printf(" %,d writes, p50 %s µs, p99 %s µs%s%n", r.writes().count(),
                        CacheReport.micros(r.writes().percentile(0.5)), CacheReport.micros(r.writes().percentile(0.99)),
                        r.errors() == 0 ? "" : "; " + r.errors() + " failed: " + r.firstError());
                results.add(r);
            }
        }
        return results;
    }

    /** Writes for {@code seconds}; records them unless {@code system} is null (a warm-up). */
    private Result run(CacheSystem.Store store, List<String> keys, int sharers, SplittableRandom random, int seconds,
                       String system) {
        String template = CacheRun.value(valueBytes, random);
        LatencyHistogram writes = new LatencyHistogram();
        long errors = 0;
        String firstError = null;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (long n = 0; System.nanoTime() < end; n++) {
            String key = keys.get((int) (n % keys.size()));
            String count = Long.toString(n);
            String value = count.length() >= valueBytes ? template : count + template.substring(count.length());
            try {
                for (int s = 1; s <= sharers; s++) {
                    store.get(s, key);
                }
                long begin = System.nanoTime();
                store.put(0, key, value);
                writes.record(System.nanoTime() - begin);
            } catch (RuntimeException e) {
                errors++;
                if (firstError == null) {
                    firstError = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
            }
        }
        return new Result(system, sharers, writes, errors, firstError);
    }

    /** The Markdown table of the results. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| system | sharers | writes | write p50 µs | write p99 µs | check |\n");
        sb.append("|---|---:|---:|---:|---:|---|\n");
        for (Result r : results) {
            sb.append(String.format("| %s | %d | %,d | %s | %s | %s |%n", r.system(), r.sharers(), r.writes().count(),
                    CacheReport.micros(r.writes().percentile(0.5)), CacheReport.micros(r.writes().percentile(0.99)),
                    r.errors() == 0 ? "ok" : r.errors() + " failed: " + r.firstError()));
        }
        return sb.toString();
    }
}
