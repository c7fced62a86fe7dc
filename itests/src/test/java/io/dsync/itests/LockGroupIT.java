package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;

/**
 * The lock Raft group inside real nodes: three lock nodes started from the distribution find each other through the
 * registry, form one group (Ratis embedded in the lock-server bundle), elect one leader, fail over when the leader is
 * killed, take the old leader back as a follower, and keep their log across a restart of every node.
 */
class LockGroupIT {

    @TempDir
    Path dir;

    LocalCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.collectLogs(Nodes.reports().resolve("LockGroupIT"));
            cluster.close();
        }
    }

    @Test
    void threeLockNodesFormOneGroupAndSurviveTheLossOfTheLeader() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("raft").nodes("lock", 3, "lock").start();
        String leader = awaitOneLeader(cluster.nodes());
        List<JsonNode> before = raft(cluster.nodes());
        for (JsonNode r : before) {
            assertThat(r.path("members").toString()).isEqualTo("[\"lock-1\",\"lock-2\",\"lock-3\"]");
        }
        long term = before.get(0).path("term").asLong();

        ClusterNode old = cluster.node(leader);
        old.kill();
        List<ClusterNode> rest = new ArrayList<>(cluster.nodes());
        rest.remove(old);
        long killed = System.nanoTime();
        String next = awaitOneLeader(rest);
        System.out.printf("new leader %s %.1f s after kill -9 of %s%n", next, (System.nanoTime() - killed) / 1e9, leader);
        assertThat(next).isNotEqualTo(leader);
        assertThat(raft(rest).get(0).path("term").asLong()).isGreaterThan(term);

        old.restart().awaitHealthy(Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode r = raft(old);
            return r != null && "FOLLOWER".equals(r.path("role").asText()) && next.equals(r.path("leader").asText());
        });

        // Every node restarted: the group comes back from the logs, with its applied index not behind.
        long applied = raft(cluster.node(next)).path("appliedIndex").asLong();
        for (ClusterNode n : cluster.nodes()) {
            n.kill();
        }
        for (ClusterNode n : cluster.nodes()) {
            n.restart();
        }
        for (ClusterNode n : cluster.nodes()) {
            n.awaitHealthy(Duration.ofSeconds(90));
        }
        awaitOneLeader(cluster.nodes());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> raft(cluster.nodes()).stream().allMatch(r -> r.path("appliedIndex").asLong() > applied));
    }

    private static String awaitOneLeader(List<ClusterNode> nodes) {
        String[] leader = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            List<JsonNode> all = raft(nodes);
            if (all.size() != nodes.size()) {
                return false;
            }
            long leaders = all.stream().filter(r -> "LEADER".equals(r.path("role").asText())).count();
            String seen = all.get(0).path("leader").asText(null);
            boolean agreed = seen != null && all.stream().allMatch(r -> seen.equals(r.path("leader").asText(null))
                    && r.path("term").asLong() == all.get(0).path("term").asLong());
            leader[0] = seen;
            return leaders == 1 && agreed;
        });
        return leader[0];
    }

    private static List<JsonNode> raft(List<ClusterNode> nodes) {
        List<JsonNode> all = new ArrayList<>();
        for (ClusterNode n : nodes) {
            JsonNode r = raft(n);
            if (r != null && r.has("role")) {
                all.add(r);
            }
        }
        return all;
    }

    private static JsonNode raft(ClusterNode node) {
        try {
            return Nodes.JSON.readTree(node.get("/lock/raft").body());
        } catch (Exception e) {
            return null;
        }
    }
}
