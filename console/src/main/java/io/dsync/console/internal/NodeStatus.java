package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One row of the Cluster view.
 *
 * @param id node id
 * @param roles the node's roles
 * @param adminUrl {@code http://host:port} of its admin API, or {@code null}
 * @param state what the console makes of it
 * @param problems why it is not UP (the node's own problems, or why the console could not ask it)
 * @param startedAt when the node started, or {@code null} when unknown
 * @param version its dsync version
 * @param redis how the node sees Redis, for people: {@code 0.4 ms}, {@code unreachable} or {@code ?}
 * @param since when the node entered its current state, as the console saw it
 */
public record NodeStatus(String id, List<String> roles, String adminUrl, NodeState state, List<String> problems,
                         Instant startedAt, String version, String redis, Instant since) {

    public NodeStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        roles = List.copyOf(roles);
        problems = List.copyOf(problems);
    }

    /**
     * @param now the current time
     * @return how long the node has been running, or {@code null} when it is down or its start is unknown
     */
    public Duration uptime(Instant now) {
        if (startedAt == null || state == NodeState.DOWN) {
            return null;
        }
        Duration d = Duration.between(startedAt, now);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
