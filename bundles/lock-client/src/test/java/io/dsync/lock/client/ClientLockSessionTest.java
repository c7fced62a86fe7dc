package io.dsync.lock.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.dsync.lock.DeadlockException;
import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockNotHeldException;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.core.LockCommand;

/**
 * The session logic of the lock client (call ids, waits for queued calls, withdrawals, retries, expiry, the mapping of
 * outcomes to exceptions) against the lock table in memory: no Raft, no network, failures switched on by the test.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ClientLockSessionTest {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final InMemoryLockTransport table = new InMemoryLockTransport();
    private final ClientLockService service = new ClientLockService(table, "test-client");

    @AfterEach
    void tearDown() {
        service.close();
        table.close();
    }

    private LockRequest exclusive(String name) {
        return new LockRequest(name, LockMode.EXCLUSIVE, WAIT, LEASE);
    }

    private void awaitWaiter(String lock) {
        await("a waiter on " + lock).atMost(Duration.ofSeconds(5)).until(() -> !service.status(lock).waiters().isEmpty());
    }

    /** The calls of a kind that the table applied for a session. */
    private <T extends LockCommand> List<T> applied(Class<T> kind, LockSession session) {
        return table.record().stream().filter(kind::isInstance).map(kind::cast)
                .filter(c -> c.toString().contains(session.id().value())).toList();
    }

    @Test
    void aQueuedAcquireIsGrantedWhenTheHolderReleasesWithALargerToken() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle first = a.acquire(exclusive("q/1"));
            CompletableFuture<LockHandle> second = b.acquireAsync(exclusive("q/1"));
            awaitWaiter("q/1");
            assertFalse(second.isDone());
            assertEquals(0, a.release(first));
            LockHandle h = second.get(5, TimeUnit.SECONDS);
            assertTrue(h.fencingToken() > first.fencingToken());
            assertEquals(List.of(h), b.heldLocks());
            assertTrue(a.heldLocks().isEmpty());
        }
    }

    @Test
    void aGrantWhosePollWasLostIsFoundAfterMoreCallsThanTheTableOtherwiseRemembers() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle held = b.acquire(exclusive("r/1"));
            // The held poll that is dropped ends after the wait timeout and a margin (6.5 s): long after the calls below.
            CompletableFuture<LockHandle> waiting = a.acquireAsync(
                    new LockRequest("r/1", LockMode.EXCLUSIVE, Duration.ofSeconds(5), LEASE));
            awaitWaiter("r/1");
            table.dropHeldPolls(true); // the leader holding a's poll dies when the grant comes
            b.release(held);
            await("the grant").atMost(Duration.ofSeconds(5))
                    .until(() -> !service.status("r/1").holders().isEmpty());
            table.dropHeldPolls(false);
            // More calls of the session than the 256 outcomes a session without settle marks keeps.
            for (int i = 0; i < 150; i++) {
                a.release(a.tryAcquire(exclusive("r/other")).orElseThrow());
            }
            // Every mark sent meanwhile stays at the waiting acquire, the session's first call.
            List<LockCommand.Settle> marks = applied(LockCommand.Settle.class, a);
            assertFalse(marks.isEmpty(), "the session sent settle marks");
            assertTrue(marks.stream().allMatch(m -> m.belowCallId() == 1), marks::toString);
            assertFalse(waiting.isDone(), "answered by the poll that follows the dropped one");
            LockHandle granted = waiting.get(10, TimeUnit.SECONDS);
            // The poll that follows finds the grant; without it, the acquire is sent again and granted reentrantly.
            assertEquals(1, granted.holdCount());
            assertEquals(1, service.status("r/1").holders().get(0).holdCount());
            assertEquals(0, a.release(granted));
            assertTrue(service.status("r/1").isFree());
        }
    }

    @Test
    void aSessionHandedOverGoesOnInTheNextServiceWithItsLocksAndItsWaitWithdrawn() throws Exception {
        LockSession other = service.openSession(TTL);
        other.acquire(exclusive("h/2"));
        ClientLockSession a = (ClientLockSession) service.openSession(TTL);
        LockHandle held = a.acquire(exclusive("h/1"));
        CompletableFuture<LockHandle> waiting = a.acquireAsync(exclusive("h/2"));
        awaitWaiter("h/2");

        SessionHandover handover = a.handOver().get(5, TimeUnit.SECONDS);
        assertEquals(List.of(held), handover.held());
        assertThrows(CancellationException.class, () -> waiting.join());
        assertTrue(service.status("h/2").waiters().isEmpty(), "withdrawn before the handover returns");
        assertEquals(0, handover.lowestUnsettled(), "nothing of the old instance is left to answer");
        assertNull(a.handOver().join(), "handed over once");
        assertThrows(ClientLockService.ServiceClosedException.class, () -> a.acquire(exclusive("h/3")),
                "503 over HTTP: the session goes on in the next instance");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        SessionHandover.write(new java.io.DataOutputStream(bytes), List.of(handover));
        List<SessionHandover> readBack = SessionHandover.read(new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray())));
        SessionHandover read = readBack.get(0);
        LockHandle heldMillis = new LockHandle(held.name(), held.mode(), held.sessionId(), held.fencingToken(),
                held.holdCount(), held.lease(), held.leaseExpiresAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertEquals(new SessionHandover(a.id(), TTL, handover.lastCallId(), 0, List.of(heldMillis)), read);
        service.close(); // the old instance goes away: it closes its other sessions, not the one it handed over
        assertEquals(1, service.status("h/1").holders().size());

        try (ClientLockService next = new ClientLockService(table, "test-client-2")) {
            LockSession b = next.resume(read).get(5, TimeUnit.SECONDS);
            assertEquals(a.id(), b.id());
            assertEquals(List.of(heldMillis), b.heldLocks());
            assertEquals(0, b.release(held));
            assertTrue(next.status("h/1").isFree());
            LockHandle again = b.acquire(exclusive("h/1"));
            assertTrue(again.fencingToken() > held.fencingToken(), "a call of the resumed session is a new call");
            assertTrue(next.status("h/2").isFree(), "the other session's lock went with its service");
            b.close();
        }
    }

    @Test
    void theDefaultSessionHandedOverIsTheNextServicesDefaultSessionWithItsLocks() throws Exception {
        LockHandle held = service.acquire(exclusive("d/1"));
        SessionHandover handover = service.handOverDefaultSession().get(5, TimeUnit.SECONDS);
        assertEquals(held.sessionId(), handover.id());
        assertNull(service.handOverDefaultSession().join(), "handed over once");
        service.close(); // the old instance goes away: the lock stays held
        assertEquals(held.sessionId(), service.status("d/1").holders().get(0).sessionId());

        try (ClientLockService next = new ClientLockService(table, "test-client-2")) {
            CompletableFuture<ClientLockSession> resumed = new CompletableFuture<>();
            next.defaultSessionFrom(resumed);
            // A call on the default session before the resume ends waits for it: no second session is opened.
            CompletableFuture<LockHandle> again = next.acquireAsync(exclusive("d/1"));
            Thread.sleep(100);
            assertFalse(again.isDone());
            resumed.complete(next.resume(handover).get(5, TimeUnit.SECONDS));
            LockHandle reentered = again.get(5, TimeUnit.SECONDS);
            assertEquals(held.sessionId(), reentered.sessionId());
            assertEquals(2, reentered.holdCount(), "the same session, reentrant");
            assertEquals(1, next.release(reentered));
            assertEquals(0, next.release(held), "the handle taken through the old instance releases the lock");
            assertTrue(next.status("d/1").isFree());
        }
    }

    @Test
    void aDefaultSessionThatCouldNotBeResumedIsReplacedByANewOne() throws Exception {
        try (ClientLockService next = new ClientLockService(table, "test-client-2")) {
            next.defaultSessionFrom(CompletableFuture.failedFuture(new IllegalStateException("ended")));
            LockHandle h = next.acquire(exclusive("d/2"));
            assertEquals(0, next.release(h));
        }
    }

    @Test
    void aSessionThatEndedBeforeItWasResumedIsNotResumed() throws Exception {
        ClientLockSession a = (ClientLockSession) service.openSession(Duration.ofSeconds(2));
        SessionHandover handover = a.handOver().join();
        Thread.sleep(2_500); // nothing renews it meanwhile
        try (ClientLockService next = new ClientLockService(table, "test-client-2")) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> next.resume(handover).get(5, TimeUnit.SECONDS));
            assertInstanceOf(LeaseExpiredException.class, e.getCause());
        }
    }

    @Test
    void aWaitThatTimesOutFailsWithTheLockAndModeAndLeavesNoWaiter() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            a.acquire(exclusive("t/1"));
            LockTimeoutException e = assertThrows(LockTimeoutException.class,
                    () -> b.acquire(new LockRequest("t/1", LockMode.SHARED, Duration.ofMillis(300), LEASE)));
            assertEquals("t/1", e.lockName());
            assertEquals(LockMode.SHARED, e.mode());
            assertTrue(service.status("t/1").waiters().isEmpty());
            assertTrue(b.tryAcquire(new LockRequest("t/1", LockMode.SHARED, Duration.ZERO, LEASE)).isEmpty());
        }
    }

    @Test
    void theRequestThatClosesACycleFailsWithTheCycle() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            a.acquire(exclusive("d/a"));
            b.acquire(exclusive("d/b"));
            CompletableFuture<LockHandle> aWaits = a.acquireAsync(exclusive("d/b"));
            awaitWaiter("d/b");
            DeadlockException e = assertThrows(DeadlockException.class, () -> b.acquire(exclusive("d/a")));
            assertEquals(List.of(b.id(), a.id()), e.cycle().sessions());
            assertFalse(aWaits.isDone(), "only the request that closed the cycle fails");
        }
    }

    @Test
    void cancellingAWaitWithdrawsItSoTheLockIsNeverGrantedToIt() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("c/1"));
            CompletableFuture<LockHandle> waiter = b.acquireAsync(exclusive("c/1"));
            awaitWaiter("c/1");
            assertTrue(waiter.cancel(true));
            await("the withdrawal").atMost(Duration.ofSeconds(5)).until(() -> service.status("c/1").waiters().isEmpty());
            assertEquals(1, applied(LockCommand.CancelWait.class, b).size());
            a.release(h);
            assertTrue(service.status("c/1").isFree());
            assertTrue(b.heldLocks().isEmpty());
        }
    }

    @Test
    void anInterruptedAcquireThrowsInterruptedAndIsWithdrawn() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("i/1"));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    b.acquire(exclusive("i/1"));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            awaitWaiter("i/1");
            t.interrupt();
            t.join(5_000);
            assertInstanceOf(InterruptedException.class, thrown.get());
            assertTrue(service.status("i/1").waiters().isEmpty(), "withdrawn before acquire returned");
            a.release(h);
            assertTrue(service.status("i/1").isFree());
        }
    }

    @Test
    void aQueuedRequestWhoseAnswerWasLostIsWithdrawnOnceTheTableAnswersAgain() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("lost/1"));
            table.loseAnswers(true);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> b.acquireAsync(exclusive("lost/1")).get(5, TimeUnit.SECONDS));
            assertInstanceOf(NoQuorumException.class, e.getCause());
            // The request may be queued in the table although its caller was told it failed: the session withdraws it
            // as soon as an answer comes back, so it can never be granted to a caller that is not waiting.
            table.loseAnswers(false);
            await("the withdrawal").atMost(Duration.ofSeconds(5)).until(() -> service.status("lost/1").waiters().isEmpty());
            a.release(h);
            assertTrue(service.status("lost/1").isFree());
        }
    }

    @Test
    void anUpgradeWhoseAnswerWasLostIsUndoneAndTheCallersSharedHandleStillReleasesTheLock() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle shared = a.acquire(new LockRequest("up/lost", LockMode.SHARED, WAIT, LEASE));
            table.loseAnswers(true);
            assertThrows(NoQuorumException.class, () -> a.upgrade(shared, WAIT));
            table.loseAnswers(false);
            // The upgrade was granted; the session undoes it (a downgrade), which leaves the shared hold under the
            // upgrade's token. Before, the caller's handle, with the earlier token, could then neither renew nor
            // release it: the shared hold stayed until its lease ended.
            // The session records the undone upgrade's shared hold, under its new token, with the handle's mapping.
            await("the undone upgrade").atMost(Duration.ofSeconds(5)).until(() -> a.heldLocks().stream()
                    .anyMatch(h -> h.mode() == LockMode.SHARED && h.fencingToken() != shared.fencingToken()));
            assertEquals(LockMode.SHARED, a.renew(shared, LEASE).mode());
            assertEquals(0, a.release(shared));
            assertTrue(service.status("up/lost").isFree());
        }
    }

    @Test
    void theServicesAsynchronousCallsFailTheirFutureWithoutAMajorityInsteadOfBlockingAndThrowing() throws Exception {
        table.partition(true);
        long start = System.nanoTime();
        // Before, the default session was opened on the caller's thread: blocked for the quorum timeout, then threw.
        CompletableFuture<LockHandle> acquired = service.acquireAsync(exclusive("async/1"));
        CompletableFuture<Optional<LockHandle>> tried = service.tryAcquireAsync(exclusive("async/1"));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(InMemoryLockTransport.QUORUM_TIMEOUT.toMillis()),
                "returned at once");
        assertInstanceOf(NoQuorumException.class, assertThrows(ExecutionException.class,
                () -> acquired.get(5, TimeUnit.SECONDS)).getCause());
        assertInstanceOf(NoQuorumException.class, assertThrows(ExecutionException.class,
                () -> tried.get(5, TimeUnit.SECONDS)).getCause());
        table.partition(false);
        LockHandle h = service.acquireAsync(exclusive("async/1")).get(5, TimeUnit.SECONDS);
        assertEquals(0, service.release(h));
    }

    @Test
    void cancellingTheServicesAcquireWithdrawsItAsASessionsCancelDoes() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("svc/1"));
            CompletableFuture<LockHandle> first = service.acquireAsync(exclusive("svc/1")); // opens the default session
            awaitWaiter("svc/1");
            first.cancel(false);
            await("the withdrawal").atMost(Duration.ofSeconds(5)).until(() -> service.status("svc/1").waiters().isEmpty());
            CompletableFuture<LockHandle> second = service.acquireAsync(exclusive("svc/1")); // on the open one
            awaitWaiter("svc/1");
            second.cancel(false);
            await("the withdrawal").atMost(Duration.ofSeconds(5)).until(() -> service.status("svc/1").waiters().isEmpty());
            a.release(h);
            assertTrue(service.status("svc/1").isFree(), "granted to nobody");
        }
    }

    @Test
    void aTryAcquireWhoseAnswerWasLostIsReleasedOnceTheTableAnswersAgain() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            table.loseAnswers(true);
            assertThrows(NoQuorumException.class, () -> a.tryAcquire(exclusive("try/lost")));
            assertFalse(service.status("try/lost").isFree(), "granted, the answer lost");
            table.loseAnswers(false);
            // Before, nothing released it: the lock stayed held, by nobody who knew, until its lease ended.
            await("the lost grant released").atMost(Duration.ofSeconds(5))
                    .until(() -> service.status("try/lost").isFree());
            assertTrue(a.heldLocks().isEmpty());
        }
    }

    @Test
    void aReleaseThatFoundNoQuorumIsRetriedUntilItIsApplied() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("r/1"));
            table.partition(true);
            assertThrows(NoQuorumException.class, () -> a.release(h));
            table.partition(false);
            await("the retried release").atMost(Duration.ofSeconds(5)).until(() -> service.status("r/1").isFree());
            assertEquals(1, applied(LockCommand.Release.class, a).size(), "applied once");
        }
    }

    @Test
    void aSessionWhoseHeartbeatsStopExpiresAndEverythingItWaitsForFails() throws Exception {
        ClientLockSession a = (ClientLockSession) service.openSession(Duration.ofSeconds(2));
        try (LockSession b = service.openSession(TTL)) {
            LockHandle held = a.acquire(exclusive("e/1"));
            b.acquire(exclusive("e/2"));
            CompletableFuture<LockHandle> waiting = a.acquireAsync(exclusive("e/2"));
            awaitWaiter("e/2");
            a.stopHeartbeatsForTesting();
            ExecutionException ended = assertThrows(ExecutionException.class,
                    () -> waiting.get(10, TimeUnit.SECONDS));
            assertInstanceOf(LeaseExpiredException.class, ended.getCause());
            assertThrows(LeaseExpiredException.class, a::keepAlive);
            assertInstanceOf(LeaseExpiredException.class, assertThrows(ExecutionException.class,
                    () -> a.whenEnded().toCompletableFuture().get(1, TimeUnit.SECONDS)).getCause());
            assertFalse(a.isLive());
            assertTrue(a.heldLocks().isEmpty());
            assertTrue(service.status("e/1").isFree(), "the table took the lock back");
            assertThrows(LeaseExpiredException.class, () -> service.release(held));
        } finally {
            a.close();
        }
    }

    @Test
    void closingASessionCancelsItsWaitsAndFreesItsLocks() throws Exception {
        LockSession a = service.openSession(TTL);
        try (LockSession b = service.openSession(TTL)) {
            LockHandle bh = b.acquire(exclusive("x/1"));
            LockHandle ah = a.acquire(exclusive("x/2"));
            CompletableFuture<LockHandle> waiting = a.acquireAsync(exclusive("x/1"));
            awaitWaiter("x/1");
            a.close();
            assertThrows(CancellationException.class, () -> waiting.get(5, TimeUnit.SECONDS));
            assertTrue(service.status("x/2").isFree());
            assertTrue(service.status("x/1").waiters().isEmpty());
            assertThrows(IllegalStateException.class, () -> a.acquire(exclusive("x/3")));
            assertThrows(LockNotHeldException.class, () -> service.release(ah));
            assertEquals(0, b.release(bh));
        }
    }

    @Test
    void reentrantAcquisitionsUpgradesAndDowngradesKeepTheViewOfHeldLocks() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            LockHandle s1 = a.acquire(new LockRequest("u/1", LockMode.SHARED, WAIT, LEASE));
            LockHandle s2 = a.acquire(new LockRequest("u/1", LockMode.SHARED, WAIT, LEASE));
            assertEquals(s1.fencingToken(), s2.fencingToken());
            assertEquals(2, s2.holdCount());
            LockHandle up = a.upgrade(s2, WAIT);
            assertEquals(LockMode.EXCLUSIVE, up.mode());
            assertTrue(up.fencingToken() > s1.fencingToken());
            LockHandle down = a.downgrade(up);
            assertEquals(up.fencingToken(), down.fencingToken());
            assertEquals(List.of(down), a.heldLocks());
            assertEquals(1, a.release(down));
            assertEquals(0, a.release(down));
            assertTrue(a.heldLocks().isEmpty());
        }
    }

    @Test
    void theListenerSeesEveryAcquireStartAndEndOnce() throws Exception {
        AtomicInteger started = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        service.setListener(new ClientLockService.Listener() {
            @Override
            public void acquireStarted(LockMode mode) {
                started.incrementAndGet();
            }

            @Override
            public void acquired(LockMode mode, long nanos) {
                granted.incrementAndGet();
            }

            @Override
            public void acquireFailed(LockMode mode, Throwable cause) {
                failed.incrementAndGet();
            }
        });
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle h = a.acquire(exclusive("m/1"));
            Optional<LockHandle> none = b.tryAcquire(new LockRequest("m/1", LockMode.EXCLUSIVE, Duration.ZERO, LEASE));
            assertTrue(none.isEmpty());
            assertThrows(LockTimeoutException.class,
                    () -> b.acquire(new LockRequest("m/1", LockMode.EXCLUSIVE, Duration.ofMillis(100), LEASE)));
            a.release(h);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> granted.get() + failed.get() == 3);
        assertEquals(3, started.get());
        assertEquals(1, granted.get());
        assertEquals(2, failed.get());
    }
}
