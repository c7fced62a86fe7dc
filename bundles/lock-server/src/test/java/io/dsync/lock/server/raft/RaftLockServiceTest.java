package io.dsync.lock.server.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import io.dsync.lock.server.raft.RaftLockClient;
import io.dsync.lock.server.raft.RaftLockServer;

/**
 * {@link RaftLockService} against three real Ratis servers on loopback in one JVM, shared by all tests
 * of the class; the test that closes the leader runs last.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RaftLockServiceTest {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;

    private static final Map<String, InetSocketAddress> PEERS = new LinkedHashMap<>();
    private static final List<RaftLockServer> SERVERS = new ArrayList<>();
    private static RaftLockClient client;
    private static RaftLockService service;

    @BeforeAll
    static void startCluster() throws Exception {
        for (int i = 1; i <= 3; i++) {
            PEERS.put("n" + i, new InetSocketAddress("127.0.0.1", freePort()));
        }
        List<CompletableFuture<RaftLockServer>> started = new ArrayList<>();
        for (String id : PEERS.keySet()) {
            started.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return RaftLockServer.start(RaftLockServer.Options.of("test", id, PEERS, dir.resolve(id)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        started.forEach(f -> SERVERS.add(f.join()));
        awaitLeader();
        client = new RaftLockClient(RaftLockServer.group("test", PEERS), RaftLockClient.Options.DEFAULT);
        service = new RaftLockService(client, "test-client");
    }

    @AfterAll
    static void stopCluster() {
        if (service != null) {
            service.close();
        }
        if (client != null) {
            client.close();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (RaftLockServer s : SERVERS) {
            closing.add(CompletableFuture.runAsync(() -> {
                try {
                    s.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        closing.forEach(CompletableFuture::join);
    }

    @Test
    @Order(1)
    void exclusiveLockIsMutuallyExclusiveAndTheWaiterGetsALargerToken() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle first = a.acquire("ex/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            assertEquals(a.id(), first.sessionId());
            assertEquals(List.of(first), a.heldLocks());
            CompletableFuture<LockHandle> second = b.acquireAsync(new LockRequest("ex/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            Thread.sleep(300);
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
    @Order(2)
    void sharedHoldersAreCompatibleAndAnExclusiveRequestWaitsForThem() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL);
                LockSession c = service.openSession(TTL)) {
            LockHandle sa = a.acquire("sh/1", LockMode.SHARED, WAIT, LEASE);
            LockHandle sb = b.acquire("sh/1", LockMode.SHARED, Duration.ZERO, LEASE);
            assertEquals(2, service.status("sh/1").holders().size());
            CompletableFuture<LockHandle> ex = c.acquireAsync(new LockRequest("sh/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            Thread.sleep(300);
            assertFalse(ex.isDone());
            a.release(sa);
            Thread.sleep(200);
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
    @Order(3)
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
    @Order(4)
    void aTwoSessionDeadlockFailsOneRequestWithTheCycle() throws Exception {
        java.util.concurrent.atomic.AtomicInteger deadlocks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger grants = new java.util.concurrent.atomic.AtomicInteger();
        for (RaftLockServer s : SERVERS) {
            s.stateMachine().setEvents(new io.dsync.lock.server.raft.LockRaftStateMachine.Events() {
                @Override
                public void granted(LockMode mode) {
                    grants.incrementAndGet();
                }

                @Override
                public void deadlock(io.dsync.lock.server.raft.LockTableView.Deadlock d) {
                    deadlocks.incrementAndGet();
                }
            });
        }
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle ha = a.acquire("dl/a", LockMode.EXCLUSIVE, WAIT, LEASE);
            LockHandle hb = b.acquire("dl/b", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> aWaits = a.acquireAsync(new LockRequest("dl/b", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            waitUntil(() -> !service.status("dl/b").waiters().isEmpty(), Duration.ofSeconds(3));
            DeadlockException e = assertThrows(DeadlockException.class,
                    () -> b.acquire("dl/a", LockMode.EXCLUSIVE, WAIT, LEASE));
            assertNotNull(e.cycle());
            assertTrue(e.cycle().toString().contains(b.id().value()), e.cycle().toString());
            assertFalse(aWaits.isDone());
            // The operator's view, read through the leader: both locks, the edge a -> b, the deadlock with b as victim.
            io.dsync.lock.server.raft.LockTableView table = client.table(100);
            assertTrue(table.locks().stream().anyMatch(l -> l.name().equals("dl/a")), table.toString());
            assertTrue(table.waitFor().contains(new io.dsync.lock.WaitEdge(a.id(), "dl/b", LockMode.EXCLUSIVE, b.id())),
                    table.toString());
            io.dsync.lock.server.raft.LockTableView.Deadlock last = table.deadlocks().get(table.deadlocks().size() - 1);
            assertEquals(b.id(), last.victim());
            assertEquals("dl/a", last.lockName());
            assertEquals(e.cycle(), last.cycle());
            // Every replica applied the same deadlock and reported it once.
            waitUntil(() -> deadlocks.get() == 3, Duration.ofSeconds(3));
            assertTrue(grants.get() >= 6, "grants seen by the replicas: " + grants.get());
            b.release(hb);
            assertEquals(a.id(), aWaits.get(5, TimeUnit.SECONDS).sessionId());
            a.release(ha);
        }
    }

    @Test
    @Order(5)
    void releasingALockNotHeldFails() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle h = a.acquire("nh/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            assertEquals(0, a.release(h));
            LockNotHeldException e = assertThrows(LockNotHeldException.class, () -> a.release(h));
            assertEquals("nh/1", e.lockName());
        }
    }

    @Test
    @Order(6)
    void closingASessionReleasesItsLocksToAWaiter() throws Exception {
        LockSession b = service.openSession(TTL);
        try {
            LockSession a = service.openSession(TTL);
            LockHandle first = a.acquire("cl/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("cl/1", LockMode.EXCLUSIVE, WAIT,
                    LEASE));
            Thread.sleep(200);
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
    @Order(7)
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
            waitUntil(() -> !service.status("int/1").waiters().isEmpty(), Duration.ofSeconds(3));
            t.interrupt();
            t.join(5_000);
            assertInstanceOf(InterruptedException.class, thrown.get());
            assertTrue(service.status("int/1").waiters().isEmpty(), "the wait must be withdrawn");
            a.release(h);
            assertTrue(b.heldLocks().isEmpty());
        }
    }

    @Test
    @Order(7)
    void cancellingAnAsyncAcquireWithdrawsIt() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire("cancel/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("cancel/1", LockMode.EXCLUSIVE,
                    WAIT, LEASE));
            waitUntil(() -> !service.status("cancel/1").waiters().isEmpty(), Duration.ofSeconds(3));
            assertTrue(waiter.cancel(true));
            waitUntil(() -> service.status("cancel/1").waiters().isEmpty(), Duration.ofSeconds(3));
            assertEquals(0, a.release(h));
            assertTrue(service.status("cancel/1").isFree(), "the withdrawn request must not be granted");
        }
    }

    @Test
    @Order(8)
    void heartbeatsKeepAShortTtlSessionAlive() throws Exception {
        try (LockSession a = service.openSession(Duration.ofSeconds(2))) {
            LockHandle h = a.acquire("ka/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            Thread.sleep(5_000);
            assertTrue(a.isLive());
            assertFalse(a.whenEnded().toCompletableFuture().isDone());
            LockStatus st = service.status("ka/1");
            assertEquals(h.fencingToken(), st.holders().get(0).fencingToken());
            assertEquals(0, a.release(h));
        }
    }

    @Test
    @Order(9)
    void aSessionWithoutHeartbeatsExpiresAndItsLockGoesToAWaiter() throws Exception {
        try (LockSession b = service.openSession(TTL)) {
            RaftLockSession a = (RaftLockSession) service.openSession(Duration.ofSeconds(2));
            LockHandle first = a.acquire("exp/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            a.stopHeartbeatsForTesting();
            long start = System.nanoTime();
            LockHandle h = b.acquire("exp/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertTrue(ms < 5_000, "granted after " + ms + " ms");
            assertThrows(LeaseExpiredException.class, a::keepAlive);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> a.whenEnded().toCompletableFuture().get(1, TimeUnit.SECONDS));
            assertInstanceOf(LeaseExpiredException.class, e.getCause());
            assertFalse(a.isLive());
            assertTrue(a.heldLocks().isEmpty());
            assertThrows(LeaseExpiredException.class, () -> service.release(first));
            a.close();
        }
    }

    @Test
    @Order(10)
    void theDefaultSessionServesTheConvenienceMethods() throws Exception {
        LockHandle h = service.acquire("def/1", LockMode.EXCLUSIVE, WAIT, LEASE);
        assertEquals(service.defaultSession().id(), h.sessionId());
        assertTrue(service.tryAcquire(new LockRequest("def/2", LockMode.SHARED, Duration.ZERO, LEASE)).isPresent());
        assertEquals(0, service.release(h));
        assertTrue(service.status("def/1").isFree());
    }

    @Test
    @Order(11)
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

    @Test
    @Order(100)
    void aWaiterGetsTheLockAfterTheLeaderWasClosed() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle first = a.acquire("fo/1", LockMode.EXCLUSIVE, WAIT, LEASE);
            CompletableFuture<LockHandle> waiter = b.acquireAsync(new LockRequest("fo/1", LockMode.EXCLUSIVE,
                    Duration.ofSeconds(20), LEASE));
            waitUntil(() -> !service.status("fo/1").waiters().isEmpty(), Duration.ofSeconds(3));
            RaftLockServer leader = awaitLeader();
            SERVERS.remove(leader);
            long closing = System.nanoTime();
            leader.close();
            awaitLeader();
            System.out.println("failover took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing) + " ms");
            assertFalse(waiter.isDone());
            assertEquals(0, a.release(first));
            LockHandle h = waiter.get(10, TimeUnit.SECONDS);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertEquals(0, b.release(h));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static RaftLockServer awaitLeader() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < end) {
            for (RaftLockServer s : SERVERS) {
                if (s.isLeaderReady()) {
                    return s;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leader within 15 s");
    }

    private static void waitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
