package io.dsync.bench.queue;

import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Latencies recorded by many threads, each into a buffer of its own (no shared counter on the hot path), and read as
 * exact percentiles of all samples once the recording is over. A benchmark run keeps well under a few million samples,
 * so sorting them all is cheaper and simpler than a histogram. Thread-safe.
 */
public final class LatencySamples {

    private final Queue<Buffer> buffers = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<Buffer> own = ThreadLocal.withInitial(() -> {
        Buffer b = new Buffer();
        buffers.add(b);
        return b;
    });

    /** Percentiles in nanoseconds; all 0 when nothing was recorded. */
    public record Summary(int count, long p50, long p90, long p99, long max) {

        static final Summary EMPTY = new Summary(0, 0, 0, 0, 0);

        public double p50Millis() {
            return p50 / 1e6;
        }

        public double p99Millis() {
            return p99 / 1e6;
        }
    }

    public void record(long nanos) {
        own.get().add(nanos);
    }

    /** All samples recorded so far. */
    public Summary summary() {
        long[] all = new long[0];
        int n = 0;
        for (Buffer b : buffers) {
            synchronized (b) {
                if (n + b.size > all.length) {
                    all = Arrays.copyOf(all, n + b.size);
                }
                System.arraycopy(b.values, 0, all, n, b.size);
                n += b.size;
            }
        }
        if (n == 0) {
            return Summary.EMPTY;
        }
        Arrays.sort(all, 0, n);
        return new Summary(n, at(all, n, 0.50), at(all, n, 0.90), at(all, n, 0.99), all[n - 1]);
    }

    /** The sample below which a fraction {@code p} of the samples lie (nearest rank). */
    static long at(long[] sorted, int n, double p) {
        int rank = (int) Math.ceil(n * p);
        return sorted[Math.max(0, Math.min(n, rank) - 1)];
    }

    private static final class Buffer {
        long[] values = new long[1 << 12];
        int size;

        synchronized void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
