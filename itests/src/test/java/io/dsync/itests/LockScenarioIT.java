package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * Mutual exclusion under real faults: clients take exclusive locks from the Raft group of three lock node processes,
 * write to a fenced resource with their token, and release, while the harness kills the leader with SIGKILL, restarts
 * it, and freezes a follower with SIGSTOP. The history must show no overlapping holds, strictly increasing tokens per
 * lock, and no write accepted with a stale token; the report gives the recovery time of each fault. A second scenario
 * does the same through partitions cut by the harness between the node processes: the leader isolated (clients
 * included), a bridge, and the leader's messages dropped one way.
 *
 * <p>CI runs the first for 15 s; the profile {@code soak} runs both, for 120 s each.
 */
class LockScenarioIT extends ClusterTest {

    @Test
    void exclusiveLocksStayExclusiveThroughLeaderCrashAndPause() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(15, Integer.getInteger("dsync.scenario.seconds", 15)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("lockscenario").nodes("lock", 3, "lock").start();
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        String follower = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String kill = "kill -9 leader " + leader;
        ScenarioReport report = LockWorkload.run(cluster, "lock-scenario", "exclusive locks through leader crash and pause", run, s -> s
                .fault(LockWorkload.at(run, 30), kill, () -> cluster.node(leader).kill())
                .fault(LockWorkload.at(run, 50), "restart " + leader, () -> cluster.node(leader).restart())
                .fault(LockWorkload.at(run, 60), "SIGSTOP " + follower, () -> cluster.node(follower).pause())
                .fault(LockWorkload.at(run, 75), "SIGCONT " + follower, () -> cluster.node(follower).resume()));
        assertThat(report.recoveryNanos(report.fault(kill).orElseThrow()))
                .as("locks are granted again after the leader died").isPresent();
    }

    /**
     * Soak only: CI covers the same partitions with the checker over three groups ({@link LockShardsIT}) and, for one
     * group, step by step ({@link LockPartitionIT}, whose bridge also catches RATIS-2605 below).
     */
    @Test
    @EnabledIfSystemProperty(named = "dsync.soak", matches = "true", disabledReason = "soak profile only (mvn -Psoak)")
    void exclusiveLocksStayExclusiveThroughPartitions() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(20, Integer.getInteger("dsync.scenario.seconds", 20)));
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("lockpartitions").partitionable(true)
                .nodes("lock", 3, "lock").start();
        RaftProbe.awaitOneLeader(cluster.nodes());
        String[] cut = new String[2];
        ScenarioReport report = LockWorkload.run(cluster, "lock-partitions", "exclusive locks through partitions", run, s -> s
                .fault(LockWorkload.at(run, 20), "isolate the leader", () -> {
                    cluster.isolate(cut[0] = RaftProbe.leaderNow(cluster.nodes()));
                    System.out.printf("[scenario] isolated: %s%n", cut[0]);
                })
                .fault(LockWorkload.at(run, 40), "heal", cluster::healAll)
                .fault(LockWorkload.at(run, 50), "bridge: leader x a follower", () -> {
                    cut[0] = RaftProbe.leaderNow(cluster.nodes());
                    cut[1] = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(cut[0])).findFirst().orElseThrow();
                    cluster.disconnect(cut[0], cut[1]);
                    System.out.printf("[scenario] bridge: %s x %s%n", cut[0], cut[1]);
                })
                .fault(LockWorkload.at(run, 65), "heal bridge", cluster::healAll)
                .fault(LockWorkload.at(run, 75), "leader's messages dropped", () -> {
                    cut[0] = RaftProbe.leaderNow(cluster.nodes());
                    cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(cut[0]))
                            .forEach(id -> cluster.cut(cut[0], id));
                    System.out.printf("[scenario] dropped: the messages of %s%n", cut[0]);
                })
                .fault(LockWorkload.at(run, 90), "heal one-way cut", cluster::healAll));
        assertThat(report.recoveryNanos(report.fault("isolate the leader").orElseThrow()))
                .as("locks are granted again while the old leader is cut off").isPresent();
        // A bridge leaves the leader a majority: locks must be granted before the bridge heals. Ratis 3.1.3 broke
        // this in about a third of the runs: a follower that had been an isolated leader kept an uncommitted tail,
        // the leader took a heartbeat's success as a match of that tail (RATIS-2605) and never repaired it, so the
        // bridge left the leader without a working majority until the heal.
        ScenarioReport.Fault bridge = report.fault("bridge: leader x a follower").orElseThrow();
        ScenarioReport.Fault healBridge = report.fault("heal bridge").orElseThrow();
        assertThat(report.firstSuccess(bridge, p -> true).map(io.dsync.testkit.history.Call::completionTime))
                .as("a lock granted and released during the bridge")
                .hasValueSatisfying(t -> assertThat(t).isLessThan(healBridge.startedNanos()));
    }
}
