package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.dsync.registry.NodeInfo;

class ClusterTrackerTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    private final ClusterTracker tracker = new ClusterTracker(Duration.ofMinutes(10));

    private static NodeInfo node(String id, int port) {
        return new NodeInfo(id, "instance-" + id, "c", List.of("lock"), "127.0.0.1", Map.of("admin", port), List.of(),
                T0.minusSeconds(90).toString(), T0.toString(), "1.0");
    }

    private static HealthReport up() {
        return new HealthReport(true, "UP", List.of(), true, 420L);
    }

    @Test
    void aRegisteredNodeThatAnswersUpIsUpWithItsUptimeAndRedisLatency() {
        ClusterSnapshot s = tracker.update(T0, List.of(node("n1", 8081)), null, Map.of("n1", up()));

        NodeStatus n1 = s.nodes().get(0);
        assertThat(n1.state()).isEqualTo(NodeState.UP);
        assertThat(n1.uptime(T0)).isEqualTo(Duration.ofSeconds(90));
        assertThat(n1.redis()).isEqualTo("0.4 ms");
        assertThat(n1.adminUrl()).isEqualTo("http://127.0.0.1:8081");
    }

    @Test
    void aNodeWhoseHealthDoesNotAnswerIsDownAtOnceWithTheReason() {
        tracker.update(T0, List.of(node("n1", 8081)), null, Map.of("n1", up()));

        ClusterSnapshot s = tracker.update(T0.plusSeconds(1), List.of(node("n1", 8081)), null,
                Map.of("n1", HealthReport.unreachable("ConnectException: Connection refused")));

        assertThat(s.nodes().get(0).state()).isEqualTo(NodeState.DOWN);
        assertThat(s.nodes().get(0).problems()).containsExactly("ConnectException: Connection refused");
        assertThat(s.nodes().get(0).since()).isEqualTo(T0.plusSeconds(1));
        assertThat(s.nodes().get(0).uptime(T0.plusSeconds(1))).isNull();
    }

    @Test
    void aDegradedNodeShowsItsProblems() {
        ClusterSnapshot s = tracker.update(T0, List.of(node("n1", 8081)), null,
                Map.of("n1", new HealthReport(true, "DEGRADED", List.of("Redis unreachable"), false, null)));

        assertThat(s.nodes().get(0).state()).isEqualTo(NodeState.DEGRADED);
        assertThat(s.nodes().get(0).problems()).containsExactly("Redis unreachable");
        assertThat(s.nodes().get(0).redis()).isEqualTo("unreachable");
    }

    @Test
    void aNodeThatLeavesTheRegistryStaysListedAsDownUntilForgotten() {
        tracker.update(T0, List.of(node("n1", 8081), node("n2", 8082)), null, Map.of("n1", up(), "n2", up()));

        ClusterSnapshot gone = tracker.update(T0.plusSeconds(5), List.of(node("n1", 8081)), null, Map.of("n1", up()));
        assertThat(gone.nodes()).extracting(NodeStatus::id).containsExactly("n1", "n2");
        assertThat(gone.nodes().get(1).state()).isEqualTo(NodeState.DOWN);
        assertThat(gone.nodes().get(1).since()).isEqualTo(T0.plusSeconds(5));

        ClusterSnapshot later = tracker.update(T0.plusSeconds(5 + 599), List.of(node("n1", 8081)), null, Map.of("n1", up()));
        assertThat(later.nodes()).extracting(NodeStatus::id).containsExactly("n1", "n2");
        assertThat(later.nodes().get(1).since()).as("down since it left, not since the last poll").isEqualTo(T0.plusSeconds(5));

        ClusterSnapshot forgotten = tracker.update(T0.plusSeconds(5 + 600), List.of(node("n1", 8081)), null, Map.of("n1", up()));
        assertThat(forgotten.nodes()).extracting(NodeStatus::id).containsExactly("n1");
    }

    @Test
    void aNodeThatComesBackIsUpAgain() {
        tracker.update(T0, List.of(node("n1", 8081)), null, Map.of("n1", up()));
        tracker.update(T0.plusSeconds(5), List.of(), null, Map.of());

        ClusterSnapshot back = tracker.update(T0.plusSeconds(9), List.of(node("n1", 8081)), null, Map.of("n1", up()));

        assertThat(back.nodes().get(0).state()).isEqualTo(NodeState.UP);
        assertThat(back.nodes().get(0).since()).isEqualTo(T0.plusSeconds(9));
    }

    @Test
    void withoutTheRegistryKnownNodesAreAskedAndTheOthersAreUnknown() {
        tracker.update(T0, List.of(node("n1", 8081), node("n2", 8082)), null, Map.of("n1", up(), "n2", up()));
        assertThat(tracker.knownAdminUrls()).containsEntry("n1", "http://127.0.0.1:8081");

        ClusterSnapshot s = tracker.update(T0.plusSeconds(1), null, "Redis down", Map.of("n1", up()));

        assertThat(s.registryProblem()).isEqualTo("Redis down");
        assertThat(s.nodes()).extracting(NodeStatus::state).containsExactly(NodeState.UP, NodeState.UNKNOWN);
    }
}
