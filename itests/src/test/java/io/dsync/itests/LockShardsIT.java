package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.lock.DeadlockException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * The lock space sharded over three Raft groups hosted by three lock node processes: the groups' leaders spread over
 * the nodes, a deadlock whose cycle crosses two groups (which neither group sees whole) is broken with the same
 * {@link DeadlockException} as one inside a group, and exclusive locks on names spread over the groups stay exclusive
 * (the mutual-exclusion checker) through one run of faults: the leader of one group killed with SIGKILL and
 * restarted (recovering its groups from its data folder), partitions cut by the harness' proxies (a group's leader
 * isolated with its clients, a bridge), another node frozen with SIGSTOP, and a group leader's messages dropped one
 * way. The CLI shows every group, and a node's own lock service routes to them. One cluster and one run for all of it:
 * each start of a cluster costs CI about ten seconds.
 */
class LockShardsIT extends ClusterTest {

    private static final int GROUPS = 3;

    @Test
    void shardedLocksStayExclusiveThroughFaultsAndCrossGroupDeadlocksAreBroken() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("shards").partitionable(true).lockGroups(GROUPS)
                .nodes("lock", 3, "lock").start();
        List<String> leaders = RaftProbe.awaitGroupLeaders(cluster.nodes(), GROUPS, Duration.ofSeconds(60));
        report("group leaders %s", leaders);
        // Each group prefers another node (Ratis priorities), so the leaders end up on three nodes.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> new HashSet<>(RaftProbe.groupLeaders(cluster.nodes(), GROUPS)).size() == GROUPS
                        && !RaftProbe.groupLeaders(cluster.nodes(), GROUPS).contains(null));
        leaders = RaftProbe.groupLeaders(cluster.nodes(), GROUPS);
        report("group leaders spread over the nodes: %s", leaders);
        // The CLI shows every group; a node's own LockService (the CLI's lock commands go through it) routes too.
        String node = "http://127.0.0.1:" + cluster.node("lock-1").adminPort();
        Cli members = Cli.run("lock", "members", "--node", node);
        assertThat(members.exitCode()).as(members.err()).isZero();
        assertThat(members.out()).contains(GROUPS + " lock groups:").contains("group 2");
        for (String name : List.of("cli/a", "cli/b", "cli/c")) {
            Cli held = Cli.run("lock", "acquire", name, "--detach", "--ttl", "30s", "--node", node);
            assertThat(held.exitCode()).as(held.err()).isZero();
            assertThat(held.out()).contains("acquired " + name);
        }

        try (ShardedLockClient client = ShardedLockClient.connect(cluster.name(), cluster.raftAddresses(),
                RaftLockClient.Options.DEFAULT);
             ClientLockService locks = new ClientLockService(client, "shards-it")) {
            assertThat(client.groupCount()).as("the client learns the group count from the servers").isEqualTo(GROUPS);
            crossGroupDeadlockIsBroken(locks);
        }

        List<Integer> groupsOfNames = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            groupsOfNames.add(LockRaftGroup.groupOf("L" + i, GROUPS));
        }
        assertThat(new HashSet<>(groupsOfNames)).as("the workload's locks %s are in every group", groupsOfNames)
                .hasSize(GROUPS);
        // One run through a crash, partitions and a pause: each fault gets about 3 s, as in the scenarios of one group.
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        String killed = leaders.get(1);
        String paused = cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(killed)).findFirst()
                .orElseThrow();
        String kill = "kill -9 " + killed + " (leader of group 1)";
        String[] cut = new String[2];
        ScenarioReport report = LockWorkload.run(cluster, "lock-shards", "exclusive locks over " + GROUPS
                + " Raft groups through a crash, partitions and a pause", run, 6, s -> s
                .fault(LockWorkload.at(run, 12), kill, () -> cluster.node(killed).kill())
                // The restart returns once the node takes part in every group again (5-12 s on 2 busy cores): the
                // faults after it keep their gaps instead of striking while it is still down (an isolated node
                // and a dead one leave no majority).
                .shiftLaterFaultsBySlowActions()
                .settleAfterFaults(Duration.ofSeconds(3))
                .fault(LockWorkload.at(run, 25), "restart " + killed, () -> {
                    cluster.node(killed).restart();
                    awaitInEveryGroup(cluster.node(killed), Duration.ofSeconds(60));
                })
                .fault(LockWorkload.at(run, 38), "isolate a node", () -> {
                    cluster.isolate(cut[0] = leaderOf(0));
                    report("isolated %s (leader of group 0)", cut[0]);
                })
                .fault(LockWorkload.at(run, 50), "heal", cluster::healAll)
                .fault(LockWorkload.at(run, 56), "bridge", () -> {
                    List<String> ids = cluster.nodes().stream().map(ClusterNode::id).toList();
                    cluster.disconnect(cut[0] = ids.get(0), cut[1] = ids.get(1));
                    report("bridge: %s x %s", cut[0], cut[1]);
                })
                .fault(LockWorkload.at(run, 66), "heal bridge", cluster::healAll)
                .fault(LockWorkload.at(run, 70), "SIGSTOP " + paused, () -> cluster.node(paused).pause())
                .fault(LockWorkload.at(run, 79), "SIGCONT " + paused, () -> cluster.node(paused).resume())
                .fault(LockWorkload.at(run, 84), "one node's messages dropped", () -> {
                    cut[0] = leaderOf(1);
                    cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(cut[0]))
                            .forEach(id -> cluster.cut(cut[0], id));
                    report("dropped: the messages of %s (leader of group 1)", cut[0]);
                })
                .fault(LockWorkload.at(run, 94), "heal one-way cut", cluster::healAll));
        assertThat(report.recoveryNanos(report.fault(kill).orElseThrow()))
                .as("locks are granted again after the leader of a group died").isPresent();
        assertThat(report.recoveryNanos(report.fault("isolate a node").orElseThrow()))
                .as("locks are granted again while a node is cut off").isPresent();
        // The restarted node recovered all its groups from its data folder and takes part in each again.
        List<String> after = RaftProbe.awaitGroupLeaders(cluster.nodes(), GROUPS, Duration.ofSeconds(30));
        report("group leaders after the faults: %s", after);
        awaitInEveryGroup(cluster.node(killed), Duration.ofSeconds(30));
    }

    private static void awaitInEveryGroup(ClusterNode node, Duration atMost) {
        await().atMost(atMost).untilAsserted(() -> {
            JsonNode raft = RaftProbe.raft(node);
            assertThat(raft).as("%s answers as a lock group member", node.id()).isNotNull();
            List<String> roles = new ArrayList<>();
            raft.path("groups").forEach(g -> roles.add(g.path("role").asText()));
            assertThat(roles).as("roles of %s in the groups", node.id()).hasSize(GROUPS)
                    .allMatch(r -> r.equals("LEADER") || r.equals("FOLLOWER"));
        });
    }

    /**
     * Session A holds a lock of one group and waits for a lock of another, which session B holds while it waits for
     * A's: the cycle crosses the groups. One of the two waits must fail with a {@link DeadlockException} naming both
     * edges; once the victim lets go of its lock, the other is granted.
     */
    private static void crossGroupDeadlockIsBroken(ClientLockService locks) throws Exception {
        String[] names = namesInTwoGroups();
        Duration lease = Duration.ofSeconds(30);
        Duration wait = Duration.ofSeconds(20);
        try (LockSession a = locks.openSession(Duration.ofSeconds(30));
             LockSession b = locks.openSession(Duration.ofSeconds(30))) {
            LockHandle aHolds = a.acquire(new LockRequest(names[0], LockMode.EXCLUSIVE, lease, wait));
            LockHandle bHolds = b.acquire(new LockRequest(names[1], LockMode.EXCLUSIVE, lease, wait));
            long start = System.nanoTime();
            CompletableFuture<LockHandle> aWaits = a.acquireAsync(new LockRequest(names[1], LockMode.EXCLUSIVE, lease, wait));
            Thread.sleep(200); // a waits before b closes the cycle; either order is a deadlock, this one is easier to read
            CompletableFuture<LockHandle> bWaits = b.acquireAsync(new LockRequest(names[0], LockMode.EXCLUSIVE, lease, wait));
            CompletableFuture.anyOf(aWaits, bWaits).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
            long brokenMillis = (System.nanoTime() - start) / 1_000_000;
            boolean aIsVictim = aWaits.isCompletedExceptionally();
            CompletableFuture<LockHandle> victim = aIsVictim ? aWaits : bWaits;
            CompletableFuture<LockHandle> survivor = aIsVictim ? bWaits : aWaits;
            assertThat(victim).as("one of the waits fails").isCompletedExceptionally();
            DeadlockException deadlock = cause(victim);
            report("cross-group deadlock broken after %d ms: %s", brokenMillis, deadlock.getMessage());
            List<SessionId> waiters = deadlock.cycle().edges().stream().map(WaitEdge::waiter).toList();
            assertThat(waiters).containsExactlyInAnyOrder(a.id(), b.id());
            assertThat(deadlock.cycle().edges().stream().map(WaitEdge::lockName).toList())
                    .containsExactlyInAnyOrder(names[0], names[1]);
            assertThat(survivor).as("the other still waits").isNotDone();
            (aIsVictim ? a : b).release(aIsVictim ? aHolds : bHolds);
            LockHandle granted = survivor.get(10, TimeUnit.SECONDS);
            assertThat(granted.name()).isEqualTo(aIsVictim ? names[0] : names[1]);
        }
    }

    private static DeadlockException cause(CompletableFuture<LockHandle> failed) throws InterruptedException, TimeoutException {
        try {
            failed.get(1, TimeUnit.SECONDS);
            throw new AssertionError("expected a deadlock");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c != null && !(c instanceof DeadlockException)) {
                c = c.getCause();
            }
            assertThat(c).as("the failure %s", e.getCause()).isInstanceOf(DeadlockException.class);
            return (DeadlockException) c;
        }
    }

    /** The leader of a group now, or the first node if none leads it at this instant. */
    private String leaderOf(int group) {
        String leader = RaftProbe.groupLeaders(cluster.nodes(), GROUPS).get(group);
        return leader != null ? leader : cluster.nodes().get(0).id();
    }

    /** Two lock names in different groups. */
    private static String[] namesInTwoGroups() {
        String first = "deadlock-0";
        for (int i = 1; ; i++) {
            String other = "deadlock-" + i;
            if (LockRaftGroup.groupOf(other, GROUPS) != LockRaftGroup.groupOf(first, GROUPS)) {
                return new String[] {first, other};
            }
        }
    }

    private static void report(String format, Object... args) {
        System.out.printf("[shards] " + format + "%n", args);
    }
}
