package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.LocalCluster;

/**
 * {@code bin/dsync lock} as a user runs it, against a queue node (which has no lock replica: its LockService and HTTP
 * API reach the lock group over Raft) of a cluster with one lock node: acquire held by a detached session, a second
 * acquire refused with exit code 3, status, list, a command run under the lock, a deadlock shown by {@code graph},
 * release; and the lock metrics on both nodes. The queue node runs the lock client bundle only: no Raft member, no
 * lock server API, no Raft gauges, and still every lock call works.
 */
class LockCliIT extends ClusterTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();


    @Test
    void theLockCommandsWorkThroughAnyNode() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cli").lockGroupSize(1)
                .node("lock-1", "lock").node("queue-1", "queue").start();
        RaftProbe.awaitOneLeader(cluster.nodes().subList(0, 1));
        String node = "http://127.0.0.1:" + cluster.node("queue-1").adminPort();

        Cli held = Cli.run("lock", "acquire", "app/db", "--detach", "--ttl", "60s", "--node", node);
        assertThat(held.exitCode()).as(held.err()).isZero();
        Matcher m = Pattern.compile("acquired app/db EXCLUSIVE, fencing token (\\d+), session (\\S+)").matcher(held.out());
        assertThat(m.find()).as(held.out()).isTrue();
        String session = m.group(2);

        // The queue node has the lock client (bundles/core) but not the lock server (bundles/lock, lock nodes only).
        JsonNode bundles = Nodes.JSON.readTree(cluster.node("queue-1").get("/bundles").body()).path("bundles");
        assertThat(bundles.findValuesAsText("symbolicName")).contains("io.dsync.lock.client").doesNotContain("io.dsync.lock.server");
        assertThat(Nodes.JSON.readTree(cluster.node("lock-1").get("/bundles").body()).path("bundles")
                .findValuesAsText("symbolicName")).contains("io.dsync.lock.client", "io.dsync.lock.server");
        assertThat(cluster.node("queue-1").get("/lock/raft").statusCode()).as("no lock server API").isEqualTo(404);
        assertThat(Nodes.JSON.readTree(cluster.node("queue-1").get("/metrics").body()).path("gauges").toString())
                .as("no Raft member").doesNotContain("dsync.lock.raft.");
        Cli members = Cli.run("lock", "members", "--node", node);
        assertThat(members.exitCode()).isEqualTo(1);
        assertThat(members.err()).contains("runs no lock server").doesNotContain("Exception");

        Cli status = Cli.run("lock", "status", "app/db", "--node", node);
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("lock app/db: held").contains(session).contains("EXCLUSIVE");

        Cli refused = Cli.run("lock", "acquire", "app/db", "--wait", "0", "--node", node);
        assertThat(refused.exitCode()).as("not acquired").isEqualTo(3);
        assertThat(refused.err()).contains("lock 'app/db' not acquired").doesNotContain("Exception:");

        Cli list = Cli.run("lock", "list", "--node", node);
        assertThat(list.out()).contains("app/db").contains("EXCLUSIVE").contains(session + "#" + m.group(1));

        // A process of its own: the command under the lock writes to the standard output of the dsync process.
        Cli run = Cli.process("lock", "acquire", "app/job", "--node", node, "--", "sh", "-c", "echo token=$DSYNC_LOCK_TOKEN; exit 7");
        assertThat(run.exitCode()).as("the command's exit code").isEqualTo(7);
        assertThat(run.out()).containsPattern("token=\\d+");
        assertThat(Cli.run("lock", "status", "app/job", "--node", node).out()).contains("app/job: free");

        // A deadlock through the HTTP API: a holds x, b holds y, a waits for y, b asks for x.
        String a = open(node);
        String b = open(node);
        assertThat(post(node, "/lock/sessions/" + a + "/acquire?name=x").statusCode()).isEqualTo(200);
        assertThat(post(node, "/lock/sessions/" + b + "/acquire?name=y").statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> aWaits = CompletableFuture.supplyAsync(() -> {
            try {
                return post(node, "/lock/sessions/" + a + "/acquire?name=y&waitMs=20000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await("a waits for y").atMost(Duration.ofSeconds(10)).until(() -> Cli.run("lock", "graph", "--node", node).out().contains(a));
        Cli graph = Cli.run("lock", "graph", "--node", node);
        assertThat(graph.out()).containsPattern(a + "\\s+y\\s+EXCLUSIVE\\s+" + b);
        HttpResponse<String> deadlock = post(node, "/lock/sessions/" + b + "/acquire?name=x&waitMs=5000");
        assertThat(deadlock.statusCode()).isEqualTo(409);
        assertThat(Nodes.JSON.readTree(deadlock.body()).path("error").asText()).isEqualTo("deadlock");
        graph = Cli.run("lock", "graph", "--node", node);
        assertThat(graph.out()).contains("Latest deadlocks").contains("victim " + b + " on x");
        Cli dot = Cli.run("lock", "graph", "--dot", "--node", node);
        assertThat(dot.out()).startsWith("digraph waitfor {").contains("\"" + a + "\" -> \"" + b + "\"");
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(node + "/lock/sessions/" + b)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
        assertThat(aWaits.get().statusCode()).as("a gets y once b is gone").isEqualTo(200);

        Cli release = Cli.run("lock", "release", "app/db", "--session", session, "--close", "--node", node);
        assertThat(release.exitCode()).as(release.err()).isZero();
        assertThat(Cli.run("lock", "status", "app/db", "--node", node).out()).contains("app/db: free");
        Cli again = Cli.run("lock", "release", "app/db", "--session", session, "--node", node);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("no live session " + session);

        // A wait longer than the session's TTL: the session is not reaped while its request waits.
        // (The lock is taken first: a CLI run takes seconds on a busy machine, longer than the short session's TTL.)
        held = Cli.run("lock", "acquire", "app/busy", "--detach", "--ttl", "60s", "--node", node);
        assertThat(held.exitCode()).as(held.err()).isZero();
        String shortLived = open(node, 2_000);
        HttpResponse<String> waited = post(node, "/lock/sessions/" + shortLived + "/acquire?name=app/busy&waitMs=4000");
        assertThat(Nodes.JSON.readTree(waited.body()).path("error").asText()).as(waited.body()).isEqualTo("timeout");

        // Closing a session while one of its requests waits answers that request 409, not 500.
        String closing = open(node);
        CompletableFuture<HttpResponse<String>> closingWaits = CompletableFuture.supplyAsync(() -> {
            try {
                return post(node, "/lock/sessions/" + closing + "/acquire?name=app/busy&waitMs=20000");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await("the closing session waits").atMost(Duration.ofSeconds(10))
                .until(() -> Cli.run("lock", "graph", "--node", node).out().contains(closing));
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(node + "/lock/sessions/" + closing)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
        HttpResponse<String> cancelled = closingWaits.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(409);
        assertThat(Nodes.JSON.readTree(cancelled.body()).path("error").asText()).isEqualTo("cancelled");

        Cli bad = Cli.run("lock", "status", "bad\u0001name", "--node", node);
        assertThat(bad.exitCode()).as(bad.out() + bad.err()).isEqualTo(2);

        // The metrics: grants and deadlocks counted by the lock replica, acquire latency by the queue node's client.
        JsonNode lockMetrics = Nodes.JSON.readTree(cluster.node("lock-1").get("/metrics").body());
        assertThat(lockMetrics.toString()).contains("dsync.lock.grants").contains("dsync.lock.deadlocks");
        JsonNode meters = lockMetrics.path("meters");
        assertThat(meters.path("dsync.lock.deadlocks").path("count").asLong()).isEqualTo(1);
        assertThat(meters.path("dsync.lock.grants").path("count").asLong()).isGreaterThanOrEqualTo(4);
        JsonNode clientMetrics = Nodes.JSON.readTree(cluster.node("queue-1").get("/metrics").body());
        assertThat(clientMetrics.path("timers").path("dsync.lock.client.acquire.exclusive").path("count").asLong())
                .isGreaterThanOrEqualTo(4);
        assertThat(clientMetrics.path("meters").path("dsync.lock.client.acquire.failures").path("count").asLong())
                .as("the refused acquire and the deadlock victim").isGreaterThanOrEqualTo(2);
        assertThat(clientMetrics.path("histograms").path("dsync.lock.client.batch").path("count").asLong())
                .as("requests sent to the leader").isGreaterThanOrEqualTo(4);
        JsonNode waitingGauge = lockMetrics.path("gauges").path("dsync.lock.waiting").path("value");
        assertThat(waitingGauge.isInt()).as(lockMetrics.path("gauges").toString()).isTrue();
        assertThat(waitingGauge.asInt()).as("no call waits any more").isZero();
        assertThat(lockMetrics.path("gauges").path("dsync.lock.polls").path("value").isInt()).isTrue();
    }

    private static String open(String node) throws Exception {
        return open(node, 30_000);
    }

    private static String open(String node, int ttlMillis) throws Exception {
        HttpResponse<String> r = post(node, "/lock/sessions?ttlMs=" + ttlMillis);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Nodes.JSON.readTree(r.body()).path("session").asText();
    }

    private static HttpResponse<String> post(String node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
