package io.dsync.console.internal;

import java.util.List;
import java.util.Map;

/**
 * What the cache admin APIs answer, as the Cache view uses it. Immutable values; see {@link CacheJsonReader}.
 */
final class CacheFigures {

    private CacheFigures() {
    }

    /**
     * One cache on one node ({@code GET /cache/caches}): its configuration and, when the node uses it, its statistics.
     *
     * @param name the cache
     * @param writeMode {@code WRITE_THROUGH} or {@code WRITE_BACK}
     * @param evictionPolicy {@code LRU} or {@code W_TINY_LFU} ({@code LRU} from nodes before cache-api 1.2)
     * @param stats the node's statistics, or {@code null} when the node does not use the cache
     */
    record Cache(String name, String writeMode, String evictionPolicy, Stats stats) {
    }

    /**
     * A node's cumulative statistics of one cache.
     *
     * @param hits reads served by the node's copy
     * @param misses reads that asked the home
     * @param invalidations invalidations the node received
     * @param writeBacks modified copies written back
     * @param lines copies the node holds
     * @param linesByState copies by MESI letter
     */
    record Stats(long hits, long misses, long invalidations, long writeBacks, int lines, Map<String, Integer> linesByState) {
        Stats {
            linesByState = Map.copyOf(linesByState);
        }
    }

    /**
     * A node's copies of one cache's keys ({@code GET /cache/caches/{c}/lines}).
     *
     * @param total how many copies it holds
     * @param lines the first of them
     */
    record Lines(int total, List<Line> lines) {
        Lines {
            lines = List.copyOf(lines);
        }
    }

    /**
     * @param key the key
     * @param state the MESI letter: M, E, S or I
     * @param home the key's home node
     */
    record Line(String key, String state, String home) {
    }

    /**
     * A home's directory of one cache ({@code GET /cache/homes?cache=C}).
     *
     * @param size how many entries it has (all of them, not only those listed)
     * @param entries the first entries
     */
    record Directory(int size, List<Entry> entries) {
        Directory {
            entries = List.copyOf(entries);
        }
    }

    /**
     * @param key the key
     * @param state the home's state of the key: I, S, EM, or a transient one (READ, INVALIDATE ...)
     * @param owner the node holding it E or M, or {@code null}
     * @param holders every holder's node with its state letter ({@code M}, {@code E}, {@code S}), by node id
     * @param waiting requests queued behind the one being served
     */
    record Entry(String key, String state, String owner, Map<String, String> holders, int waiting) {
        Entry {
            holders = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(holders));
        }
    }
}
