package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.protocol.PollReply;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * The lock Raft group inside real nodes: three lock nodes started from the distribution find each other through the
 * registry, form one group (Ratis embedded in the lock-server bundle), elect one leader, fail over when the leader is
 * killed, take the old leader back as a follower, and keep every hold and waiter across a kill -9 and restart of
 * every node.
 */
class LockGroupIT extends ClusterTest {


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

        // A hold and a waiter, then every node killed and restarted: the group comes back from the logs with both.
        // The holder's client keeps running (its 10 s session outlives the outage: the outage does not count against
        // sessions); the waiter is a bare session with no client behind it, so nothing withdraws its request.
        try (RaftLockClient client = new RaftLockClient(LockRaftGroup.group("raft", cluster.raftAddresses()), RaftLockClient.Options.DEFAULT);
             ClientLockService service = new ClientLockService(client, "restart-it");
             LockSession holder = service.openSession(Duration.ofSeconds(10))) {
            LockHandle held = holder.acquire(new LockRequest("restart/held", LockMode.EXCLUSIVE, Duration.ofSeconds(5), Duration.ofMinutes(10)));
            SessionId waiter = new SessionId(java.util.UUID.randomUUID().toString());
            assertThat(client.submit(new LockCommand.OpenSession(waiter, "bare-waiter", 120_000)).join()).isInstanceOf(Outcome.SessionLive.class);
            assertThat(client.submit(LockCommand.Acquire.of(waiter, 1, new LockRequest("restart/held", LockMode.SHARED,
                    Duration.ofMinutes(5), Duration.ofMinutes(1)))).join()).isInstanceOf(Outcome.Queued.class);

            long applied = RaftProbe.raft(cluster.node(next)).path("appliedIndex").asLong();
            for (ClusterNode n : cluster.nodes()) {
                n.kill();
            }
            long down = System.nanoTime();
            for (ClusterNode n : cluster.nodes()) {
                n.restart();
            }
            for (ClusterNode n : cluster.nodes()) {
                n.awaitHealthy(Duration.ofSeconds(90));
            }
            RaftProbe.awaitOneLeader(cluster.nodes());
            System.out.printf("full restart: group back %.1f s after kill -9 of all three%n", (System.nanoTime() - down) / 1e9);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> RaftProbe.raft(cluster.nodes()).stream().allMatch(r -> r.path("appliedIndex").asLong() > applied));

            LockStatus status = service.status("restart/held");
            assertThat(status.holders()).extracting(LockHolder::sessionId, LockHolder::fencingToken)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(holder.id(), held.fencingToken()));
            assertThat(status.waiters()).extracting(LockWaiter::sessionId).containsExactly(waiter);
            // The group kept the session through the outage (it does not count against sessions); the client renews
            // its own view of the expiry with its next heartbeat, which may come a third of the TTL after the group is back.
            await("the holder's session renewed").atMost(Duration.ofSeconds(10)).until(holder::isLive);
            holder.release(held);
            PollReply granted = client.awaitOutcome(waiter, 1, Duration.ofSeconds(10)).join();
            assertThat(granted).isInstanceOf(PollReply.Resolved.class);
            Outcome.Granted g = (Outcome.Granted) ((PollReply.Resolved) granted).outcome();
            assertThat(g.grant().fencingToken()).isGreaterThan(held.fencingToken());
            client.submit(new LockCommand.CloseSession(waiter)).join();
        }
    }

    /**
     * The leader killed again and again, each time as soon as the old one is back as a follower: the two others elect
     * a new one every time (soak profile: {@code dsync.failover.rounds}, 30 by default).
     */
    @Test
    @EnabledIfSystemProperty(named = "dsync.soak", matches = "true", disabledReason = "soak profile only (mvn -Psoak)")
    void aLeaderKilledAgainAndAgainIsReplacedEachTime() throws Exception {
        int rounds = Integer.getInteger("dsync.failover.rounds", 30);
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("raft").nodes("lock", 3, "lock").start();
        String leader = RaftProbe.awaitOneLeader(cluster.nodes());
        for (int round = 1; round <= rounds; round++) {
            ClusterNode old = cluster.node(leader);
            old.kill();
            List<ClusterNode> rest = new ArrayList<>(cluster.nodes());
            rest.remove(old);
            long killed = System.nanoTime();
            String next = RaftProbe.awaitOneLeader(rest, Duration.ofSeconds(20));
            System.out.printf("round %d: new leader %s %.1f s after kill -9 of %s%n", round, next,
                    (System.nanoTime() - killed) / 1e9, leader);
            old.restart().awaitHealthy(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode r = RaftProbe.raft(old);
                return r != null && "FOLLOWER".equals(r.path("role").asText()) && next.equals(r.path("leader").asText());
            });
            leader = next;
        }
    }
}
