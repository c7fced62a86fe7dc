package io.dsync.console.internal;

import java.time.Instant;
import java.util.List;

/**
 * The cluster as the console saw it at one moment.
 *
 * @param at when it was taken
 * @param nodes every node, live ones and those recently seen going down, ordered by id
 * @param registryProblem why the registry could not be read, or {@code null}
 */
public record ClusterSnapshot(Instant at, List<NodeStatus> nodes, String registryProblem) {

    public ClusterSnapshot {
        nodes = List.copyOf(nodes);
    }

    /** @return the snapshot before the first poll */
    public static ClusterSnapshot empty(Instant at) {
        return new ClusterSnapshot(at, List.of(), "not polled yet");
    }
}
