package io.dsync.bench.cache;

/**
 * Latencies in nanoseconds in log-linear buckets (64 per power of two, so a percentile is off by less than 1%): every
 * operation of a measurement is recorded, at the cost of an array increment, however many millions there are. One per
 * thread while recording (not thread-safe), merged afterwards.
 */
public final class LatencyHistogram {

    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = 2 * SUB + (63 - SUB_BITS - 1) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;

    void record(long nanos) {
        counts[index(Math.max(0, nanos))]++;
        total++;
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
    }

    public long count() {
        return total;
    }

    /** The latency below which a fraction {@code p} of the recorded ones lie (nearest rank), 0 if none. */
    public long percentile(double p) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(total * p));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return middle(i);
            }
        }
        return middle(BUCKETS - 1);
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int shift = exponent - SUB_BITS;
        return 2 * SUB + (exponent - SUB_BITS - 1) * SUB + (int) ((v >>> shift) - SUB);
    }

    /** The middle of bucket {@code i}. */
    static long middle(int i) {
        if (i < 2 * SUB) {
            return i;
        }
        int exponent = (i - 2 * SUB) / SUB + SUB_BITS + 1;
        int shift = exponent - SUB_BITS;
        long lower = ((long) (SUB + (i - 2 * SUB) % SUB)) << shift;
        return lower + (1L << shift) / 2;
    }
}
