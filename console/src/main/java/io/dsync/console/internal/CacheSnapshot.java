package io.dsync.console.internal;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the Cache view shows at one poll. Immutable.
 *
 * @param at when the poll ended (the console's clock)
 * @param problem why there are no figures at all, or {@code null}
 * @param nodes every node asked, with its problem if its answer is missing
 * @param caches each declared cache (at most {@link CacheMonitor#MAX_CACHES}), by name
 * @param cachesLeftOut declared caches not read
 * @param nodesLeftOut nodes whose copies were not read (beyond {@link CacheMonitor#MAX_NODES})
 */
record CacheSnapshot(Instant at, String problem, List<QueuesSnapshot.NodeAnswer> nodes, Map<String, CacheState> caches,
        int cachesLeftOut, int nodesLeftOut) {

    CacheSnapshot {
        nodes = List.copyOf(nodes);
        caches = Map.copyOf(caches);
    }

    /**
     * One cache across the cluster.
     *
     * @param name the cache
     * @param writeMode its write mode
     * @param evictionPolicy its eviction policy
     * @param nodes the nodes whose copies were read, in the order the matrix shows them
     * @param lines each node's copies
     * @param stats each node's statistics (nodes that use the cache)
     * @param directories each home's directory of the cache
     * @param problems calls about this cache that failed: node to reason
     * @param history its figures over time
     */
    record CacheState(String name, String writeMode, String evictionPolicy, List<String> nodes, Map<String, CacheFigures.Lines> lines,
            Map<String, CacheFigures.Stats> stats, Map<String, CacheFigures.Directory> directories,
            Map<String, String> problems, List<MetricsHistory.Point> history) {
        CacheState {
            nodes = List.copyOf(nodes);
            lines = Map.copyOf(lines);
            stats = Map.copyOf(stats);
            directories = Map.copyOf(directories);
            problems = Map.copyOf(problems);
            history = List.copyOf(history);
        }

        /** @return hits over hits and misses since the nodes started, in %, or {@code null} without reads */
        Double hitRatio() {
            long hits = stats.values().stream().mapToLong(CacheFigures.Stats::hits).sum();
            long misses = stats.values().stream().mapToLong(CacheFigures.Stats::misses).sum();
            return hits + misses == 0 ? null : 100.0 * hits / (hits + misses);
        }
    }

    static CacheSnapshot empty(Instant at) {
        return new CacheSnapshot(at, "not read yet", List.of(), Map.of(), 0, 0);
    }
}
