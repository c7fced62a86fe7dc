package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeInfo;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * At-least-once delivery under real faults: producers and consumers run against three queue node processes while the
 * harness kills the owner of partition 0 with SIGKILL (its partitions move to the others, which redeliver what it had
 * delivered and not seen acknowledged), restarts it (partitions move back: a rebalance on join), and freezes another
 * queue node with SIGSTOP for about 4 s (its partitions move to the others once its heartbeat is two intervals late,
 * before its registry entry expires, and move back after it resumes). The history must show no acknowledged send lost,
 * nothing invented and same-key messages in order; the report gives the duplicates and how long sends failed after
 * each fault.
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
        CompletableFuture<Takeover> pausedTakeover = new CompletableFuture<>();
        long[] restartedAfterKillNanos = new long[1];
        long[] killedAt = new long[1];
        long[] resumedAfterPauseNanos = new long[1];
        long[] pausedAt = new long[1];
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
                    pausedAt[0] = System.nanoTime();
                    cluster.node(victim[1]).pause();
                    watchPartitionsLeave(cluster, victim[1], pausedAt[0], pausedTakeover);
                })
                .fault(at(run, 58), "SIGCONT it", () -> {
                    resumedAfterPauseNanos[0] = System.nanoTime() - pausedAt[0];
                    cluster.node(victim[1]).resume();
                }));
        ScenarioReport.Fault kill = report.fault("kill -9 the owner of partition 0").orElseThrow();
        assertThat(report.recoveryNanos(kill)).as("messages are sent and acknowledged again after the owner died")
                .isPresent();
        Duration took = takeover.getNow(null);
        System.out.printf("[queue-scenario] partition 0 owned by a survivor %s ms after its owner was killed%n",
                took == null ? "never" : Long.toString(took.toMillis()));
        assertThat(took).as("another node owned partition 0 before its owner came back").isNotNull()
                .isLessThan(Duration.ofNanos(restartedAfterKillNanos[0]));
        Takeover moved = pausedTakeover.getNow(null);
        Duration paused = Duration.ofNanos(resumedAfterPauseNanos[0]);
        System.out.printf("[queue-scenario] %s (paused for %d ms)%n", moved == null
                ? "no partition left the paused node" : "partition " + moved.partition() + " of the paused node owned by "
                + moved.by() + " " + moved.after().toMillis() + " ms after its SIGSTOP", paused.toMillis());
        // The pause (3.9 s in CI) ends before the paused node's registry entry expires (5 s after its last heartbeat,
        // 4-5 s after the SIGSTOP): only its lateness (two heartbeats, 1.25-2.25 s after it) moves its partitions
        // before the resume. With the entry's expiry alone this fails.
        assertThat(moved).as("a partition of the paused node was claimed by another node").isNotNull();
        assertThat(moved.after()).as("a partition of the paused node was claimed while it was paused")
                .isLessThan(paused);
    }

    /** A partition claimed by another node, {@code after} the SIGSTOP of its owner. */
    record Takeover(int partition, String by, Duration after) {
    }

    /**
     * Completes {@code takeover} with the first partition of {@code victim} (as Redis records its
     * owner and the ring places it) that another node claimed, and how long after {@code pausedAt}; asked every 20 ms
     * for up to 30 s, on a thread of its own. Reads Redis, not the nodes'
     * queue API, which would wait for the paused node's answer.
     */
    static void watchPartitionsLeave(LocalCluster cluster, String victim, long pausedAt,
                                     CompletableFuture<Takeover> takeover) throws InterruptedException {
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress());
        config.setCodec(StringCodec.INSTANCE);
        RedissonClient redis = Redisson.create(config);
        Function<Integer, String> owner = p -> redis.<String, String>getMap("dsync:" + cluster.name() + ":q:{"
                + QueueWorkload.QUEUE + "/" + p + "}:meta").get("owner");
        List<String> owners = new ArrayList<>();
        for (String o = owner.apply(0); o != null; o = owner.apply(owners.size())) {
            owners.add(o);
        }
        int partitions = owners.size();
        // Only partitions the ring of every node gives the victim: the node restarted before may not be back in the
        // registry yet, and a partition the victim holds for it until then would leave for that reason, not for the
        // pause. The paused node stays listed until its entry expires, 4-5 s from now.
        NodeDirectory directory = new NodeDirectory(redis, cluster.name());
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<NodeInfo> nodes = directory.list();
        while (nodes.size() < cluster.nodes().size() && System.nanoTime() < waitUntil) {
            Thread.sleep(50);
            nodes = directory.list();
        }
        QueueTopology ring = QueueTopology.of(nodes);
        List<Integer> held = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            if (victim.equals(owners.get(p)) && victim.equals(ring.primary(QueueWorkload.QUEUE, partitions, p))) {
                held.add(p);
            }
        }
        System.out.printf("[queue-scenario] paused %s, which owns partitions %s of %d (ring of %d nodes)%n", victim,
                held, partitions, nodes.size());
        Thread watcher = new Thread(() -> {
            try {
                while (!held.isEmpty() && System.nanoTime() - pausedAt < TimeUnit.SECONDS.toNanos(30)) {
                    for (int p : held) {
                        String now = owner.apply(p);
                        if (!victim.equals(now)) {
                            takeover.complete(new Takeover(p, now, Duration.ofNanos(System.nanoTime() - pausedAt)));
                            return;
                        }
                    }
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                redis.shutdown();
            }
        }, "pause-takeover-watch");
        watcher.setDaemon(true);
        watcher.start();
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
