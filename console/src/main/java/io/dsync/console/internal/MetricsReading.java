package io.dsync.console.internal;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The figures the Metrics view plots, read from one node's {@code GET /metrics} (Dropwizard's JSON: rates per second,
 * durations in milliseconds): cumulative counts (meters, counters, and the cache's hit and miss gauges summed over its
 * caches) and timers (count, median, 99th percentile and maximum, in milliseconds).
 *
 * @param counts cumulative counts by name
 * @param timers timers by name
 */
record MetricsReading(Map<String, Double> counts, Map<String, TimerFigures> timers) {

    /** Counts the view turns into rates. */
    static final String QUEUE_SENT = "dsync.queue.client.sent";
    static final String QUEUE_ACKED = "dsync.queue.client.acked";
    static final String CACHE_HITS = "dsync.cache.client.*.hits";
    static final String CACHE_MISSES = "dsync.cache.client.*.misses";
    /** Timers the view plots. */
    static final String LOCK_EXCLUSIVE = "dsync.lock.client.acquire.exclusive";
    static final String LOCK_SHARED = "dsync.lock.client.acquire.shared";
    static final String LOCK_OUTAGE = "dsync.lock.client.outage";
    static final String QUEUE_OUTAGE = "dsync.queue.client.outage";
    static final String CACHE_OUTAGE = "dsync.cache.client.outage";
    static final String REDIS_OUTAGE = "dsync.redis.outage";

    /**
     * One timer's figures.
     *
     * @param count how many times it was updated since the node started
     * @param p50Millis median of its recent values
     * @param p99Millis 99th percentile of its recent values
     * @param maxMillis largest of its recent values
     */
    record TimerFigures(long count, double p50Millis, double p99Millis, double maxMillis) {
    }

    MetricsReading {
        counts = Map.copyOf(counts);
        timers = Map.copyOf(timers);
    }

    /** @return the figures in a {@code /metrics} answer; what it lacks is left out */
    static MetricsReading parse(JsonNode metrics) {
        Map<String, Double> counts = new TreeMap<>();
        for (String meter : new String[] {QUEUE_SENT, QUEUE_ACKED}) {
            JsonNode m = metrics.path("meters").path(meter);
            if (m.has("count")) {
                counts.put(meter, m.get("count").asDouble());
            }
        }
        Iterator<Map.Entry<String, JsonNode>> gauges = metrics.path("gauges").fields();
        while (gauges.hasNext()) {
            Map.Entry<String, JsonNode> g = gauges.next();
            String name = g.getKey();
            if (name.startsWith("dsync.cache.client.") && g.getValue().path("value").isNumber()) {
                if (name.endsWith(".hits")) {
                    counts.merge(CACHE_HITS, g.getValue().get("value").asDouble(), Double::sum);
                } else if (name.endsWith(".misses")) {
                    counts.merge(CACHE_MISSES, g.getValue().get("value").asDouble(), Double::sum);
                }
            }
        }
        Map<String, TimerFigures> timers = new TreeMap<>();
        for (String timer : new String[] {LOCK_EXCLUSIVE, LOCK_SHARED, LOCK_OUTAGE, QUEUE_OUTAGE, CACHE_OUTAGE,
            REDIS_OUTAGE}) {
            JsonNode t = metrics.path("timers").path(timer);
            if (t.has("count")) {
                timers.put(timer, new TimerFigures(t.get("count").asLong(), t.path("p50").asDouble(),
                        t.path("p99").asDouble(), t.path("max").asDouble()));
            }
        }
        return new MetricsReading(counts, timers);
    }
}
