package io.dsync.console.internal;

import java.util.List;
import java.util.Objects;

/**
 * What one node's {@code GET /health} answered, or why it did not.
 *
 * @param reachable whether the node answered at all (any HTTP status)
 * @param status {@code UP} or {@code DEGRADED} as the node reports it; {@code null} when it did not answer
 * @param problems the node's problems, or the reason it could not be asked
 * @param redisReachable whether the node reaches Redis; {@code null} when unknown
 * @param redisLatencyMicros the node's last Redis round trip; {@code null} when unknown
 */
public record HealthReport(boolean reachable, String status, List<String> problems, Boolean redisReachable,
                           Long redisLatencyMicros) {

    public HealthReport {
        problems = List.copyOf(problems);
    }

    /**
     * @param reason why the node could not be asked, e.g. {@code connection refused}
     * @return the report of a node that did not answer
     */
    public static HealthReport unreachable(String reason) {
        return new HealthReport(false, null, List.of(Objects.requireNonNull(reason, "reason")), null, null);
    }
}
