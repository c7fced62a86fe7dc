package io.dsync.cache;

/**
 * Statistics of one cache on this node, as returned by {@link Cache#stats()}: monotonically increasing
 * counters since the cache was first used on this node (they are not reset by restarts of other
 * nodes, nor aggregated across nodes). Use {@link #minus(CacheStats)} to compute rates over an
 * interval.
 *
 * @param hits reads answered from a valid local copy (MESI state Shared, Exclusive or Modified)
 *     without contacting main memory
 * @param misses reads that had to fetch from main memory, whether or not the key existed there
 * @param evictions local copies dropped because {@link CacheConfig#localCapacity()} (or, since 1.3,
 *     {@link CacheConfig#localCapacityBytes()}) was reached
 *     (the entries stay in main memory)
 * @param invalidationsReceived local copies dropped because another node wrote the key (coherence
 *     invalidations received from the directory); explicit {@link Cache#invalidate(String)} calls
 *     are not counted
 * @param writeBacks values in MESI state Modified written back to main memory (always 0 with
 *     {@link WriteMode#WRITE_THROUGH})
 */
public record CacheStats(long hits, long misses, long evictions, long invalidationsReceived, long writeBacks) {

    /**
     * Validates that no counter is negative.
     *
     * @param hits the number of local hits
     * @param misses the number of misses
     * @param evictions the number of capacity evictions
     * @param invalidationsReceived the number of invalidations received from other nodes
     * @param writeBacks the number of write-backs
     * @throws InvalidCacheRequestException if a counter is negative; the message names it
     */
    public CacheStats {
        requireNonNegative("hits", hits);
        requireNonNegative("misses", misses);
        requireNonNegative("evictions", evictions);
        requireNonNegative("invalidationsReceived", invalidationsReceived);
        requireNonNegative("writeBacks", writeBacks);
    }

    /**
     * Returns statistics with all counters at zero.
     *
     * @return the empty statistics
     */
    public static CacheStats empty() {
        return new CacheStats(0, 0, 0, 0, 0);
    }

    /**
     * Returns the number of reads.
     *
     * @return {@code hits + misses}, saturated at {@link Long#MAX_VALUE}
     */
    public long requestCount() {
        long sum = hits + misses;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * Returns the fraction of reads answered locally.
     *
     * @return {@code hits / requestCount()}, or 1.0 if there were no reads
     */
    public double hitRate() {
        long requests = requestCount();
        return requests == 0 ? 1.0 : (double) hits / requests;
    }

    /**
     * Returns the difference between these statistics and an earlier snapshot, counter by counter,
     * floored at zero.
     *
     * @param earlier the earlier snapshot
     * @return the statistics of the interval between {@code earlier} and this snapshot
     * @throws NullPointerException if {@code earlier} is {@code null}
     */
    public CacheStats minus(CacheStats earlier) {
        return new CacheStats(
                Math.max(0, hits - earlier.hits),
                Math.max(0, misses - earlier.misses),
                Math.max(0, evictions - earlier.evictions),
                Math.max(0, invalidationsReceived - earlier.invalidationsReceived),
                Math.max(0, writeBacks - earlier.writeBacks));
    }

    /**
     * Checks that a counter is not negative.
     *
     * @param counter the counter name
     * @param value the counter value
     */
    private static void requireNonNegative(String counter, long value) {
        if (value < 0) {
            throw new InvalidCacheRequestException(counter, counter + " must not be negative, was " + value);
        }
    }
}
