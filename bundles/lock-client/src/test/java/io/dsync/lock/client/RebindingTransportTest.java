package io.dsync.lock.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.dsync.lock.LockException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;

/**
 * A node's lock client replaced under its sessions (the set of lock nodes changed): sessions, their locks and their
 * waiting calls live on over the new client, and what the old one fails once closed goes through the new one.
 */
@Timeout(30)
class RebindingTransportTest {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration LEASE = Duration.ofSeconds(30);

    /** One Raft client's view of the table: closing it fails what it still carries and everything later. */
    private static final class Client implements LockTransport, AutoCloseable {
        final InMemoryLockTransport table;
        final AtomicBoolean closed = new AtomicBoolean();
        /** Requests sent while set reach nothing and are answered only by the close. */
        final AtomicBoolean unanswered = new AtomicBoolean();
        final CompletableFuture<Void> closing = new CompletableFuture<>();

        Client(InMemoryLockTransport table) {
            this.table = table;
        }

        private <T> CompletableFuture<T> guarded(CompletableFuture<T> call) {
            if (closed.get()) {
                return CompletableFuture.failedFuture(new LockException("the lock client is closed"));
            }
            if (unanswered.get()) {
                call = new CompletableFuture<>();
            }
            return call.applyToEither(closing.thenApply(v -> {
                throw new LockException("the lock client is closed");
            }), t -> t);
        }

        @Override
        public CompletableFuture<Outcome> submit(LockCommand command) {
            return guarded(table.submit(command));
        }

        @Override
        public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
            return guarded(table.awaitOutcome(sessionId, callId, timeout));
        }

        @Override
        public CompletableFuture<LockStatus> status(String lockName) {
            return guarded(table.status(lockName));
        }

        @Override
        public CompletableFuture<LockTableView> table(int maxLocks) {
            return guarded(table.table(maxLocks));
        }

        @Override
        public Duration quorumTimeout() {
            return table.quorumTimeout();
        }

        @Override
        public void close() {
            closed.set(true);
            closing.complete(null);
        }
    }

    private final InMemoryLockTransport table = new InMemoryLockTransport();
    private final Client first = new Client(table);
    private final RebindingTransport transport = new RebindingTransport(first, first, Duration.ZERO);
    private final ClientLockService service = new ClientLockService(transport, "rebinding-test");

    @AfterEach
    void tearDown() {
        service.close();
        transport.close();
        table.close();
    }

    private static LockRequest exclusive(String name) {
        return new LockRequest(name, LockMode.EXCLUSIVE, WAIT, LEASE);
    }

    @Test
    void sessionsTheirLocksAndTheirWaitingCallsLiveOnOverTheNewClient() throws Exception {
        try (LockSession a = service.openSession(TTL); LockSession b = service.openSession(TTL)) {
            LockHandle held = a.acquire(exclusive("r/1"));
            CompletableFuture<LockHandle> waiting = b.acquireAsync(exclusive("r/1"));
            Thread.sleep(200); // b's acquire is queued and its long-poll waits on the first client

            Client second = new Client(table);
            transport.rebind(second, second);
            // The first client closes after its quorum timeout: b's poll on it fails, and b asks the second one.
            assertTrue(awaitClosed(first), "the replaced client is closed");

            assertFalse(a.whenEnded().toCompletableFuture().isDone(), "the session lives on");
            assertFalse(b.whenEnded().toCompletableFuture().isDone(), "the session lives on");
            assertEquals(held.fencingToken(), service.status("r/1").holders().get(0).fencingToken(),
                    "the lock is still held under the same token");
            assertFalse(waiting.isDone(), "the waiting acquire still waits");

            assertEquals(0, a.release(held));
            LockHandle granted = waiting.get(5, TimeUnit.SECONDS);
            assertTrue(granted.fencingToken() > held.fencingToken());
            assertEquals(0, b.release(granted));
            assertTrue(service.status("r/1").isFree());
        }
    }

    @Test
    void aCallThatFailsOnTheReplacedClientIsSentThroughTheCurrentOne() throws Exception {
        try (LockSession a = service.openSession(TTL)) {
            first.unanswered.set(true); // the old client's requests get no answer (its nodes are gone)
            CompletableFuture<LockHandle> acquired = a.acquireAsync(exclusive("r/2"));
            Client second = new Client(table);
            transport.rebind(second, second);
            first.close(); // the old client fails the acquire within its bound: it goes through the new one
            LockHandle h = acquired.get(5, TimeUnit.SECONDS);
            assertEquals(0, a.release(h));
        }
    }

    @Test
    void closingClosesTheReplacedClientsNotClosedYet() {
        RebindingTransport slow = new RebindingTransport(first, first, Duration.ofMinutes(10));
        Client second = new Client(table);
        slow.rebind(second, second);
        assertFalse(first.closed.get(), "kept open for what is in flight");
        slow.close();
        assertTrue(first.closed.get(), "closed with the transport (a stopped bundle leaves no client running)");
        assertTrue(second.closed.get());
    }

    @Test
    void withoutAReplacementAFailureReachesTheCaller() {
        first.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> transport.status("r/3").get());
        assertInstanceOf(LockException.class, e.getCause());
    }

    private static boolean awaitClosed(Client c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.closed.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return c.closed.get();
    }
}
