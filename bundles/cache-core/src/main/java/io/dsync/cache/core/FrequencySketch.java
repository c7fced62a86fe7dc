package io.dsync.cache.core;

/**
 * How often keys were used lately, approximately and in bounded memory: the count-min sketch of TinyLFU (Einziger,
 * Friedman, Manes: "TinyLFU: A Highly Efficient Cache Admission Policy", 2017). Four rows of 4-bit counters (at most
 * 15), sixteen to a {@code long}, each row as many counters as the next power of two at or above four times the
 * capacity (at most 2<sup>24</sup>: 32 MiB in all for the largest caches); so a key shares its four counters with few
 * others, and its estimate (the least of the four) is rarely too high and never too low. After {@code 10 × capacity}
 * counted uses every counter is halved, so that the sketch forgets old popularity ("aging").
 *
 * <p>Not thread-safe: its {@link Lru} calls it under its lock.
 */
final class FrequencySketch {

    private static final int ROWS = 4;
    private static final int MAX_COUNT = 15;
    private static final int MAX_WIDTH = 1 << 24;
    private static final long[] SEEDS = {
        0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L };
    /** Every 4-bit counter's high bit cleared, for halving sixteen counters at once. */
    private static final long HALF_MASK = 0x7777_7777_7777_7777L;

    private final long[][] rows;
    private final int mask;
    private final int sampleSize;
    private int increments;

    /**
     * @param capacity the number of entries of the cache it serves, at least 1
     */
    FrequencySketch(int capacity) {
        long wanted = Math.max(64L, 4L * capacity);
        int width = (int) Math.min(MAX_WIDTH, Long.highestOneBit(wanted - 1) << 1);
        this.rows = new long[ROWS][width / 16];
        this.mask = width - 1;
        this.sampleSize = (int) Math.min(Integer.MAX_VALUE, 10L * Math.max(1, capacity));
    }

    /** Counts one use of a key. */
    void increment(Object key) {
        int h = key.hashCode();
        boolean added = false;
        for (int r = 0; r < ROWS; r++) {
            int i = index(h, r);
            long word = rows[r][i >>> 4];
            int shift = (i & 15) << 2;
            if (((word >>> shift) & MAX_COUNT) < MAX_COUNT) {
                rows[r][i >>> 4] = word + (1L << shift);
                added = true;
            }
        }
        if (added && ++increments >= sampleSize) {
            halve();
        }
    }

    /** @return the estimated uses of a key since the last halvings (0 to 15) */
    int frequency(Object key) {
        int h = key.hashCode();
        int min = MAX_COUNT;
        for (int r = 0; r < ROWS; r++) {
            int i = index(h, r);
            min = Math.min(min, (int) ((rows[r][i >>> 4] >>> ((i & 15) << 2)) & MAX_COUNT));
        }
        return min;
    }

    private int index(int hash, int row) {
        long x = (hash + SEEDS[row]) * SEEDS[(row + 1) % ROWS];
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 29;
        return (int) x & mask;
    }

    private void halve() {
        for (long[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (row[i] >>> 1) & HALF_MASK;
            }
        }
        increments /= 2;
    }
}
