package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * Partitions between the lock node processes, cut by the harness's proxies in front of each Raft port: the leader
 * isolated (clients included), the leader's messages dropped one way, a bridge (two nodes that cannot talk, both
 * reaching the third), and a 2|1 split with the leader in the majority. After each, locks are granted again through
 * the majority, the cut-off node never leads alone, and after the heal the group agrees on one leader again.
 */
class LockPartitionIT extends ClusterTest {


    @Test
    void theMajorityKeepsGrantingThroughPartitionsAndTheGroupHeals() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("partition").partitionable(true).nodes("lock", 3, "lock").start();
        // The group first, then the client: a request that reaches a proxy whose node is not listening yet meets
        // Ratis 3.3.0's close stall (up to 5 s inside the client's retry, docs/architecture.md), which is not what
        // this test is about.
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        try (RaftLockClient client = new RaftLockClient(LockRaftGroup.group("partition", cluster.raftAddresses()), RaftLockClient.Options.DEFAULT);
             ClientLockService locks = new ClientLockService(client, "partition-it");
             LockSession session = locks.openSession(Duration.ofSeconds(60))) {
            assertThat(grant(session)).isPresent();

            // The leader alone on its side, clients included: the other two elect a leader and grant; the old one
            // steps down since it cannot reach a majority.
            cluster.isolate(leader);
            long cut = System.nanoTime();
            List<ClusterNode> majority = others(leader);
            String next = RaftProbe.awaitOneLeader(majority);
            report("isolated leader %s: %s leads the majority after %s", leader, next, since(cut));
            assertThat(next).isNotEqualTo(leader);
            Optional<Duration> granted = grant(session);
            assertThat(granted).as("a lock is granted through the majority").isPresent();
            report("isolated leader: first grant %s after the cut", since(cut));
            awaitNotLeader(leader);
            report("isolated leader: %s stepped down after %s", leader, since(cut));
            heal();

            // One way: the leader's messages are dropped, it still hears the others. They elect another leader,
            // whose higher term reaches the old one.
            leader = RaftProbe.awaitOneLeader(cluster.nodes());
            for (ClusterNode n : others(leader)) {
                cluster.cut(leader, n.id());
            }
            cut = System.nanoTime();
            next = RaftProbe.awaitOneLeader(others(leader));
            assertThat(next).isNotEqualTo(leader);
            awaitNotLeader(leader);
            assertThat(grant(session)).isPresent();
            report("one-way cut of leader %s: %s leads after %s; grants again", leader, next, since(cut));
            heal();

            // Bridge: the leader and one follower cannot talk; the other follower reaches both. A majority
            // (bridge + either end) exists, so grants continue, whoever ends up leading.
            leader = RaftProbe.awaitOneLeader(cluster.nodes());
            List<ClusterNode> followers = others(leader);
            String end = followers.get(0).id();
            cluster.disconnect(leader, end);
            // Held for three maximal election timeouts, so that the cut-off end's elections play out.
            Duration slowest = grantFor(session, Duration.ofSeconds(6), null);
            report("bridge (%s x %s, bridged by %s): grants for 6 s, slowest %d ms", leader, end, followers.get(1).id(), slowest.toMillis());
            heal();

            // 2|1 with the leader in the majority: the lone follower never leads; grants go on.
            leader = RaftProbe.awaitOneLeader(cluster.nodes());
            String lone = others(leader).get(0).id();
            List<String> rest = new ArrayList<>(cluster.nodes().stream().map(ClusterNode::id).filter(id -> !id.equals(lone)).toList());
            rest.add(LocalCluster.EXTERNAL);
            cluster.partition(List.of(lone), rest);
            slowest = grantFor(session, Duration.ofSeconds(6), cluster.node(lone));
            report("2|1 split (%s alone): grants for 6 s, slowest %d ms", lone, slowest.toMillis());
            heal();
        }
    }

    /**
     * Grants locks one after the other for a while, each of which must succeed; checks after each that
     * {@code neverLeader} (if given) does not lead.
     *
     * @return the slowest grant
     */
    private static Duration grantFor(LockSession session, Duration period, ClusterNode neverLeader) throws InterruptedException {
        Duration slowest = Duration.ZERO;
        long end = System.nanoTime() + period.toNanos();
        int n = 0;
        while (System.nanoTime() < end) {
            Optional<Duration> took = grant(session);
            assertThat(took).as("grant %d", n++).isPresent();
            slowest = took.get().compareTo(slowest) > 0 ? took.get() : slowest;
            if (neverLeader != null) {
                assertThat(RaftProbe.role(neverLeader)).as("role of %s", neverLeader.id()).isNotEqualTo("LEADER");
            }
        }
        return slowest;
    }

    /** Takes and releases an exclusive lock; empty if that did not succeed within 30 s of retries. */
    private static Optional<Duration> grant(LockSession session) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                LockHandle h = session.acquire(new LockRequest("p", LockMode.EXCLUSIVE, Duration.ofSeconds(5), Duration.ofSeconds(30)));
                session.release(h);
                return Optional.of(Duration.ofNanos(System.nanoTime() - start));
            } catch (RuntimeException e) {
                report("grant attempt failed: %s", e);
                Thread.sleep(200);
            }
        }
        return Optional.empty();
    }

    private void awaitNotLeader(String id) {
        await().atMost(Duration.ofSeconds(15)).until(() -> !"LEADER".equals(RaftProbe.role(cluster.node(id))));
    }

    private void heal() {
        cluster.healAll();
        long healed = System.nanoTime();
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        report("healed: all three follow %s after %s", leader, since(healed));
    }

    private List<ClusterNode> others(String id) {
        return cluster.nodes().stream().filter(n -> !n.id().equals(id)).toList();
    }

    private static String since(long nanos) {
        return String.format("%.2f s", (System.nanoTime() - nanos) / 1e9);
    }

    private static void report(String format, Object... args) {
        System.out.printf("[partition] " + format + "%n", args);
    }
}
