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
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        List<JsonNode> before = RaftProbe.raft(cluster.nodes());
        for (JsonNode r : before) {
            assertThat(r.path("members").toString()).isEqualTo("[\"lock-1\",\"lock-2\",\"lock-3\"]");
        }
        long term = before.get(0).path("term").asLong();

        ClusterNode old = cluster.node(leader);
        old.kill();
        List<ClusterNode> rest = new ArrayList<>(cluster.nodes());
        rest.remove(old);
        long killed = System.nanoTime();
        String next = RaftProbe.awaitOneLeader(rest);
        System.out.printf("new leader %s %.1f s after kill -9 of %s%n", next, (System.nanoTime() - killed) / 1e9, leader);
        assertThat(next).isNotEqualTo(leader);
        assertThat(RaftProbe.raft(rest).get(0).path("term").asLong()).isGreaterThan(term);

        old.restart().awaitHealthy(Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode r = RaftProbe.raft(old);
            return r != null && "FOLLOWER".equals(r.path("role").asText()) && next.equals(r.path("leader").asText());
        });

        // Every node restarted: the group comes back from the logs, with its applied index not behind.
        long applied = RaftProbe.raft(cluster.node(next)).path("appliedIndex").asLong();
        for (ClusterNode n : cluster.nodes()) {
            n.kill();
        }
        for (ClusterNode n : cluster.nodes()) {
            n.restart();
        }
        for (ClusterNode n : cluster.nodes()) {
            n.awaitHealthy(Duration.ofSeconds(90));
        }
        RaftProbe.awaitOneLeader(cluster.nodes());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> RaftProbe.raft(cluster.nodes()).stream().allMatch(r -> r.path("appliedIndex").asLong() > applied));
    }
}
