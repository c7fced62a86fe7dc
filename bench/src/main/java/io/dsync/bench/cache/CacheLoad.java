package io.dsync.bench.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.dsync.bench.queue.CpuMeter;
import io.dsync.bench.queue.RedisCommandStats;

/**
 * Runs one workload on one system in a closed loop: {@code threads} threads, thread {@code t} on node {@code t % 2},
 * each picking a key, a get or a put by the workload's mix, and timing it. A warm-up first (not recorded), then a
 * measured window in which every operation is counted and its latency recorded; CPU by process group, Redis'
 * command counts and the system's hit counters are read at both ends of the window.
 */
final class CacheLoad {

    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    private final int threads;
    private final int valueBytes;
    private final CpuMeter cpu;
    private final RedisCommandStats redis;

    CacheLoad(int threads, int valueBytes, CpuMeter cpu, RedisCommandStats redis) {
        this.threads = threads;
        this.valueBytes = valueBytes;
        this.cpu = cpu;
        this.redis = redis;
    }

    /** What one worker thread saw; read after it ended. */
    private static final class Worker {
        final LatencyHistogram gets = new LatencyHistogram();
        final LatencyHistogram puts = new LatencyHistogram();
        long errors;
        long absent;
    }

    /** The phase, read by every worker before each operation. */
    private static final class Phase {
        volatile int value = WARMUP;
    }

    CacheResult run(Workload workload, String system, CacheSystem.Store store, Keys keys, int warmupSeconds,
                    int seconds) throws InterruptedException {
        Phase phase = new Phase();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<Worker> workers = new ArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Worker w = new Worker();
            workers.add(w);
            int node = t % 2;
            long seed = 0x5eed_0000L + 31L * t;
            Thread thread = new Thread(() -> loop(workload, store, keys, node, seed, phase, w, firstError),
                    "bench-" + workload.space() + "-" + t);
            thread.setDaemon(true);
            running.add(thread);
        }
        running.forEach(Thread::start);
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));

        long[] hitsBefore = store.hitsAndMisses();
        Map<String, Duration> cpuBefore = cpu.read();
        Map<String, Long> redisBefore = redis.read();
        long start = System.nanoTime();
        phase.value = MEASURE;
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        phase.value = STOP;
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Duration> cpuAfter = cpu.read();
        Map<String, Long> redisAfter = redis.read();
        long[] hitsAfter = store.hitsAndMisses();
        for (Thread t : running) {
            t.join(TimeUnit.SECONDS.toMillis(15));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not finish its operation within 15 s of the end");
            }
        }
        LatencyHistogram all = new LatencyHistogram();
        LatencyHistogram gets = new LatencyHistogram();
        LatencyHistogram puts = new LatencyHistogram();
        long errors = 0;
        long absent = 0;
        for (Worker w : workers) {
            gets.add(w.gets);
            puts.add(w.puts);
            errors += w.errors;
            absent += w.absent;
        }
        all.add(gets);
        all.add(puts);
        String check = firstError.get();
        if (absent > 0) {
            check = (check == null ? "" : check + "; ") + absent + " gets found no value (every key was preloaded)";
        }
        return new CacheResult(workload, system, elapsed, all, gets, puts,
                hitsBefore == null ? -1 : hitsAfter[0] - hitsBefore[0],
                hitsBefore == null ? -1 : hitsAfter[1] - hitsBefore[1],
                hitsBefore == null ? -1 : hitsAfter[2] - hitsBefore[2],
                RedisCommandStats.between(redisBefore, redisAfter, 1), CpuMeter.cores(cpuBefore, cpuAfter, elapsed),
                errors + absent, check);
    }

    private void loop(Workload workload, CacheSystem.Store store, Keys keys, int node, long seed, Phase phase,
                      Worker w, AtomicReference<String> firstError) {
        SplittableRandom random = new SplittableRandom(seed);
        String template = CacheRun.value(valueBytes, random);
        long writes = 0;
        boolean readsOnly = !workload.writes();
        while (true) {
            int p = phase.value;
            if (p == STOP) {
                return;
            }
            String key = keys.next(random);
            boolean read = readsOnly || random.nextDouble() < workload.readFraction();
            String value = null;
            if (!read) {
                // A new value for every write, of the same length: the write count over the template's first digits.
                String count = Long.toString(++writes);
                value = count.length() >= valueBytes ? template : count + template.substring(count.length());
            }
            long begin = System.nanoTime();
            String got = null;
            try {
                if (read) {
                    got = store.get(node, key);
                } else {
                    store.put(node, key, value);
                }
            } catch (RuntimeException e) {
                if (p == MEASURE) {
                    w.errors++;
                    firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
                continue;
            }
            long nanos = System.nanoTime() - begin;
            if (p == MEASURE) {
                if (read) {
                    w.gets.record(nanos);
                    if (got == null) {
                        w.absent++;
                    }
                } else {
                    w.puts.record(nanos);
                }
            }
        }
    }
}
