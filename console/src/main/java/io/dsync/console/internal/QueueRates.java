package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each queue's send and ack rates over the whole cluster, from the change of every node's per-queue counts between
 * two polls (a node seen for the first time, or whose counts went back because it restarted, counts from its next
 * poll on). Plain Java; not thread-safe (the monitor's poller owns it).
 */
final class QueueRates {

    /**
     * @param sent messages sent per second
     * @param acked deliveries acknowledged per second
     */
    record Rate(double sent, double acked) {
    }

    private Map<String, Map<String, long[]>> previous = Map.of();
    private Instant previousAt;

    /**
     * @param at when the counts were read
     * @param byNode each answering node's counts per queue ({@code [sent, acked]}); nodes that did not answer are left
     *     out
     * @return per queue, its rates since the previous call; empty at the first call
     */
    Map<String, Rate> add(Instant at, Map<String, Map<String, long[]>> byNode) {
        Map<String, Rate> rates = new TreeMap<>();
        double seconds = previousAt == null ? 0 : Duration.between(previousAt, at).toNanos() / 1e9;
        if (seconds > 0) {
            Map<String, double[]> sums = new HashMap<>();
            byNode.forEach((node, counts) -> {
                Map<String, long[]> before = previous.get(node);
                if (before == null) {
                    return;
                }
                counts.forEach((queue, now) -> {
                    long[] then = before.getOrDefault(queue, new long[2]);
                    if (now[0] < then[0] || now[1] < then[1]) {
                        return; // the node restarted: its counts began again
                    }
                    double[] s = sums.computeIfAbsent(queue, q -> new double[2]);
                    s[0] += now[0] - then[0];
                    s[1] += now[1] - then[1];
                });
            });
            // Every queue the nodes count has a rate, 0 when nothing moved.
            byNode.values().forEach(c -> c.keySet().forEach(q -> sums.computeIfAbsent(q, k -> new double[2])));
            sums.forEach((q, s) -> rates.put(q, new Rate(s[0] / seconds, s[1] / seconds)));
        }
        Map<String, Map<String, long[]>> kept = new HashMap<>(previous);
        kept.putAll(byNode);
        previous = kept;
        previousAt = at;
        return rates;
    }
}
