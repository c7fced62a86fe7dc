package io.dsync.lock.server.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.util.CodeInjectionForTesting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.PollReply;
import io.dsync.lock.protocol.RunningLockGroups;

/**
 * Three real Ratis servers (Netty, durable logs in temporary directories) on loopback in one JVM, with the default
 * election timeouts (200–400 ms), driven through the lock client's Raft transport. Each test has a group of its own.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class RaftLockClusterTest {

    private static final long TTL = 30_000;
    private static final long LEASE = 30_000;
    private static final long WAIT = 20_000;

    /** Ratis' injection point where a leader takes a client's write ({@code RaftServerImpl.appendTransaction}). */
    private static final String APPEND_TRANSACTION = "RaftServerImpl.appendTransaction";

    /** Ratis' injection point where a follower takes the leader's append ({@code RaftServerImpl.appendEntriesAsync}). */
    private static final String APPEND_ENTRIES = "RaftServerImpl.appendEntries";

    @TempDir
    Path dir;

    private TestGroup cluster;

    private final List<AutoCloseable> clients = new ArrayList<>();

    @org.junit.jupiter.api.BeforeEach
    void setUp() {
        cluster = new TestGroup(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        cluster.close();
    }

    @Test
    void electsALeaderAndGrantsAndReleasesThroughTheClient() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockServer.RaftStatus st = leader.status();
        assertEquals("LEADER", st.role());
        assertEquals(st.peerId(), st.leaderId().orElseThrow());
        assertTrue(st.term() > 0);

        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId s = open(client, "a");
        Outcome.Granted g = granted(get(client.submit(acquire(s, 1, "orders/1", LockMode.EXCLUSIVE))));
        assertEquals(1, g.grant().holdCount());

        LockStatus status = get(client.status("orders/1"));
        assertEquals(s, status.holders().get(0).sessionId());
        assertEquals(g.grant().fencingToken(), status.lastFencingToken());
        // A fresh group's clock is the wall clock: the lease ends within its length from now, not in year -292275055.
        Instant expiry = status.holders().get(0).leaseExpiresAt();
        Instant now = Instant.now();
        assertTrue(expiry.isAfter(now.minusSeconds(5)) && expiry.isBefore(now.plusMillis(g.grant().leaseMillis() + 5_000)),
                expiry.toString());

        assertEquals(new Outcome.Released(0),
                get(client.submit(new LockCommand.Release(s, 2, "orders/1", g.grant().fencingToken()))));
        assertTrue(get(client.status("orders/1")).isFree());
        // A retried release (same call id) is answered from the idempotency table, not applied twice.
        assertEquals(new Outcome.Released(0),
                get(client.submit(new LockCommand.Release(s, 2, "orders/1", g.grant().fencingToken()))));
        RaftLockServer.RaftStatus after = leader.status();
        assertTrue(after.appliedIndex() >= after.commitIndex() - 1 && after.commitIndex() > st.commitIndex(),
                after.toString());
    }

    @Test
    void anIdleGroupCommitsNothingWithoutSessionsAndRarelyWithOne() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        await().atMost(Duration.ofSeconds(10)).until(leader::isLeaderReady);
        long idle = leader.status().commitIndex();
        Thread.sleep(1_500);
        assertEquals(idle, leader.status().commitIndex(), "with no session nothing can expire: no tick");

        // A live session: the leader keeps the log clock from standing still for longer than the outage gap (a tick
        // every 1.5 s), where it used to tick every 200 ms (about 17 entries in this time).
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        open(client, "idle");
        long withSession = leader.status().commitIndex();
        Thread.sleep(3_400);
        long ticks = leader.status().commitIndex() - withSession;
        assertTrue(ticks >= 1 && ticks <= 3, "ticks in 3.4 s with one live session: " + ticks);
    }

    @Test
    void aStepOfTheMembersWallClocksEndsNoLeaseEarly() throws Exception {
        cluster.start(3);
        cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId s = open(client, "stepped");
        long lease = 6_000;
        granted(get(client.submit(new LockCommand.Acquire(s, 1, "stepped", LockMode.EXCLUSIVE, lease, WAIT, false))));
        long granted = System.nanoTime();
        // Every wall clock jumps 1.9 s ahead: less than the outage gap, so every replica would count it. Before, the
        // leader stamped its wall clock into its ticks, and the lease ended 1.9 s early in real time (at 4.1 s).
        cluster.stepClocks(1_900);
        Thread.sleep(4_500);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - granted) < lease - 1_000, "the check came too late");
        assertEquals(1, get(client.status("stepped")).holders().size(), "held 4.5 s into a 6 s lease");
        await("the lease's end").atMost(Duration.ofSeconds(5)).until(() -> get(client.status("stepped")).isFree());
        // Measured from the answer, which came a little after the grant's time.
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - granted) >= lease - 500);
    }

    @Test
    void aWaitingAcquireIsGrantedByLongPollWithALargerToken() throws Exception {
        cluster.start(3);
        cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        SessionId b = open(client, "b");
        Outcome.Granted first = granted(get(client.submit(acquire(a, 1, "x", LockMode.EXCLUSIVE))));
        assertEquals(new Outcome.Queued(0), get(client.submit(acquire(b, 1, "x", LockMode.EXCLUSIVE))));

        // Nothing happens within a short poll: the call is still waiting.
        assertEquals(new PollReply.StillWaiting(), get(client.awaitOutcome(b, 1, Duration.ofMillis(300))));

        CompletableFuture<PollReply> poll = client.awaitOutcome(b, 1, Duration.ofSeconds(10));
        RaftLockServer leader = cluster.awaitLeader();
        await("the poll held by the leader").atMost(Duration.ofSeconds(3)).until(() -> leader.stateMachine().heldPolls() == 1);
        long released = System.nanoTime();
        get(client.submit(new LockCommand.Release(a, 2, "x", first.grant().fencingToken())));
        PollReply reply = poll.get(10, TimeUnit.SECONDS);
        long grantMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
        Outcome.Granted second = granted(((PollReply.Resolved) reply).outcome());
        assertEquals(b, second.grant().sessionId());
        assertTrue(second.grant().fencingToken() > first.grant().fencingToken());
        assertTrue(grantMillis < 2_000, "grant arrived " + grantMillis + " ms after the release");

        // A poll after the resolution is answered from the remembered outcomes.
        assertEquals(reply, get(client.awaitOutcome(b, 1, Duration.ofSeconds(1))));
        // A call that never waited is unknown.
        assertEquals(new PollReply.Unknown(), get(client.awaitOutcome(a, 99, Duration.ofSeconds(1))));

        // Tokens keep increasing across grants of the same lock.
        get(client.submit(new LockCommand.Release(b, 2, "x", second.grant().fencingToken())));
        Outcome.Granted third = granted(get(client.submit(acquire(a, 3, "x", LockMode.SHARED))));
        assertTrue(third.grant().fencingToken() > second.grant().fencingToken());
    }

    @Test
    void concurrentCommandsShareLogEntriesAndEachGetsItsOwnOutcome() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT.withWriteConnections(4));
        SessionId s = open(client, "batch");
        int n = 400;
        long before = leader.status().commitIndex();
        // Submitted at once over 4 connections: most commands wait for a connection and travel in a batch.
        List<CompletableFuture<Outcome>> acquires = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acquires.add(client.submit(acquire(s, i + 1, "b/" + (i % 50), LockMode.SHARED)));
        }
        java.util.Set<Long> tokens = new java.util.HashSet<>();
        int reentrant = 0;
        for (CompletableFuture<Outcome> f : acquires) {
            Outcome.Granted g = granted(f.get(10, TimeUnit.SECONDS));
            tokens.add(g.grant().fencingToken());
            reentrant += g.grant().holdCount() > 1 ? 1 : 0;
        }
        long entries = leader.status().commitIndex() - before;
        // 50 locks, each granted once and then entered again by the same session: 50 distinct tokens.
        assertEquals(50, tokens.size());
        assertEquals(n - 50, reentrant);
        assertTrue(entries < n / 2, n + " commands took " + entries + " log entries");
        for (int i = 0; i < 50; i++) {
            assertEquals(n / 50, get(client.status("b/" + i)).holders().get(0).holdCount());
        }
    }

    @Test
    void theWaitersOfOneClientShareOneHeldPollAndAreGrantedInTurn() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId holder = open(client, "holder");
        Outcome.Granted first = granted(get(client.submit(acquire(holder, 1, "x", LockMode.EXCLUSIVE))));
        int n = 20;
        Map<CompletableFuture<PollReply>, SessionId> polls = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            SessionId s = open(client, "w" + i);
            assertEquals(new Outcome.Queued(i), get(client.submit(acquire(s, 1, "x", LockMode.EXCLUSIVE))));
            polls.put(client.awaitOutcome(s, 1, Duration.ofSeconds(20)), s);
        }
        await("one poll held for all " + n + " calls").atMost(Duration.ofSeconds(3))
                .until(() -> leader.stateMachine().heldPollCalls() == n);
        assertEquals(1, leader.stateMachine().heldPolls(), "one held poll for " + n + " waiting calls of one client");

        // Each grant is released at once, which grants the next waiter (FIFO), with a larger token every time.
        get(client.submit(new LockCommand.Release(holder, 2, "x", first.grant().fencingToken())));
        long lastToken = first.grant().fencingToken();
        for (Map.Entry<CompletableFuture<PollReply>, SessionId> p : polls.entrySet()) {
            Outcome.Granted g = granted(((PollReply.Resolved) p.getKey().get(10, TimeUnit.SECONDS)).outcome());
            assertEquals(p.getValue(), g.grant().sessionId());
            assertTrue(g.grant().fencingToken() > lastToken);
            lastToken = g.grant().fencingToken();
            assertEquals(new Outcome.Released(0), get(client.submit(new LockCommand.Release(p.getValue(), 2, "x", lastToken))));
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> leader.stateMachine().heldPolls() == 0);
    }

    @Test
    void anotherLeaderTakesOverWithHoldsAndDeliversTheWaitingGrant() throws Exception {
        cluster.start(3);
        RaftLockServer oldLeader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        SessionId b = open(client, "b");
        Outcome.Granted first = granted(get(client.submit(acquire(a, 1, "y", LockMode.EXCLUSIVE))));
        assertEquals(new Outcome.Queued(0), get(client.submit(acquire(b, 1, "y", LockMode.EXCLUSIVE))));
        CompletableFuture<PollReply> poll = client.awaitOutcome(b, 1, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(3)).until(() -> oldLeader.stateMachine().heldPolls() == 1);

        long closed = System.nanoTime();
        cluster.close(oldLeader);
        RaftLockServer newLeader = cluster.awaitLeader();
        long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertTrue(newLeader != oldLeader);

        LockStatus status = get(client.status("y"));
        assertEquals(a, status.holders().get(0).sessionId());
        assertEquals(first.grant().fencingToken(), status.holders().get(0).fencingToken());
        assertEquals(b, status.waiters().get(0).sessionId());
        assertTrue(!poll.isDone(), "the poll must survive the leader change: " + poll);

        get(client.submit(new LockCommand.Release(a, 2, "y", first.grant().fencingToken())));
        Outcome.Granted second = granted(((PollReply.Resolved) poll.get(10, TimeUnit.SECONDS)).outcome());
        assertEquals(b, second.grant().sessionId());
        assertTrue(second.grant().fencingToken() > first.grant().fencingToken());
        System.out.println("failover: new leader ready " + failoverMillis + " ms after closing the old one");
    }

    @Test
    void aRestartedClusterKeepsEveryHoldFromSnapshotAndLog() throws Exception {
        cluster.start(3);
        cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        long token1 = granted(get(client.submit(acquire(a, 1, "before-snapshot", LockMode.EXCLUSIVE)))).grant()
                .fencingToken();
        long snapshotIndex = 0;
        for (RaftLockServer s : cluster.servers) {
            snapshotIndex = Math.max(snapshotIndex, s.takeSnapshot(Duration.ofSeconds(5)));
        }
        assertTrue(snapshotIndex > 0);
        long token2 = granted(get(client.submit(acquire(a, 2, "after-snapshot", LockMode.SHARED)))).grant().fencingToken();

        cluster.close();
        cluster.restartAll();
        cluster.awaitLeader();

        LockStatus before = get(client.status("before-snapshot"));
        LockStatus after = get(client.status("after-snapshot"));
        assertEquals(token1, before.holders().get(0).fencingToken());
        assertEquals(a, before.holders().get(0).sessionId());
        assertEquals(token2, after.holders().get(0).fencingToken());
        assertEquals(LockMode.SHARED, after.holders().get(0).mode());
        // Tokens stay strictly increasing after the restart.
        SessionId b = open(client, "b");
        long token3 = granted(get(client.submit(acquire(b, 1, "after-restart", LockMode.EXCLUSIVE)))).grant()
                .fencingToken();
        assertTrue(token3 > token2 && token2 > token1);
    }

    @Test
    void aMemberBehindTheLeadersPurgedLogCatchesUpFromItsSnapshotAndVotes() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        long kept = granted(get(client.submit(acquire(a, 1, "kept", LockMode.EXCLUSIVE)))).grant().fencingToken();
        String behind = cluster.servers.stream().filter(s -> s != leader).findFirst().orElseThrow().options().selfId();
        cluster.close(cluster.member(behind));

        // More entries than Ratis' purge gap (1,024) while the member is down: four clients, each one command per
        // request (its own connection) and one request at a time, so every command is an entry of its own.
        List<CompletableFuture<Void>> churn = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            RaftLockClient writer = client(RaftLockClient.Options.DEFAULT);
            SessionId s = open(writer, "churn-" + w);
            String lock = "churn-" + w;
            churn.add(CompletableFuture.runAsync(() -> {
                for (long c = 1; c <= 260; c += 2) {
                    long token = granted(get(writer.submit(acquire(s, c, lock, LockMode.EXCLUSIVE)))).grant().fencingToken();
                    assertEquals(new Outcome.Released(0), get(writer.submit(new LockCommand.Release(s, c + 1, lock, token))));
                }
            }));
        }
        churn.forEach(CompletableFuture::join);
        long call = 2;
        // Restarts close the log segments in progress; the snapshots after them purge those segments, so the log of
        // the live members now starts after the last entry the member that was down holds.
        List<String> live = cluster.servers.stream().map(s -> s.options().selfId()).toList();
        cluster.close();
        for (String id : live) {
            cluster.restart(id);
        }
        cluster.awaitLeader();
        long after = granted(get(client.submit(acquire(a, call++, "after", LockMode.EXCLUSIVE)))).grant().fencingToken();
        for (RaftLockServer s : cluster.servers) {
            assertTrue(s.takeSnapshot(Duration.ofSeconds(10)) > 1_024);
        }

        // The leader sends it a snapshot: it takes it, applies what follows, and counts in the majority again.
        RaftLockServer back = cluster.restart(behind);
        await().atMost(Duration.ofSeconds(20)).until(() -> back.stateMachine().localStatus("after").holders().size() == 1);
        assertEquals(kept, back.stateMachine().localStatus("kept").holders().get(0).fencingToken());
        assertEquals(after, back.stateMachine().localStatus("after").holders().get(0).fencingToken());
        assertEquals("FOLLOWER", back.status().role());
        cluster.close(cluster.servers.stream().filter(s -> s != back).findFirst().orElseThrow());
        assertTrue(granted(get(client.submit(acquire(a, call, "two-of-three", LockMode.EXCLUSIVE)))).grant().fencingToken() > 0);
    }

    /**
     * A leader that takes longer than a client's attempt (a slow disk, a pause) must still commit the command: the
     * client asks who leads, learns that the member it sent to still leads, and waits for that request instead of
     * sending it again (each copy would take as long, and a client that re-sent after every attempt never got an
     * answer within its quorum timeout).
     */
    @Test
    void aCommandCommitsWhenTheLeaderTakesLongerThanAnAttempt() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        long term = leader.status().term();
        AtomicInteger slowed = new AtomicInteger();
        // Ratis' hook where the leader takes a client's write: 600 ms there, for writes only (the attempt is 250 ms).
        CodeInjectionForTesting.put(APPEND_TRANSACTION, (local, remote, args) -> {
            slowed.incrementAndGet();
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
        long start = System.nanoTime();
        Outcome outcome;
        try {
            outcome = get(client.submit(acquire(a, 1, "slow/1", LockMode.EXCLUSIVE)));
        } finally {
            CodeInjectionForTesting.remove(APPEND_TRANSACTION);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(granted(outcome).grant().fencingToken() > 0);
        assertEquals(1, slowed.get(), "the command was sent once");
        assertEquals(term, cluster.awaitLeader().status().term(), "no election");
        System.out.println("a leader 600 ms slow per write: granted after " + millis + " ms");
    }

    /**
     * Reads are served on the leader's lease (Ratis' leader lease): a linearizable read does not wait for a round of
     * heartbeats, which Ratis' Netty appender sends to a follower only after the append in flight to it has come back
     * (a follower's fsync). Here both followers hold the leader's append of a write; a status read must be answered
     * while they still hold it. Without the lease the read's heartbeats wait behind that append, and the read cannot
     * return before the followers let it go.
     */
    @Test
    void aReadIsAnsweredOnTheLeadersLeaseWhileTheFollowersStillHoldAnAppend() throws Exception {
        // Longer elections than the default, so that the lease (0.9 x the minimum) has a wide margin: heartbeats every
        // 500 ms, a lease of 900 ms from the last answered one.
        cluster.electionTimeouts(Duration.ofMillis(1_000), Duration.ofMillis(2_000));
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        get(client.status("warm-up")); // the read connection
        // A commit after that read: Ratis answers a read at once, lease or not, when a round of heartbeats confirmed
        // the leader since the last commit.
        SessionId a = open(client, "a");
        String leaderId = leader.options().selfId();
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicInteger holding = new AtomicInteger();
        CodeInjectionForTesting.put(APPEND_ENTRIES, (local, remote, args) -> {
            AppendEntriesRequestProto request = (AppendEntriesRequestProto) args[1];
            if (!leaderId.equals(String.valueOf(local)) && request.getEntriesCount() > 0) {
                holding.incrementAndGet();
                try {
                    // Below the election timeout, so that the followers do not start an election meanwhile.
                    letGo.await(700, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                holding.decrementAndGet();
            }
            return false;
        });
        try {
            CompletableFuture<Outcome> write = client.submit(acquire(a, 1, "held/1", LockMode.EXCLUSIVE));
            await().atMost(Duration.ofSeconds(5)).until(() -> holding.get() == 2);
            LockStatus status = get(client.status("other"));
            int stillHolding = holding.get();
            letGo.countDown();
            assertEquals(2, stillHolding, "the read was answered while both followers held the append");
            assertTrue(status.holders().isEmpty(), status::toString);
            assertTrue(granted(get(write)).grant().fencingToken() > 0);
        } finally {
            letGo.countDown();
            CodeInjectionForTesting.remove(APPEND_ENTRIES);
        }
    }

    @Test
    void withTwoOfThreeServersDownASubmitFailsWithNoQuorumInTime() throws Exception {
        cluster.start(3);
        RaftLockServer leader = cluster.awaitLeader();
        RaftLockClient client = client(new RaftLockClient.Options(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        SessionId a = open(client, "a");
        int closedCount = 0;
        for (RaftLockServer s : List.copyOf(cluster.servers)) {
            if (s != leader && closedCount < 2) {
                cluster.close(s);
                closedCount++;
            }
        }
        long start = System.nanoTime();
        NoQuorumException e = assertThrows(NoQuorumException.class,
                () -> get(client.submit(acquire(a, 1, "z", LockMode.EXCLUSIVE))));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Duration.ofSeconds(2), e.quorumTimeout());
        assertTrue(millis >= 1_900 && millis < 3_000, "failed after " + millis + " ms");

        start = System.nanoTime();
        assertThrows(NoQuorumException.class, () -> get(client.status("z")));
        millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 3_000, "status failed after " + millis + " ms");
        System.out.println("no quorum: submit and status failed within " + millis + " ms");
    }

    @Test
    void aMemberJoinsTheRunningGroupAndAnotherLeavesIt() throws Exception {
        cluster.start(3);
        cluster.awaitLeader();
        RaftLockClient client = client(RaftLockClient.Options.DEFAULT);
        SessionId a = open(client, "a");
        Outcome.Granted before = granted(get(client.submit(acquire(a, 1, "m", LockMode.EXCLUSIVE))));

        assertEquals(java.util.Set.of("n1", "n2", "n3"),
                RunningLockGroups.probe("test", cluster.peers(), Duration.ofSeconds(2)).orElseThrow().members().keySet());
        // n4 starts knowing only the group's id, then asks the leader to add it; it receives the log, holds included.
        RaftLockServer n4 = cluster.join("n4");
        assertEquals(List.of("n1", "n2", "n3", "n4"), List.copyOf(cluster.awaitLeader().members().keySet()));
        await().atMost(Duration.ofSeconds(10)).until(() -> n4.stateMachine().localStatus("m").holders().size() == 1);
        assertEquals("FOLLOWER", n4.status().role());
        n4.requestMembership(Duration.ofSeconds(10)); // asking again is harmless

        // n2 leaves; the other three go on, and the change is in every remaining member's configuration.
        cluster.awaitLeader().removeMember("n2", Duration.ofSeconds(10));
        cluster.close(cluster.member("n2"));
        for (RaftLockServer x : cluster.servers) {
            await().atMost(Duration.ofSeconds(10)).until(() -> x.members().keySet().equals(java.util.Set.of("n1", "n3", "n4")));
        }
        RaftLockClient after = client(RaftLockClient.Options.DEFAULT);
        assertEquals(new Outcome.Released(0), get(after.submit(new LockCommand.Release(a, 2, "m", before.grant().fencingToken()))));
        Outcome.Granted again = granted(get(after.submit(acquire(a, 3, "m", LockMode.EXCLUSIVE))));
        assertTrue(again.grant().fencingToken() > before.grant().fencingToken());
        IllegalArgumentException notMember = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cluster.awaitLeader().removeMember("n2", Duration.ofSeconds(1)));
        assertTrue(notMember.getMessage().contains("not a member"), notMember.getMessage());
    }

    @Test
    void aServiceWaiterGetsTheLockAfterTheLeaderWasClosed() throws Exception {
        cluster.start(3);
        cluster.awaitLeader();
        ClientLockService service = new ClientLockService(client(RaftLockClient.Options.DEFAULT), "failover-test");
        clients.add(service);
        try (LockSession a = service.openSession(Duration.ofSeconds(10));
                LockSession b = service.openSession(Duration.ofSeconds(10))) {
            LockHandle first = a.acquire("fo/1", LockMode.EXCLUSIVE, Duration.ofSeconds(10), Duration.ofSeconds(30));
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("fo/1", LockMode.EXCLUSIVE,
                    Duration.ofSeconds(20), Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(3)).until(() -> !service.status("fo/1").waiters().isEmpty());
            RaftLockServer leader = cluster.awaitLeader();
            long closing = System.nanoTime();
            cluster.close(leader);
            cluster.awaitLeader();
            System.out.println("failover took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing) + " ms");
            assertTrue(!waiter.isDone(), "the waiter waits through the leader change");
            assertEquals(0, a.release(first));
            LockHandle h = waiter.get(10, TimeUnit.SECONDS);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertEquals(0, b.release(h));
        }
    }

    // ---------------------------------------------------------------- helpers

    private RaftLockClient client(RaftLockClient.Options options) {
        RaftLockClient c = new RaftLockClient(cluster.group(), options);
        clients.add(c);
        return c;
    }

    /** The result of a transport future, which the transport bounds by its quorum timeout. */
    private static <T> T get(CompletableFuture<T> future) {
        return Outcomes.await(future, Duration.ofSeconds(15));
    }

    private static SessionId open(RaftLockClient client, String name) {
        SessionId id = new SessionId(name + "-" + System.nanoTime());
        Outcome o = get(client.submit(new LockCommand.OpenSession(id, "test-client", TTL)));
        assertInstanceOf(Outcome.SessionLive.class, o, o::toString);
        return id;
    }

    private static LockCommand.Acquire acquire(SessionId s, long callId, String name, LockMode mode) {
        return new LockCommand.Acquire(s, callId, name, mode, LEASE, WAIT, false);
    }

    private static Outcome.Granted granted(Outcome o) {
        return assertInstanceOf(Outcome.Granted.class, o, o::toString);
    }
}
