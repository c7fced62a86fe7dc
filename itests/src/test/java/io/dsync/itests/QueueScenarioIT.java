package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * At-least-once delivery under real faults: producers and consumers run against three queue node processes while the
 * harness kills the owner of partition 0 with SIGKILL (its partitions move to the others, which redeliver what it had
 * delivered and not seen acknowledged), restarts it (partitions move back: a rebalance on join), and freezes another
 * queue node with SIGSTOP. The history must show no acknowledged send lost, nothing invented and same-key messages in
 * order; the report gives the duplicates and how long sends failed after each fault.
 *
 * <p>CI runs it for 30 s; {@code -Ddsync.scenario.seconds=120} (profile {@code soak}) runs it longer.
 */
class QueueScenarioIT extends ClusterTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void nothingAcknowledgedIsLostThroughOwnerCrashRestartAndPause() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("queuescenario").nodes("queue", 3, "queue").start();
        String[] victim = new String[2];
        CompletableFuture<Duration> takeover = new CompletableFuture<>();
        long[] restartedAfterKillNanos = new long[1];
        long[] killedAt = new long[1];
        ScenarioReport report = QueueWorkload.run(cluster, "queue-scenario", "queue through owner crash, restart and pause", run, s -> s
                .fault(at(run, 15), "kill -9 the owner of partition 0", () -> {
                    victim[0] = ownerOfPartitionZero(cluster);
                    System.out.printf("[scenario] killing %s%n", victim[0]);
                    killedAt[0] = System.nanoTime();
                    cluster.node(victim[0]).kill();
                    watchTakeover(cluster, victim[0], killedAt[0], takeover);
                })
                .fault(at(run, 35), "restart it", () -> {
                    restartedAfterKillNanos[0] = System.nanoTime() - killedAt[0];
                    cluster.node(victim[0]).restart();
                })
                .fault(at(run, 45), "SIGSTOP another queue node", () -> {
                    victim[1] = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(victim[0]))
                            .findFirst().orElseThrow();
                    cluster.node(victim[1]).pause();
                })
                .fault(at(run, 55), "SIGCONT it", () -> cluster.node(victim[1]).resume()));
        ScenarioReport.Fault kill = report.fault("kill -9 the owner of partition 0").orElseThrow();
        assertThat(report.recoveryNanos(kill)).as("messages are sent and acknowledged again after the owner died")
                .isPresent();
        Duration took = takeover.getNow(null);
        System.out.printf("[queue-scenario] partition 0 owned by a survivor %s ms after its owner was killed%n",
                took == null ? "never" : Long.toString(took.toMillis()));
        assertThat(took).as("another node owned partition 0 before its owner came back").isNotNull()
                .isLessThan(Duration.ofNanos(restartedAfterKillNanos[0]));
    }

    /**
     * Completes {@code takeover} with the time from the kill to the first answer of the queue API naming another owner
     * of partition 0 (asked every 20 ms, for up to 30 s, on a thread of its own so that the timeline goes on).
     */
    static void watchTakeover(LocalCluster cluster, String victim, long killedAt, CompletableFuture<Duration> takeover) {
        Thread watcher = new Thread(() -> {
            while (System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(30)) {
                try {
                    if (!victim.equals(ownerOfPartitionZero(cluster))) {
                        takeover.complete(Duration.ofNanos(System.nanoTime() - killedAt));
                        return;
                    }
                } catch (Exception noOwnerYet) {
                    // the dead owner's partitions are not claimed yet
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "takeover-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    static Duration at(Duration run, int percent) {
        return run.multipliedBy(percent).dividedBy(100);
    }

    /** The node that owns partition 0 of the scenario's queue now, from any node's queue API. */
    static String ownerOfPartitionZero(LocalCluster cluster) throws Exception {
        for (ClusterNode node : cluster.nodes()) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/queue/queues/"
                        + QueueWorkload.QUEUE))).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode owner = Nodes.JSON.readTree(r.body()).path("partitions").path(0).path("owner");
                if (!owner.isNull() && !owner.isMissingNode()) {
                    return owner.asText();
                }
            } catch (java.io.IOException e) {
                // try the next node
            }
        }
        throw new IllegalStateException("no node reports the owner of partition 0");
    }
}
