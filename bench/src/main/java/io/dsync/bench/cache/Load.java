package io.dsync.bench.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one operation in a closed loop on several threads: a warm-up, then a measured window whose operations are
 * counted and whose latencies are sampled (every operation, up to a bound per thread).
 */
final class Load {

    /** One operation; {@code thread} picks the thread's client, {@code random} its key. */
    @FunctionalInterface
    interface Op {
        void run(int thread, SplittableRandom random) throws Exception;
    }

    /** What a measured window gave. */
    record Result(String system, String workload, long ops, double seconds, long p50Nanos, long p99Nanos,
                  long errors, String note) {
        double perSecond() {
            return ops / seconds;
        }
    }

    private static final int SAMPLES_PER_THREAD = 500_000;

    private Load() {
    }

    static Result run(String system, String workload, int threads, int warmupSeconds, int seconds, Op op)
            throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        long[][] samples = new long[threads][SAMPLES_PER_THREAD];
        int[] counts = new int[threads];
        long[] ops = new long[threads];
        long[] errors = new long[threads];
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(31L * thread + 7);
                try {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        try {
                            op.run(thread, random);
                        } catch (Exception e) {
                            if (measuring.get()) {
                                errors[thread]++;
                            }
                            continue;
                        }
                        if (measuring.get()) {
                            ops[thread]++;
                            if (counts[thread] < SAMPLES_PER_THREAD) {
                                samples[thread][counts[thread]++] = System.nanoTime() - start;
                            }
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "bench-" + system + "-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        Thread.sleep(warmupSeconds * 1000L);
        measuring.set(true);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - started) / 1e9;
        stop.set(true);
        done.await();
        int n = Arrays.stream(counts).sum();
        long[] all = new long[n];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        long p50 = n == 0 ? 0 : all[(int) (n * 0.50)];
        long p99 = n == 0 ? 0 : all[Math.min(n - 1, (int) (n * 0.99))];
        return new Result(system, workload, Arrays.stream(ops).sum(), elapsed, p50, p99, Arrays.stream(errors).sum(), "");
    }

    /** Keys drawn with a Zipf distribution over {@code n} keys (rank 0 the hottest), from a precomputed CDF. */
    static final class Zipf {
        private final double[] cdf;

        Zipf(int n, double s) {
            cdf = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, s);
                cdf[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cdf[i] /= sum;
            }
        }

        int next(SplittableRandom random) {
            int i = Arrays.binarySearch(cdf, random.nextDouble());
            return i >= 0 ? i : Math.min(cdf.length - 1, -i - 1);
        }
    }
}
