package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.testkit.check.LockOps;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * Hot swap under load: while clients take and release exclusive locks, the lock-server bundle is updated through
 * the admin API on the leader's node, then on a follower's. Each update stops the bundle (its Raft member leaves),
 * loads it again in a new class loader and starts it (the member rejoins from its log). The service stays available
 * through the majority, the mutual-exclusion checker finds no violation, and no grant a client was given is lost:
 * every release of a granted lock succeeds.
 */
class LockHotSwapIT extends ClusterTest {

    private static final String TOKEN = "hot-swap-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();


    @Test
    void updatingTheLockBundleUnderLoadLosesNoGrant() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(20, Integer.getInteger("dsync.scenario.seconds", 20)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("hotswap").adminToken(TOKEN).nodes("lock", 3, "lock").start();
        RaftProbe.awaitOneLeader(cluster.nodes());
        String[] updated = new String[2];
        ScenarioReport report = LockWorkload.run(cluster, "lock-hot-swap", "exclusive locks while the lock bundle is updated", run, s -> s
                .fault(LockWorkload.at(run, 25), "update lock bundle on the leader", () -> update(updated[0] = RaftProbe.leaderNow(cluster.nodes())))
                .fault(LockWorkload.at(run, 60), "update lock bundle on a follower", () -> {
                    String leader = RaftProbe.leaderNow(cluster.nodes());
                    updated[1] = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(leader) && !id.equals(updated[0])).findFirst().orElseThrow();
                    update(updated[1]);
                }));
        for (String id : updated) {
            assertThat(bundleState(cluster.node(id))).as("lock-server bundle on " + id).isEqualTo("ACTIVE");
        }
        RaftProbe.awaitOneLeader(cluster.nodes());
        assertThat(report.recoveryNanos(report.fault("update lock bundle on the leader").orElseThrow())).isPresent();
        for (Call c : report.history().calls()) {
            if (c.type().equals(LockOps.RELEASE)) {
                assertThat(c.isFail()).as("release %s failed: %s", c.key(), c.result()).isFalse();
            }
        }
    }

    /** Updates the lock-server bundle from its location and waits until the node's Raft member runs again. */
    private void update(String nodeId) throws Exception {
        ClusterNode node = cluster.node(nodeId);
        long id = bundleId(node);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/" + id + "/update")))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode raft = RaftProbe.raft(node);
            return raft != null && "running".equals(raft.path("state").asText()) && raft.path("leader").isTextual();
        });
        System.out.printf("[hot-swap] lock-server bundle on %s updated; its Raft member runs again after %.1f s%n", nodeId,
                (System.nanoTime() - start) / 1e9);
    }

    private static long bundleId(ClusterNode node) throws Exception {
        for (JsonNode b : Nodes.JSON.readTree(node.get("/bundles").body()).path("bundles")) {
            if ("io.dsync.lock.server".equals(b.path("symbolicName").asText())) {
                return b.path("id").asLong();
            }
        }
        throw new AssertionError("no io.dsync.lock.server bundle on " + node.id());
    }

    private static String bundleState(ClusterNode node) throws Exception {
        return Nodes.JSON.readTree(node.get("/bundles/" + bundleId(node)).body()).path("state").asText();
    }
}
