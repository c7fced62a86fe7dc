package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.testkit.check.LockOps;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * Hot swap under load.
 * <ul>
 *   <li>While clients take and release exclusive locks, the lock-server bundle is updated through the admin API on the
 *       leader's node, then on a follower's. Each update stops the bundle (its Raft member leaves), loads it again in a
 *       new class loader and starts it (the member rejoins from its log). The service stays available through the
 *       majority, the mutual-exclusion checker finds no violation, and no grant a client was given is lost: every
 *       release of a granted lock succeeds.</li>
 *   <li>The lock client and the lock server are separate bundles: updating the server on a node keeps the node's own
 *       client sessions and their locks (they fail over to the other members like any client), and updating the
 *       client leaves the node's Raft member alone (no election) and hands the node's HTTP sessions over to the
 *       client's new instance, with their locks and tokens.</li>
 * </ul>
 */
class LockHotSwapIT extends ClusterTest {

    private static final String TOKEN = "hot-swap-token";
    private static final String SERVER = "io.dsync.lock.server";
    private static final String CLIENT = "io.dsync.lock.client";
    private static final HttpClient HTTP = HttpClient.newHttpClient();


    /**
     * With one lock group and, in the profile {@code soak}, with the lock space over three groups (each node then leads
     * one and hands it off; CI covers three groups through crashes and partitions in {@link LockShardsIT}).
     */
    @ParameterizedTest(name = "{0} lock group(s)")
    @ValueSource(ints = {1, 3})
    void updatingTheLockBundleUnderLoadLosesNoGrant(int groups) throws Exception {
        assumeTrue(groups == 1 || Boolean.getBoolean("dsync.soak"), "three groups: soak profile only (mvn -Psoak)");
        Duration run = Duration.ofSeconds(Math.max(20, Integer.getInteger("dsync.scenario.seconds", 20)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("hotswap").adminToken(TOKEN).lockGroups(groups)
                .nodes("lock", 3, "lock").start();
        RaftProbe.awaitOneLeader(cluster.nodes());
        RaftProbe.awaitGroupLeaders(cluster.nodes(), groups, Duration.ofSeconds(60));
        String[] updated = new String[2];
        ScenarioReport report = LockWorkload.run(cluster, groups == 1 ? "lock-hot-swap" : "lock-hot-swap-" + groups + "-groups",
                "exclusive locks while the lock bundle is updated (" + groups + " lock group(s))", run,
                groups == 1 ? 2 : 6, s -> s
                .fault(LockWorkload.at(run, 25), "update lock bundle on the leader", () -> update(updated[0] = RaftProbe.leaderNow(cluster.nodes()), SERVER))
                .fault(LockWorkload.at(run, 60), "update lock bundle on a follower", () -> {
                    String leader = RaftProbe.leaderNow(cluster.nodes());
                    updated[1] = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(leader) && !id.equals(updated[0])).findFirst().orElseThrow();
                    update(updated[1], SERVER);
                }));
        for (String id : updated) {
            assertThat(Nodes.bundle(cluster.node(id), SERVER).path("state").asText()).as("lock-server bundle on " + id).isEqualTo("ACTIVE");
        }
        RaftProbe.awaitOneLeader(cluster.nodes());
        RaftProbe.awaitGroupLeaders(cluster.nodes(), groups, Duration.ofSeconds(30));
        assertThat(report.recoveryNanos(report.fault("update lock bundle on the leader").orElseThrow())).isPresent();
        for (Call c : report.history().calls()) {
            if (c.type().equals(LockOps.RELEASE)) {
                assertThat(c.isFail()).as("release %s failed: %s", c.key(), c.result()).isFalse();
            }
        }
    }

    @Test
    void theNodesOwnSessionsKeepTheirLocksThroughAServerUpdateAndAClientUpdate() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("own-sessions").adminToken(TOKEN).nodes("lock", 3, "lock").start();
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        ClusterNode node = cluster.node(leader);
        String held = openSession(node);
        JsonNode grant = json(call(node, "POST", "/lock/sessions/" + held + "/acquire?name=own/held&waitMs=5000"), 200);
        long token = grant.path("fencingToken").asLong();

        // Load through the same node while its lock server is updated: a session taking and releasing a lock.
        String worker = openSession(node);
        AtomicInteger done = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = new Thread(() -> {
            while (!stop.get()) {
                try {
                    HttpResponse<String> a = call(node, "POST", "/lock/sessions/" + worker + "/acquire?name=own/load&waitMs=10000");
                    HttpResponse<String> r = a.statusCode() == 200
                            ? call(node, "POST", "/lock/sessions/" + worker + "/release?name=own/load") : a;
                    if (r.statusCode() == 200) {
                        done.incrementAndGet();
                    } else {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "own-sessions-load");
        load.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> done.get() >= 5);
            update(leader, SERVER);
            int afterUpdate = done.get();
            await("lock calls through the node after the update").atMost(Duration.ofSeconds(20)).until(() -> done.get() >= afterUpdate + 5);
        } finally {
            stop.set(true);
            load.join(15_000);
        }
        assertThat(failures).as("lock calls through the node while its lock server was updated").isEmpty();
        JsonNode session = json(call(node, "GET", "/lock/sessions/" + held, null), 200);
        assertThat(session.path("held").findValuesAsText("name")).containsExactly("own/held");
        assertThat(session.path("held").get(0).path("fencingToken").asLong()).isEqualTo(token);
        JsonNode status = json(call(node, "GET", "/lock/status?name=own/held", null), 200);
        assertThat(status.path("holders").get(0).path("session").asText()).isEqualTo(held);
        assertThat(status.path("holders").get(0).path("fencingToken").asLong()).isEqualTo(token);

        // Now the client bundle of that node: the HTTP sessions it serves are handed over to the bundle's next instance
        // (same session, same lock, same token), and its Raft member goes on in the same term.
        String leaderNow = RaftProbe.awaitOneLeader(cluster.nodes());
        long term = RaftProbe.raft(cluster.node(leaderNow)).path("term").asLong();
        String role = RaftProbe.raft(node).path("role").asText();
        long serverLastModified = Nodes.bundle(node, SERVER).path("lastModified").asLong();
        json(call(node, "PUT", "/lock/sessions/" + held), 200);
        update(node.id(), CLIENT);
        await("LockService back on " + node.id()).atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> call(node, "PUT", "/lock/sessions/" + held).statusCode() == 200);
        session = json(call(node, "GET", "/lock/sessions/" + held, null), 200);
        assertThat(session.path("held").findValuesAsText("name")).as("the handed-over session's locks").containsExactly("own/held");
        assertThat(session.path("held").get(0).path("fencingToken").asLong()).isEqualTo(token);
        ClusterNode other = cluster.nodes().stream().filter(n -> n != node).findFirst().orElseThrow();
        String contender = openSession(other);
        assertThat(call(other, "POST", "/lock/sessions/" + contender + "/acquire?name=own/held&waitMs=0").statusCode())
                .as("the lock is still held by the handed-over session").isEqualTo(409);
        assertThat(json(call(node, "POST", "/lock/sessions/" + held + "/release?name=own/held"), 200)
                .path("remainingHoldCount").asInt()).isZero();
        JsonNode taken = json(call(other, "POST", "/lock/sessions/" + contender + "/acquire?name=own/held&waitMs=5000"), 200);
        assertThat(taken.path("fencingToken").asLong()).isGreaterThan(token);
        JsonNode raft = RaftProbe.raft(node);
        assertThat(raft.path("role").asText()).as("the member's role").isEqualTo(role);
        assertThat(raft.path("term").asLong()).as("no election").isEqualTo(term);
        assertThat(Nodes.bundle(node, SERVER).path("lastModified").asLong()).as("the server bundle was not touched")
                .isEqualTo(serverLastModified);
        assertThat(Nodes.bundle(node, SERVER).path("state").asText()).isEqualTo("ACTIVE");

        // The registry bundle, which every dsync bundle uses: its refresh restarts the lock client (and server) too.
        long after = json(call(node, "POST", "/lock/sessions/" + held + "/acquire?name=own/after&waitMs=5000"), 200)
                .path("fencingToken").asLong();
        long registryLastModified = Nodes.bundle(node, "io.dsync.registry").path("lastModified").asLong();
        update(node.id(), "io.dsync.registry");
        // The node's second resumption in its log shows the restart.
        await("the registry and the lock client updated and running on " + node.id()).atMost(Duration.ofSeconds(60))
                .ignoreExceptions().until(() -> Nodes.bundle(node, "io.dsync.registry").path("lastModified").asLong()
                        != registryLastModified && node.tail(5_000).split("Lock HTTP: resumed ", -1).length >= 3
                        && call(node, "PUT", "/lock/sessions/" + held).statusCode() == 200);
        session = json(call(node, "GET", "/lock/sessions/" + held, null), 200);
        assertThat(session.path("held").findValuesAsText("name")).as("locks after the registry update").containsExactly("own/after");
        assertThat(session.path("held").get(0).path("fencingToken").asLong()).isEqualTo(after);
        assertThat(json(call(node, "POST", "/lock/sessions/" + held + "/release?name=own/after"), 200)
                .path("remainingHoldCount").asInt()).isZero();
    }

    private static HttpResponse<String> call(ClusterNode node, String method, String path) throws Exception {
        return call(node, method, path, TOKEN);
    }

    private static HttpResponse<String> call(ClusterNode node, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Nodes.JSON.readTree(r.body());
    }

    private static String openSession(ClusterNode node) throws Exception {
        return json(call(node, "POST", "/lock/sessions?ttlMs=20000"), 201).path("session").asText();
    }

    /** Updates a bundle from its location; for the lock server, waits until the node's Raft member runs again. */
    private void update(String nodeId, String symbolicName) throws Exception {
        ClusterNode node = cluster.node(nodeId);
        long id = Nodes.bundle(node, symbolicName).path("id").asLong();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/" + id + "/update")))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        if (!symbolicName.equals(SERVER)) {
            return;
        }
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode raft = RaftProbe.raft(node);
            return raft != null && "running".equals(raft.path("state").asText()) && raft.path("leader").isTextual();
        });
        System.out.printf("[hot-swap] lock-server bundle on %s updated; its Raft member runs again after %.1f s%n", nodeId,
                (System.nanoTime() - start) / 1e9);
    }
}
