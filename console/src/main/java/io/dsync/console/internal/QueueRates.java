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

    /** Each node's counts at its last answer, and when that was. */
    private final Map<String, Map<String, long[]>> previous = new HashMap<>();
    private final Map<String, Instant> previousAt = new HashMap<>();

    /**
     * @param at when the counts were read
     * @param byNode each answering node's counts per queue ({@code [sent, acked]}); nodes that did not answer are left
     *     out
     * @return per queue, its rates since each node's previous answer; empty at the first call
     */
    Map<String, Rate> add(Instant at, Map<String, Map<String, long[]>> byNode) {
        Map<String, double[]> sums = new HashMap<>();
        boolean any = false;
        for (Map.Entry<String, Map<String, long[]>> e : byNode.entrySet()) {
            Map<String, long[]> before = previous.get(e.getKey());
            Instant then = previousAt.get(e.getKey());
            // Over the node's own interval: one that missed a poll counts what it did since it last answered.
            double seconds = then == null ? 0 : Duration.between(then, at).toNanos() / 1e9;
            if (before == null || seconds <= 0) {
                continue;
            }
            any = true;
            e.getValue().forEach((queue, now) -> {
                long[] was = before.getOrDefault(queue, new long[2]);
                if (now[0] < was[0] || now[1] < was[1]) {
                    return; // the node restarted: its counts began again
                }
                double[] sum = sums.computeIfAbsent(queue, q -> new double[2]);
                sum[0] += (now[0] - was[0]) / seconds;
                sum[1] += (now[1] - was[1]) / seconds;
            });
        }
        Map<String, Rate> rates = new TreeMap<>();
        if (any) {
            // Every queue the nodes count has a rate, 0 when nothing moved.
            byNode.values().forEach(c -> c.keySet().forEach(q -> sums.computeIfAbsent(q, k -> new double[2])));
            sums.forEach((q, sum) -> rates.put(q, new Rate(sum[0], sum[1])));
        }
        byNode.forEach((node, counts) -> {
            previous.put(node, counts);
            previousAt.put(node, at);
        });
        return rates;
    }
}
