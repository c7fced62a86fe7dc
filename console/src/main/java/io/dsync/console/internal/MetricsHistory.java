package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The cluster's figures over time, as the Metrics view plots them: each poll of every node's {@code /metrics} becomes
 * one {@link Point}. Rates come from the change of each node's counts since the previous poll (a node seen for the first
 * time, or whose counts went back because it restarted, counts from the next poll on); latencies are the slowest
 * node's; a recovery time appears at the polls where some node counted a new outage of that subsystem (the longest of
 * its recent outages). Keeps the latest {@code capacity} points. Plain Java, thread-safe.
 */
final class MetricsHistory {

    /**
     * The figures of one poll.
     *
     * @param at when it was taken
     * @param values the series that have a value at this poll
     */
    record Point(Instant at, Map<MetricsSeries, Double> values) {
        Point {
            values = values.isEmpty() ? Map.of() : Map.copyOf(values);
        }
    }

    private static final Map<MetricsSeries, String> OUTAGES = Map.of(
            MetricsSeries.RECOVERY_LOCK, MetricsReading.LOCK_OUTAGE,
            MetricsSeries.RECOVERY_QUEUE, MetricsReading.QUEUE_OUTAGE,
            MetricsSeries.RECOVERY_CACHE, MetricsReading.CACHE_OUTAGE,
            MetricsSeries.RECOVERY_REDIS, MetricsReading.REDIS_OUTAGE);

    private final int capacity;
    private final ArrayDeque<Point> points = new ArrayDeque<>();
    private Map<String, MetricsReading> previous = Map.of();
    private Instant previousAt;

    /** @param capacity how many points are kept */
    MetricsHistory(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity must be at least 2, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Adds a poll.
     *
     * @param at when it was taken
     * @param byNode each node's figures (nodes that did not answer are left out)
     * @return the point it made
     */
    synchronized Point add(Instant at, Map<String, MetricsReading> byNode) {
        Map<MetricsSeries, Double> values = new EnumMap<>(MetricsSeries.class);
        double seconds = previousAt == null ? 0 : Duration.between(previousAt, at).toNanos() / 1e9;
        if (seconds > 0) {
            values.put(MetricsSeries.QUEUE_SENT, sum(byNode, MetricsReading.QUEUE_SENT) / seconds);
            values.put(MetricsSeries.QUEUE_ACKED, sum(byNode, MetricsReading.QUEUE_ACKED) / seconds);
            double hits = sum(byNode, MetricsReading.CACHE_HITS);
            double misses = sum(byNode, MetricsReading.CACHE_MISSES);
            values.put(MetricsSeries.CACHE_HITS, hits / seconds);
            values.put(MetricsSeries.CACHE_MISSES, misses / seconds);
            if (hits + misses > 0) {
                values.put(MetricsSeries.CACHE_HIT_RATIO, 100 * hits / (hits + misses));
            }
        }
        slowest(values, MetricsSeries.LOCK_P50, byNode, MetricsReading.TimerFigures::p50Millis);
        slowest(values, MetricsSeries.LOCK_P99, byNode, MetricsReading.TimerFigures::p99Millis);
        OUTAGES.forEach((series, timer) -> byNode.forEach((node, reading) -> {
            MetricsReading.TimerFigures now = reading.timers().get(timer);
            MetricsReading before = previous.get(node);
            MetricsReading.TimerFigures then = before == null ? null : before.timers().get(timer);
            if (now != null && then != null && now.count() > then.count()) {
                values.merge(series, now.maxMillis(), Math::max);
            }
        }));
        Point p = new Point(at, values);
        points.addLast(p);
        while (points.size() > capacity) {
            points.removeFirst();
        }
        previous = Map.copyOf(byNode);
        previousAt = at;
        return p;
    }

    /** @return how many points are kept */
    int capacity() {
        return capacity;
    }

    /** @return the points kept, oldest first */
    synchronized List<Point> points() {
        return List.copyOf(points);
    }

    /** The increase of a count over the nodes seen at the previous poll too (and not restarted since). */
    private double sum(Map<String, MetricsReading> byNode, String count) {
        double total = 0;
        for (Map.Entry<String, MetricsReading> e : byNode.entrySet()) {
            Double now = e.getValue().counts().get(count);
            MetricsReading before = previous.get(e.getKey());
            Double then = before == null ? null : before.counts().get(count);
            if (now != null && then != null && now >= then) {
                total += now - then;
            }
        }
        return total;
    }

    /** The slowest node's figure over the lock acquisition timers that have counted something. */
    private static void slowest(Map<MetricsSeries, Double> values, MetricsSeries series, Map<String, MetricsReading> byNode,
                                ToDoubleFunction<MetricsReading.TimerFigures> figure) {
        for (MetricsReading reading : byNode.values()) {
            for (String timer : new String[] {MetricsReading.LOCK_EXCLUSIVE, MetricsReading.LOCK_SHARED}) {
                MetricsReading.TimerFigures t = reading.timers().get(timer);
                if (t != null && t.count() > 0) {
                    values.merge(series, figure.applyAsDouble(t), Math::max);
                }
            }
        }
    }
}
