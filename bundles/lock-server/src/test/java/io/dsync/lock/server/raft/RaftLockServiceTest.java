package io.dsync.lock.server.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.lock.DeadlockException;
import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockNotHeldException;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.LockTransport;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;

/**
 * The lock client's {@link ClientLockService} against three real Ratis servers on loopback in one JVM, shared by all
 * tests of the class. The tests use lock names of their own and leave the group as they found it, so they run in any
 * order; failover, which changes the group, is tested in {@link RaftLockClusterTest}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RaftLockServiceTest {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    private static TestGroup group;
    private static RaftLockClient client;
    private static ClientLockService service;

    @BeforeAll
    static void startCluster() throws Exception {
        group = new TestGroup(dir).start(3);
        group.awaitLeader();
        client = new RaftLockClient(group.group(), RaftLockClient.Options.DEFAULT);
        service = new ClientLockService(client, "test-client");
    }

    @AfterAll
    static void stopCluster() {
        if (service != null) {
            service.close();
        }
        if (client != null) {
            client.close();
        }
        if (group != null) {
            group.close();
        }
    }

    /** Waits until a lock has a waiter: the request went out and the leader queued it. */
    private static void awaitWaiter(String lock) {
        await("a waiter on " + lock).atMost(Duration.ofSeconds(3)).until(() -> !service.status(lock).waiters().isEmpty());
    }

    @Test
    void exclusiveLockIsMutuallyExclusiveAndTheWaiterGetsALargerToken() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle first = a.acquire("ex/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            assertEquals(a.id(), first.sessionId());
            assertEquals(List.of(first), a.heldLocks());
            CompletableFuture<LockHandle> second = b.acquireAsync(new LockRequest("ex/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            awaitWaiter("ex/1");
            assertFalse(second.isDone(), "the second session must wait");
            assertEquals(b.id(), service.status("ex/1").waiters().get(0).sessionId());
            assertEquals(0, a.release(first));
            assertTrue(a.heldLocks().isEmpty());
            LockHandle h = second.get(5, TimeUnit.SECONDS);
            assertEquals(b.id(), h.sessionId());
            assertTrue(h.fencingToken() > first.fencingToken());
            // Reentrant acquisition keeps the token and counts holds.
            LockHandle again = b.acquire("ex/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            assertEquals(h.fencingToken(), again.fencingToken());
            assertEquals(2, again.holdCount());
            assertEquals(1, b.release(again));
            assertEquals(0, b.release(again));
        }
    }

    @Test
    void sharedHoldersAreCompatibleAndAnExclusiveRequestWaitsForThem() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL);
                LockSession c = service.openSession(TTL)) {
            LockHandle sa = a.acquire("sh/1", LockMode.SHARED, WAIT, LEASE);
            LockHandle sb = b.acquire("sh/1", LockMode.SHARED, Duration.ZERO, LEASE);
            assertEquals(2, service.status("sh/1").holders().size());
            CompletableFuture<LockHandle> ex = c.acquireAsync(new LockRequest("sh/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            awaitWaiter("sh/1");
            assertFalse(ex.isDone());
            a.release(sa);
            LockStatus oneLeft = service.status("sh/1");
            assertEquals(List.of(b.id()), oneLeft.holders().stream().map(h -> h.sessionId()).toList());
            assertEquals(List.of(c.id()), oneLeft.waiters().stream().map(w -> w.sessionId()).toList());
            assertFalse(ex.isDone(), "one shared holder remains");
            b.release(sb);
            LockHandle h = ex.get(5, TimeUnit.SECONDS);
            assertEquals(LockMode.EXCLUSIVE, h.mode());
            // Downgrade keeps the token; upgrade back gets a new one.
            LockHandle down = c.downgrade(h);
            assertEquals(LockMode.SHARED, down.mode());
            assertEquals(h.fencingToken(), down.fencingToken());
            LockHandle up = c.upgrade(down, WAIT);
            assertEquals(LockMode.EXCLUSIVE, up.mode());
            assertTrue(up.fencingToken() > down.fencingToken());
            LockHandle renewed = c.renew(up, Duration.ofSeconds(20));
            assertEquals(up.fencingToken(), renewed.fencingToken());
        }
    }

    @Test
    void tryAcquireIsEmptyWhenHeldAndAWaitTimesOut() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.tryAcquire(new LockRequest("try/1", LockMode.EXCLUSIVE, Duration.ZERO, LEASE))
                    .orElseThrow();
            Optional<LockHandle> none = b.tryAcquire(new LockRequest("try/1", LockMode.SHARED, Duration.ZERO, LEASE));
            assertTrue(none.isEmpty());
            long start = System.nanoTime();
            LockTimeoutException e = assertThrows(LockTimeoutException.class,
                    () -> b.acquire("try/1", LockMode.EXCLUSIVE, Duration.ofMillis(500), LEASE));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("try/1", e.lockName());
            assertTrue(ms >= 450 && ms < 3_000, "timed out after " + ms + " ms");
            assertTrue(service.status("try/1").waiters().isEmpty());
            assertEquals(0, a.release(h));
        }
    }

    @Test
    void aTwoSessionDeadlockFailsOneRequestWithTheCycle() throws Exception {
        java.util.concurrent.atomic.AtomicInteger deadlocks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger grants = new java.util.concurrent.atomic.AtomicInteger();
        for (RaftLockServer s : group.servers) {
            s.stateMachine().setEvents(new LockRaftStateMachine.Events() {
                @Override
                public void granted(LockMode mode) {
                    grants.incrementAndGet();
                }

                @Override
                public void deadlock(LockTableView.Deadlock d) {
                    deadlocks.incrementAndGet();
                }
            });
        }
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle ha = a.acquire("dl/a", LockMode.EXCLUSIVE, WAIT, LEASE);
            LockHandle hb = b.acquire("dl/b", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> aWaits = a.acquireAsync(new LockRequest("dl/b", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            awaitWaiter("dl/b");
            DeadlockException e = assertThrows(DeadlockException.class,
                    () -> b.acquire("dl/a", LockMode.EXCLUSIVE, WAIT, LEASE));
            assertNotNull(e.cycle());
            assertTrue(e.cycle().toString().contains(b.id().value()), e.cycle().toString());
            assertFalse(aWaits.isDone());
            // The operator's view, read through the leader: both locks, the edge a -> b, the deadlock with b as victim.
            LockTableView table = Outcomes.await(client.table(100), Duration.ofSeconds(10));
            assertTrue(table.locks().stream().anyMatch(l -> l.name().equals("dl/a")), table.toString());
            assertTrue(table.waitFor().contains(new WaitEdge(a.id(), "dl/b", LockMode.EXCLUSIVE, b.id())),
                    table.toString());
            LockTableView.Deadlock last = table.deadlocks().get(table.deadlocks().size() - 1);
            assertEquals(b.id(), last.victim());
            assertEquals("dl/a", last.lockName());
            assertEquals(e.cycle(), last.cycle());
            // Every replica applied the same deadlock and reported it once.
            await().atMost(Duration.ofSeconds(3)).until(() -> deadlocks.get() == 3);
            assertTrue(grants.get() >= 6, "grants seen by the replicas: " + grants.get());
            b.release(hb);
            assertEquals(a.id(), aWaits.get(5, TimeUnit.SECONDS).sessionId());
            a.release(ha);
        }
    }

    @Test
    void releasingALockNotHeldFails() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle h = a.acquire("nh/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            assertEquals(0, a.release(h));
            LockNotHeldException e = assertThrows(LockNotHeldException.class, () -> a.release(h));
            assertEquals("nh/1", e.lockName());
        }
    }

    @Test
    void closingASessionReleasesItsLocksToAWaiter() throws Exception {
        LockSession b = service.openSession(TTL);
        try {
            LockSession a = service.openSession(TTL);
            LockHandle first = a.acquire("cl/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("cl/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            awaitWaiter("cl/1");
            assertFalse(waiter.isDone());
            a.close();
            assertTrue(a.whenEnded().toCompletableFuture().isDone());
            assertThrows(IllegalStateException.class, () -> a.acquire("cl/2", LockMode.SHARED, WAIT, LEASE));
            a.close(); // idempotent
            LockHandle h = waiter.get(5, TimeUnit.SECONDS);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertThrows(LockNotHeldException.class, () -> service.release(first));
            assertEquals(0, service.release(h));
        } finally {
            b.close();
        }
    }

    @Test
    void anInterruptedAcquireIsWithdrawn() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire("int/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    b.acquire("int/1", LockMode.EXCLUSIVE, WAIT, LEASE);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            awaitWaiter("int/1");
            t.interrupt();
            t.join(5_000);
            assertInstanceOf(InterruptedException.class, thrown.get());
            assertTrue(service.status("int/1").waiters().isEmpty(), "the wait must be withdrawn");
            a.release(h);
            assertTrue(b.heldLocks().isEmpty());
        }
    }

    @Test
    void cancellingAnAsyncAcquireWithdrawsIt() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire("cancel/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("cancel/1", LockMode.EXCLUSIVE,
                    WAIT, LEASE));
            awaitWaiter("cancel/1");
            assertTrue(waiter.cancel(true));
            await("the withdrawal").atMost(Duration.ofSeconds(3)).until(() -> service.status("cancel/1").waiters().isEmpty());
            assertEquals(0, a.release(h));
            assertTrue(service.status("cancel/1").isFree(), "the withdrawn request must not be granted");
        }
    }

    @Test
    void heartbeatsKeepAShortTtlSessionAlive() throws Exception {
        try (LockSession a = service.openSession(Duration.ofSeconds(2))) {
            Instant firstExpiry = a.expiresAt();
            LockHandle h = a.acquire("ka/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            // Renewed by heartbeats beyond twice its TTL: without them it would have expired twice over.
            await("heartbeats").atMost(Duration.ofSeconds(10))
                    .until(() -> a.expiresAt().isAfter(firstExpiry.plus(a.ttl().multipliedBy(2))));
            assertTrue(a.isLive());
            assertFalse(a.whenEnded().toCompletableFuture().isDone());
            LockStatus st = service.status("ka/1");
            assertEquals(h.fencingToken(), st.holders().get(0).fencingToken());
            assertEquals(0, a.release(h));
        }
    }

    @Test
    void aSessionWithoutHeartbeatsExpiresAndItsLockGoesToAWaiter() throws Exception {
        // The heartbeats of session a are lost on the way, as when its process stops running.
        Set<SessionId> cutOff = ConcurrentHashMap.newKeySet();
        LockTransport lossy = new LockTransport() {
            @Override
            public CompletableFuture<Outcome> submit(LockCommand command) {
                if (command instanceof LockCommand.KeepAlive k && cutOff.contains(k.sessionId())) {
                    return CompletableFuture.failedFuture(new NoQuorumException(quorumTimeout(), "heartbeat lost"));
                }
                return client.submit(command);
            }

            @Override
            public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
                return client.awaitOutcome(sessionId, callId, timeout);
            }

            @Override
            public CompletableFuture<LockStatus> status(String lockName) {
                return client.status(lockName);
            }

            @Override
            public CompletableFuture<LockTableView> table(int maxLocks) {
                return client.table(maxLocks);
            }

            @Override
            public Duration quorumTimeout() {
                return client.quorumTimeout();
            }
        };
        try (ClientLockService lossyService = new ClientLockService(lossy, "lossy-client");
                LockSession b = service.openSession(TTL)) {
            LockSession a = lossyService.openSession(Duration.ofSeconds(2));
            LockHandle first = a.acquire("exp/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            cutOff.add(a.id());
            long start = System.nanoTime();
            LockHandle h = b.acquire("exp/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertTrue(ms < 5_000, "granted after " + ms + " ms");
            cutOff.clear();
            assertThrows(LeaseExpiredException.class, a::keepAlive, "the cluster expired the session");
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> a.whenEnded().toCompletableFuture().get(1, TimeUnit.SECONDS));
            assertInstanceOf(LeaseExpiredException.class, e.getCause());
            assertFalse(a.isLive());
            assertTrue(a.heldLocks().isEmpty());
            assertThrows(LeaseExpiredException.class, () -> lossyService.release(first));
            a.close();
        }
    }

    @Test
    void theDefaultSessionServesTheConvenienceMethods() throws Exception {
        LockHandle h = service.acquire("def/1", LockMode.EXCLUSIVE, WAIT, LEASE);
        assertEquals(service.defaultSession().id(), h.sessionId());
        assertTrue(service.tryAcquire(new LockRequest("def/2", LockMode.SHARED, Duration.ZERO, LEASE)).isPresent());
        assertEquals(0, service.release(h));
        assertTrue(service.status("def/1").isFree());
    }

    @Test
    void sixtyFourSessionsQueuedOnOneLockAllGetItInTurn() throws Exception {
        // The client long-polls for all its waiting calls at once, so the leader holds one poll (one Netty event
        // loop thread) however many sessions wait. With a poll per waiting call, 16 waiters already timed out here.
        final int waiters = 64;
        List<LockSession> sessions = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            sessions.add(service.openSession(TTL));
        }
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(waiters);
        try {
            List<CompletableFuture<Long>> turns = new ArrayList<>();
            for (LockSession s : sessions) {
                turns.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        LockHandle h = s.acquire("queue/one", LockMode.EXCLUSIVE, Duration.ofSeconds(25), LEASE);
                        Thread.sleep(5);
                        s.release(h);
                        return h.fencingToken();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, threads));
            }
            List<Long> tokens = new ArrayList<>();
            for (CompletableFuture<Long> t : turns) {
                tokens.add(t.get(28, TimeUnit.SECONDS));
            }
            assertEquals(waiters, tokens.stream().distinct().count(), tokens.toString());
        } finally {
            threads.shutdownNow();
            sessions.forEach(LockSession::close);
        }
    }
}
