package io.dsync.bench.cache;

import java.util.List;

/**
 * One of the caches compared by {@code dsync bench cache}. The benchmark's threads are split over two client "nodes"
 * (0 and 1) living in one JVM: for dsync two cache clients registered as nodes, for the peers two independent
 * instances where that means something (two Caffeine caches, two {@code RLocalCachedMap}s with their own local
 * caches), so that a write on one node has to reach the other's copies.
 */
public interface CacheSystem {

    /** The name in the tables. */
    String name();

    /**
     * Opens a fresh key space for one workload.
     *
     * @param space a name unique in the run
     * @param capacity how many entries each node may keep locally (ignored by systems without a local copy)
     */
    Store open(String space, int capacity) throws Exception;

    /** One workload's keys in a system. Thread-safe. */
    interface Store extends AutoCloseable {

        /** The value of {@code key} as node {@code node} reads it, or {@code null} if absent. */
        String get(int node, String key);

        /** Writes {@code key} from node {@code node}. */
        void put(int node, String key, String value);

        /** Writes every key once (from node 0), as fast as the system allows; before anything is measured. */
        void preload(List<String> keys, String value) throws Exception;

        /**
         * Local hits, misses and misses read from main memory without a copy (dsync's cold reads) so far, summed over
         * both nodes, or {@code null} if the system does not count them.
         */
        default long[] hitsAndMisses() {
            return null;
        }

        @Override
        void close();
    }
}
