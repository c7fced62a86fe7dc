package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cache's figures over time for the Cache view: at each poll, over the nodes that use it, the hit ratio of the
 * reads since the previous poll (no value when there were none), and invalidations and write-backs per second. Rates
 * come from the change of each node's counts (a node seen for the first time, or whose counts went back because it
 * restarted, counts from its next poll on). Keeps the latest {@code capacity} points. Plain Java; not thread-safe (the
 * monitor's poller owns it).
 */
final class CacheHistory {

    private final int capacity;
    private final ArrayDeque<MetricsHistory.Point> points = new ArrayDeque<>();
    private Map<String, CacheFigures.Stats> previous = Map.of();
    private Instant previousAt;

    /** @param capacity how many points are kept */
    CacheHistory(int capacity) {
        this.capacity = capacity;
    }

    /**
     * @param at when the statistics were read
     * @param byNode each answering node's statistics of the cache
     * @return the point it made (no values at the first call)
     */
    MetricsHistory.Point add(Instant at, Map<String, CacheFigures.Stats> byNode) {
        Map<MetricsSeries, Double> values = new EnumMap<>(MetricsSeries.class);
        double seconds = previousAt == null ? 0 : Duration.between(previousAt, at).toNanos() / 1e9;
        if (seconds > 0) {
            long hits = 0;
            long misses = 0;
            long invalidations = 0;
            long writeBacks = 0;
            boolean any = false;
            for (Map.Entry<String, CacheFigures.Stats> e : byNode.entrySet()) {
                CacheFigures.Stats then = previous.get(e.getKey());
                CacheFigures.Stats now = e.getValue();
                if (then == null || now.hits() < then.hits() || now.misses() < then.misses()
                        || now.invalidations() < then.invalidations() || now.writeBacks() < then.writeBacks()) {
                    continue;
                }
                any = true;
                hits += now.hits() - then.hits();
                misses += now.misses() - then.misses();
                invalidations += now.invalidations() - then.invalidations();
                writeBacks += now.writeBacks() - then.writeBacks();
            }
            if (any) {
                if (hits + misses > 0) {
                    values.put(MetricsSeries.CACHE_VIEW_HIT_RATIO, 100.0 * hits / (hits + misses));
                }
                values.put(MetricsSeries.CACHE_VIEW_INVALIDATIONS, invalidations / seconds);
                values.put(MetricsSeries.CACHE_VIEW_WRITE_BACKS, writeBacks / seconds);
            }
        }
        Map<String, CacheFigures.Stats> kept = new HashMap<>(previous);
        kept.putAll(byNode);
        previous = kept;
        previousAt = at;
        MetricsHistory.Point p = new MetricsHistory.Point(at, values);
        points.addLast(p);
        while (points.size() > capacity) {
            points.removeFirst();
        }
        return p;
    }

    /** @return the points, oldest first */
    List<MetricsHistory.Point> points() {
        return List.copyOf(points);
    }
}
