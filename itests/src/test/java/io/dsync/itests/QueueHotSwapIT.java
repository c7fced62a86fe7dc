package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.testkit.check.CheckResult;
import io.dsync.testkit.check.QueueOps;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * Hot swap of the queue under load: producers and consumers of the real {@code ClientQueueService}
 * ({@link QueueWorkload}) run against three queue node processes while bundles are updated through the admin API
 * ({@code POST /bundles/{id}/update}, which stops the bundle, loads its JAR again in a new class loader, starts it and
 * refreshes the bundles wired to its old revision):
 * <ol>
 *   <li>{@code queue-node} on the node that owns partition 0 of the workload's queue: that node's partition owners stop
 *       and the new revision claims the partitions again (a new epoch each);</li>
 *   <li>{@code queue-client} on another node: that node's {@code QueueService} and queue HTTP API go away and come
 *       back, while its partitions stay served;</li>
 *   <li>{@code messaging} on the third node: its node messaging closes and listens again on the same port, and the
 *       queue bundles, which wire to the messaging package, are refreshed (their components stop and start).</li>
 * </ol>
 * The queue checker must find nothing acknowledged lost, nothing invented, and same-key messages in order. Beside the
 * workload, a probe on a queue of its own sends without pause to one partition owned by each node (and, over HTTP,
 * through the node whose queue client is updated) and acknowledges what it receives: it gives the unavailability gap
 * of each update (the longest time without a successful send to that node's partition), must see no call fail to
 * the application, and must lose nothing either. Afterwards each updated bundle is ACTIVE with a new last-modified
 * time, each node's {@code /health} is UP, and no thread of a bundle's old revision is left running, without
 * waiting for a garbage collection (thread names counted with {@code jstack} against a dump taken before the
 * updates).
 * <p>
 * A second run stops the {@code queue-node} bundle of the owner of partition 0 for longer than a client's operation
 * timeout, then starts it again: its partitions go to the other queue nodes while it is stopped and come back when it
 * starts, and no call of the workload or the probe fails.
 *
 * <p>Each runs for 30 s ({@code -Ddsync.scenario.seconds} for longer); the measurements go to
 * {@code target/node-logs/queue-hot-swap-gaps.txt} and {@code queue-bundle-stop-gaps.txt}.
 */
class QueueHotSwapIT extends ClusterTest {

    static final String QUEUE_NODE = "io.dsync.queue.node";
    static final String QUEUE_CLIENT = "io.dsync.queue.client";
    static final String MESSAGING = "io.dsync.messaging";
    private static final String TOKEN = "queue-hot-swap-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** An update as it ran: when it was asked for and when the bundle served again. */
    record Update(String node, String bundle, long requestedNanos, long servingNanos, long lastModifiedBefore,
                  long lastModifiedAfter) {
    }

    @Test
    void updatingQueueBundlesUnderLoadLosesNoMessage() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("queuehotswap").adminToken(TOKEN)
                .nodes("queue", 3, "queue").start();
        List<Update> updates = new CopyOnWriteArrayList<>();
        try (QueueProbe probe = new QueueProbe(cluster, TOKEN)) {
            // The placement is the ring's, the same on every node and here: who gets which update is known up front.
            String owner = probe.primary(QueueWorkload.QUEUE, 0);
            List<String> others = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(owner))
                    .sorted().toList();
            String clientNode = others.get(0);
            String messagingNode = others.get(1);
            Map<String, Map<String, Integer>> threadsBefore = new TreeMap<>();
            for (ClusterNode n : cluster.nodes()) {
                threadsBefore.put(n.id(), Nodes.threads(n));
            }
            System.out.println("[hot-swap] threads of " + owner + " before the updates: " + threadsBefore.get(owner));
            probe.start(clientNode);
            ScenarioReport report = QueueWorkload.run(cluster, "queue-hot-swap", "queue while its bundles are updated", run, s -> s
                    .fault(QueueScenarioIT.at(run, 12), "update queue-node on the owner of partition 0", () -> {
                        assertThat(QueueScenarioIT.ownerOfPartitionZero(cluster)).as("owner of partition 0").isEqualTo(owner);
                        updates.add(update(owner, QUEUE_NODE));
                    })
                    .fault(QueueScenarioIT.at(run, 30), "update queue-client on another node",
                            () -> updates.add(update(clientNode, QUEUE_CLIENT)))
                    .fault(QueueScenarioIT.at(run, 48), "update messaging on the third node",
                            () -> updates.add(update(messagingNode, MESSAGING))));
            CheckResult probed = probe.finish();

            StringBuilder out = new StringBuilder(report.summary()).append("probe: ").append(probed.report()).append('\n');
            for (Update u : updates) {
                boolean viaHttp = u.bundle().equals(QUEUE_CLIENT);
                long window = u.servingNanos() + TimeUnit.SECONDS.toNanos(5);
                out.append(String.format("%s on %s: action %.0f ms; sends to its partition: gap %.0f ms, slowest %.0f ms, "
                                + "failed %d; acks there: gap %.0f ms, failed %d%s%n", u.bundle(), u.node(),
                        (u.servingNanos() - u.requestedNanos()) / 1e6,
                        probe.gap("send", u.node(), u.requestedNanos(), window) / 1e6,
                        probe.slowest("send", u.node(), u.requestedNanos(), window) / 1e6,
                        probe.failed("send", u.node()),
                        probe.gap("ack", u.node(), u.requestedNanos(), window) / 1e6,
                        probe.failed("ack", u.node()),
                        viaHttp ? String.format("; sends through its HTTP API: gap %.0f ms, refused or failed %d",
                                probe.gap("http", u.node(), u.requestedNanos(), window) / 1e6, probe.failed("http", u.node()))
                                : ""));
            }
            out.append(workloadFailures(report));
            Files.createDirectories(Nodes.reports());
            Files.writeString(Nodes.reports().resolve("queue-hot-swap-gaps.txt"), out);
            System.out.println("[hot-swap] " + out);

            assertThat(updates).extracting(Update::bundle).containsExactly(QUEUE_NODE, QUEUE_CLIENT, MESSAGING);
            assertThat(probed.isValid()).as(probed.report()).isTrue();
            for (Update u : updates) {
                ClusterNode node = cluster.node(u.node());
                JsonNode b = Nodes.bundle(node, u.bundle());
                assertThat(b.path("state").asText()).as(u.bundle() + " on " + u.node()).isEqualTo("ACTIVE");
                assertThat(u.lastModifiedAfter()).as("last modified of " + u.bundle() + " on " + u.node())
                        .isGreaterThan(u.lastModifiedBefore());
                assertThat(probe.firstSuccessAfter("send", u.node(), u.servingNanos()))
                        .as("a send to a partition of %s after its %s update", u.node(), u.bundle()).isTrue();
                assertThat(probe.firstSuccessAfter("ack", u.node(), u.servingNanos()))
                        .as("an ack at %s after its %s update", u.node(), u.bundle()).isTrue();
            }
            assertThat(probe.firstSuccessAfter("http", clientNode, updates.get(1).servingNanos()))
                    .as("a send through the HTTP API of %s after its queue-client update", clientNode).isTrue();
            for (String kind : List.of("send", "ack")) {
                for (ClusterNode n : cluster.nodes()) {
                    assertThat(probe.failed(kind, n.id())).as("probe %ss to %s that failed to the application: %s",
                            kind, n.id(), probe.errors(kind, n.id())).isZero();
                }
            }
            for (ScenarioReport.Fault f : report.faults()) {
                assertThat(report.recoveryNanos(f)).as("sends and acks succeed after '%s'", f.name()).isPresent();
            }
            for (ClusterNode n : cluster.nodes()) {
                await("/health of " + n.id() + " UP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            JsonNode h = Nodes.health(n);
                            return h != null && "UP".equals(h.path("status").asText());
                        });
            }
            for (Update u : updates) {
                ClusterNode node = cluster.node(u.node());
                Map<String, Integer> before = threadsBefore.get(u.node());
                System.out.printf("[hot-swap] threads on %s after the %s update, more than before: %s%n", u.node(),
                        u.bundle(), Nodes.duplicated(before, Nodes.threads(node)));
                // The threads of an old revision end when it stops (a pool's busy thread once its task is done): no
                // garbage collection should be needed for that, so none is forced.
                await("no thread of the old " + u.bundle() + " revision on " + u.node()).atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> Nodes.duplicated(before, Nodes.threads(node)).isEmpty());
            }
        }
    }

    /**
     * A stopped {@code queue-node} bundle (longer than a client's operation timeout) gives its partitions to the other
     * queue nodes, and takes them back when it starts again; clients retry across both moves and no call fails.
     */
    @Test
    void aStoppedQueueNodeHandsItsPartitionsOverAndTakesThemBackWhenStarted() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("queuebundlestop").adminToken(TOKEN)
                .nodes("queue", 3, "queue").start();
        try (QueueProbe probe = new QueueProbe(cluster, TOKEN)) {
            String owner = probe.primary(QueueWorkload.QUEUE, 0);
            Map<String, Integer> threadsBefore = Nodes.threads(cluster.node(owner));
            probe.start(null);
            long[] at = new long[4];
            ScenarioReport report = QueueWorkload.run(cluster, "queue-bundle-stop", "queue while a queue-node bundle is stopped", run, s -> s
                    .fault(QueueScenarioIT.at(run, 10), "stop queue-node on the owner of partition 0", () -> {
                        at[0] = System.nanoTime();
                        bundleAction(owner, QUEUE_NODE, "stop");
                        await("partition 0 owned by another node").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                                .pollInterval(Duration.ofMillis(100))
                                .until(() -> !owner.equals(QueueScenarioIT.ownerOfPartitionZero(cluster)));
                        at[1] = System.nanoTime();
                    })
                    .fault(QueueScenarioIT.at(run, 50), "start it again", () -> {
                        at[2] = System.nanoTime();
                        bundleAction(owner, QUEUE_NODE, "start");
                        await("partition 0 owned by " + owner + " again").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                                .pollInterval(Duration.ofMillis(100))
                                .until(() -> owner.equals(QueueScenarioIT.ownerOfPartitionZero(cluster)));
                        at[3] = System.nanoTime();
                    }));
            CheckResult probed = probe.finish();
            long stopWindow = at[1] + TimeUnit.SECONDS.toNanos(5);
            long startWindow = at[3] + TimeUnit.SECONDS.toNanos(5);
            String out = String.format("queue-node stopped on %s: partition 0 moved after %.0f ms; sends to its partition: "
                            + "gap %.0f ms, slowest %.0f ms; acks: gap %.0f ms%n"
                            + "queue-node started on %s: partition 0 back after %.0f ms; sends: gap %.0f ms, slowest %.0f ms; "
                            + "acks: gap %.0f ms%nprobe calls failed: sends %d, acks %d%n%s",
                    owner, (at[1] - at[0]) / 1e6, probe.gap("send", owner, at[0], stopWindow) / 1e6,
                    probe.slowest("send", owner, at[0], stopWindow) / 1e6, probe.gap("ack", owner, at[0], stopWindow) / 1e6,
                    owner, (at[3] - at[2]) / 1e6, probe.gap("send", owner, at[2], startWindow) / 1e6,
                    probe.slowest("send", owner, at[2], startWindow) / 1e6, probe.gap("ack", owner, at[2], startWindow) / 1e6,
                    probe.failed("send", owner), probe.failed("ack", owner), workloadFailures(report));
            Files.writeString(Nodes.reports().resolve("queue-bundle-stop-gaps.txt"), report.summary() + "probe: "
                    + probed.report() + "\n" + out);
            System.out.println("[hot-swap] " + out);

            assertThat(probed.isValid()).as(probed.report()).isTrue();
            for (String kind : List.of("send", "ack")) {
                for (ClusterNode n : cluster.nodes()) {
                    assertThat(probe.failed(kind, n.id())).as("probe %ss to %s that failed to the application: %s",
                            kind, n.id(), probe.errors(kind, n.id())).isZero();
                }
            }
            assertThat(probe.firstSuccessAfter("send", owner, at[3])).as("sends to %s's partition after its start", owner).isTrue();
            assertThat(workloadFailures(report)).as("the workload's calls").endsWith("none\n");
            await("/health of " + owner + " UP").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        JsonNode h = Nodes.health(cluster.node(owner));
                        return h != null && "UP".equals(h.path("status").asText());
                    });
            // On failure the message names the threads that run more often than before the stop. 20 s: a pool's
            // thread ends once its task is done, which on a loaded 2-core CI machine took longer than 10 s once
            // (2026-12-06); a thread that never ends still fails.
            await("no thread of the stopped queue-node left on " + owner).atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(Nodes.duplicated(threadsBefore, Nodes.threads(cluster.node(owner))))
                            .as("threads of %s that run more often than before the stop", owner).isEmpty());
        }
    }

    /** The workload's sends and acks that did not succeed, by outcome and reason (a hot swap should cause none). */
    private static String workloadFailures(ScenarioReport report) {
        Map<String, Integer> reasons = new TreeMap<>();
        for (Call c : report.history().calls()) {
            if (!c.isOk() && (c.type().equals(QueueOps.SEND) || c.type().equals(QueueOps.ACK))) {
                String reason = String.valueOf(c.result());
                reasons.merge(c.type() + " " + c.outcome() + ": " + reason.substring(0, Math.min(120, reason.length())), 1,
                        Integer::sum);
            }
        }
        return "workload sends and acks that did not succeed: " + (reasons.isEmpty() ? "none" : reasons) + "\n";
    }

    /** Updates a bundle from its location and waits until it is ACTIVE again and serves. */
    private Update update(String nodeId, String symbolicName) throws Exception {
        ClusterNode node = cluster.node(nodeId);
        JsonNode b = Nodes.bundle(node, symbolicName);
        long id = b.path("id").asLong();
        long before = b.path("lastModified").asLong();
        long requested = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/" + id + "/update")))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        long[] after = new long[1];
        await(symbolicName + " on " + nodeId + " serving again").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                    JsonNode now = Nodes.bundle(node, symbolicName);
                    after[0] = now.path("lastModified").asLong();
                    return "ACTIVE".equals(now.path("state").asText()) && after[0] > before && serves(node, symbolicName);
                });
        long serving = System.nanoTime();
        System.out.printf("[hot-swap] %s on %s updated (HTTP %d) and serving after %.0f ms%n", symbolicName, nodeId,
                r.statusCode(), (serving - requested) / 1e6);
        return new Update(nodeId, symbolicName, requested, serving, before, after[0]);
    }

    /** Stops or starts a bundle and waits until it is RESOLVED, or ACTIVE and serving. */
    private void bundleAction(String nodeId, String symbolicName, String action) throws Exception {
        ClusterNode node = cluster.node(nodeId);
        long id = Nodes.bundle(node, symbolicName).path("id").asLong();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/" + id + "/" + action)))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        await(symbolicName + " on " + nodeId + " after " + action).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                    String state = Nodes.bundle(node, symbolicName).path("state").asText();
                    return action.equals("stop") ? "RESOLVED".equals(state)
                            : "ACTIVE".equals(state) && serves(node, symbolicName);
                });
    }

    /** Whether what the bundle offers answers: the owner's status, the queue HTTP API, or both after messaging. */
    private static boolean serves(ClusterNode node, String symbolicName) throws Exception {
        boolean owner = node.get("/queue/node/status").statusCode() == 200;
        boolean client = node.get("/queue/queues").statusCode() == 200;
        return switch (symbolicName) {
            case QUEUE_NODE -> owner;
            case QUEUE_CLIENT -> client;
            default -> owner && client;
        };
    }
}
