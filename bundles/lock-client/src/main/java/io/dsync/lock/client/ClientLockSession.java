package io.dsync.lock.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.Grant;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;
import io.dsync.lock.protocol.PollReply;

/**
 * A {@link LockSession} of a {@link ClientLockService}: owns the session id chosen by the client, a
 * monotonically increasing call id counter (every command that acts on locks gets a fresh call id, and
 * retries of the same command reuse it, so that the state machine deduplicates them), the automatic
 * heartbeats (every third of the TTL) and the local view of held locks.
 * <p>
 * The session knows which of its calls it may still send again, ask about or withdraw, and tells the cluster the
 * lowest of them with {@link LockCommand.Settle} ({@link CallIds}); the lock table keeps the outcome of every call
 * from the mark on, so a retry after however many other calls is still answered from memory.
 * <p>
 * Waiting requests (acquire, upgrade) are submitted once; when the leader answers
 * {@link Outcome.Queued}, their final outcome is awaited through
 * {@link LockTransport#awaitOutcome}, re-submitting the original command (same call id) when the
 * leader no longer knows the call. Withdrawing a waiting request (cancelled future, interrupted
 * thread) sends {@link LockCommand.CancelWait}; a grant that raced with the withdrawal is undone (a
 * release for an acquire, a downgrade for an upgrade).
 * <p>
 * Asynchronous methods complete on the transport's threads; blocking methods wait for them and throw
 * the unwrapped API exceptions. When a heartbeat or any command learns that the session expired (or is
 * unknown to the cluster), the session ends: {@link #whenEnded()} completes with a
 * {@link LeaseExpiredException} and pending requests fail with it.
 * <p>
 * Thread-safe.
 */
public final class ClientLockSession implements LockSession {

    private static final Logger LOG = LoggerFactory.getLogger(ClientLockSession.class);

    /** How much longer than the remaining wait timeout one await of a waiting call lasts. */
    private static final long POLL_MARGIN_MILLIS = 1_500;

    /** Pause between background retries of a release that failed for lack of quorum. */
    private static final long RELEASE_RETRY_MILLIS = 500;

    /**
     * How far above a handed-over session's last call id its next instance starts: the instance that handed it over
     * may still send a few calls (the undo of a grant that raced a withdrawal), whose ids must stay its own.
     */
    static final long HANDOVER_CALL_ID_GAP = 1_000_000;

    /** How long a resumed session keeps its marks below the calls its previous instance left unsettled. */
    static final long HANDOVER_FLOOR_MILLIS = 60_000;

    private final ClientLockService service;
    private final LockTransport transport;
    private final SessionId id;
    private final Duration ttl;
    private final CallIds callIds;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Whether {@link #closed} was set by {@link #handOver()}. */
    private volatile boolean handedOver;
    private final Set<Waiting> pending = ConcurrentHashMap.newKeySet();
    /** Latest handle per lock name, in grant order; guarded by itself. */
    private final Map<String, LockHandle> held = new LinkedHashMap<>();
    /**
     * The token a hold has now for each token a caller's handle may still carry: an upgrade that was undone leaves
     * the shared hold under the upgrade's token. Guarded by {@link #held}.
     */
    private final Map<TokenOf, Long> movedTokens = new HashMap<>();

    /** A lock's fencing token, as a caller's handle carries it. */
    private record TokenOf(String lockName, long token) {
    }
    private volatile Instant expiresAt;
    private volatile ScheduledFuture<?> heartbeats;
    private volatile CompletableFuture<Void> closing;

    ClientLockSession(ClientLockService service, SessionId id, Duration ttl, Instant expiresAt) {
        this(service, id, ttl, expiresAt, 0);
    }

    private ClientLockSession(ClientLockService service, SessionId id, Duration ttl, Instant expiresAt,
            long lastCallId) {
        this.service = service;
        this.transport = service.transport();
        this.id = id;
        this.ttl = ttl;
        this.expiresAt = expiresAt;
        this.callIds = new CallIds(lastCallId);
    }

    /**
     * A session taken over from another instance of the lock client ({@link SessionHandover}). When that instance
     * still had calls unsettled (a release retried while no majority answered), the settle marks stay at or below
     * the lowest of them for {@link #HANDOVER_FLOOR_MILLIS}, so that the lock table still answers them.
     */
    ClientLockSession(ClientLockService service, SessionHandover handover, Instant expiresAt) {
        this(service, handover.id(), handover.ttl(), expiresAt, handover.lastCallId() + HANDOVER_CALL_ID_GAP);
        synchronized (held) {
            for (LockHandle h : handover.held()) {
                held.put(h.name(), h);
            }
        }
        long floor = handover.lowestUnsettled();
        if (floor > 0) {
            callIds.hold(floor);
            service.scheduler().schedule(() -> settled(floor), HANDOVER_FLOOR_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Hands the session over instead of closing it, for another instance of the lock client to {@link
     * ClientLockService#resume resume}: stops its heartbeats, withdraws its waiting requests (their callers get a
     * {@link CancellationException}; a grant that raced the withdrawal is released), and leaves this instance without
     * ending the session in the lock table. Calls on this object fail from then on as calls on a closed service do.
     * The withdrawals go out on this instance's transport, which closes after the handover, so the handover completes
     * once they are answered (or after twice the blocking bound), and the next instance finds the locks as they end.
     *
     * @return what the next instance needs, once the withdrawals are answered; {@code null} if the session was closed,
     *     ended or handed over already
     */
    public CompletableFuture<SessionHandover> handOver() {
        if (ended.isDone() || !closed.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        handedOver = true;
        stopHeartbeatsForTesting();
        List<CompletableFuture<Void>> withdrawals = new ArrayList<>();
        for (Waiting w : new ArrayList<>(pending)) {
            w.result.completeExceptionally(new CancellationException("session " + id
                    + " is handed over to the lock client's next instance (its bundle is being updated or restarted)"));
            withdrawals.add(w.finished);
        }
        return CompletableFuture.allOf(withdrawals.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, blockingBound().multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                .handle((x, e) -> {
                    service.forget(this);
                    return new SessionHandover(id, ttl, callIds.last(), callIds.lowestUnsettled(), heldLocks());
                });
    }

    /**
     * Takes the locks that the lock table says the session holds as its handles: the table's token, hold count and
     * lease end win over those of the handover (and a grant that raced a withdrawal appears).
     */
    public void adopt(List<LockHandle> inTable) {
        synchronized (held) {
            for (LockHandle h : inTable) {
                held.put(h.name(), h);
            }
        }
    }

    void startHeartbeats() {
        long period = Math.max(1, ttl.toMillis() / 3);
        heartbeats = service.scheduler().scheduleWithFixedDelay(this::heartbeat, period, period,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Test hook: stops the automatic heartbeats without ending the session, as if this process
     * stopped running; the cluster then expires the session after its TTL.
     */
    void stopHeartbeatsForTesting() {
        ScheduledFuture<?> h = heartbeats;
        if (h != null) {
            h.cancel(false);
        }
    }

    private void heartbeat() {
        if (ended.isDone()) {
            return;
        }
        sendKeepAlive().exceptionally(e -> {
            LOG.debug("heartbeat of session {} failed: {}", id, e.toString());
            return null;
        });
    }

    private CompletableFuture<Instant> sendKeepAlive() {
        Instant sent = Instant.now();
        return transport.submit(new LockCommand.KeepAlive(id)).thenApply(outcome -> {
            if (outcome instanceof Outcome.SessionLive) {
                Instant next = sent.plus(ttl);
                synchronized (held) {
                    if (next.isAfter(expiresAt)) {
                        expiresAt = next;
                    }
                }
                return expiresAt;
            }
            throw fail(outcome, null, "keep-alive");
        });
    }

    // ---------------------------------------------------------------- call ids

    /** A fresh call id, unsettled until {@link #settled} is called for it. */
    private long newCall() {
        return callIds.next();
    }

    /** Records that the session will not send, poll or withdraw a call again; sends a settle mark when one is due. */
    private void settled(long callId) {
        long mark = callIds.settle(callId);
        if (mark == 0 || ended.isDone()) {
            return;
        }
        transport.submit(new LockCommand.Settle(id, mark)).whenComplete((outcome, error) -> {
            if (error != null) {
                LOG.debug("settle mark {} of session {} not sent: {}", mark, id, error.toString());
                callIds.unsent(mark);
            }
        });
    }

    // ---------------------------------------------------------------- state

    @Override
    public SessionId id() {
        return id;
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public boolean isLive() {
        return !ended.isDone() && Instant.now().isBefore(expiresAt);
    }

    /** Whether the session was closed by {@link #close()} (not merely expired). */
    boolean isClosed() {
        return closed.get();
    }

    /** Whether the session ended or is presumed expired. */
    boolean hasEnded() {
        return !isLive();
    }

    @Override
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public CompletionStage<Void> whenEnded() {
        return ended;
    }

    @Override
    public List<LockHandle> heldLocks() {
        synchronized (held) {
            return List.copyOf(held.values());
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw closedException();
        }
    }

    /**
     * Why a call on a closed session fails: the session is closed, or, when it was handed over, the service that the
     * call went through is (the session goes on in the lock client's next instance: try again).
     */
    private IllegalStateException closedException() {
        return handedOver ? new ClientLockService.ServiceClosedException()
                : new IllegalStateException("session " + id + " is closed");
    }

    /** Ends the session because the cluster reported it expired or unknown. */
    private void markExpired(String message) {
        LeaseExpiredException e = new LeaseExpiredException(id, null, "session " + id + " expired: " + message);
        if (!ended.completeExceptionally(e)) {
            return;
        }
        stopHeartbeatsForTesting();
        synchronized (held) {
            held.clear();
            movedTokens.clear();
        }
        for (Waiting w : pending) {
            w.sessionEnding = true;
            w.result.completeExceptionally(e);
        }
        // Stays known to the service, so that LockService.release of its handles reports the expiry.
    }

    /** The exception of a non-success outcome; ends the session if the outcome says it is gone. */
    private RuntimeException fail(Outcome outcome, Outcomes.Context ctx, String what) {
        if (Outcomes.isSessionGone(outcome)) {
            if (closed.get()) {
                return new IllegalStateException("session " + id + " is closed");
            }
            markExpired(((Outcome.Rejected) outcome).message());
        }
        return Outcomes.failure(outcome, id, ctx, what);
    }

    private Duration blockingBound() {
        return service.blockingBound();
    }

    // ---------------------------------------------------------------- handles

    private LockHandle record(Grant g, Instant leaseExpiresAt) {
        synchronized (held) {
            LockHandle previous = held.get(g.lockName());
            Instant expiry = leaseExpiresAt;
            if (previous != null && previous.fencingToken() == g.fencingToken()
                    && previous.leaseExpiresAt().isAfter(expiry) && previous.mode() == g.mode()) {
                // Reentrant acquisition: the lease ends at the later of both.
                expiry = previous.leaseExpiresAt();
            }
            LockHandle h = g.toHandle(expiry);
            if (!ended.isDone()) {
                held.put(g.lockName(), h);
            }
            return h;
        }
    }

    private void forgetHold(String name, long token, int remaining) {
        synchronized (held) {
            LockHandle h = held.get(name);
            if (h != null && h.fencingToken() == token) {
                if (remaining <= 0) {
                    held.remove(name);
                    movedTokens.keySet().removeIf(t -> t.lockName().equals(name));
                } else {
                    held.put(name, new LockHandle(h.name(), h.mode(), h.sessionId(), h.fencingToken(), remaining,
                            h.lease(), h.leaseExpiresAt()));
                }
            }
        }
    }

    private Instant currentLeaseExpiry(LockHandle handle) {
        synchronized (held) {
            LockHandle h = held.get(handle.name());
            return h != null && h.fencingToken() == currentToken(handle) ? h.leaseExpiresAt()
                    : handle.leaseExpiresAt();
        }
    }

    /** The token under which the session holds what a handle stands for (see {@link #movedTokens}). */
    private long currentToken(LockHandle handle) {
        synchronized (held) {
            long token = handle.fencingToken();
            for (Long moved = movedTokens.get(new TokenOf(handle.name(), token)); moved != null;
                    moved = movedTokens.get(new TokenOf(handle.name(), token))) {
                token = moved;
            }
            return token;
        }
    }

    // ---------------------------------------------------------------- waiting requests

    /** A waiting acquire or upgrade. */
    private final class Waiting {
        final long callId;
        final LockCommand command;
        final long deadlineNanos;
        final Outcomes.Context ctx;
        final boolean upgrade;
        final Instant leaseExpiresAt;
        final CompletableFuture<LockHandle> result = new CompletableFuture<>();
        /** Completes once a withdrawal (if any) and the undo of a racing grant are done. */
        final CompletableFuture<Void> cleanup = new CompletableFuture<>();
        /** Completes once the cleanup is done and the call settled. */
        final CompletableFuture<Void> finished;
        volatile boolean sessionEnding;
        volatile boolean resolved;
        /** Set when the request gave up on its own and withdraws itself ({@link #poll()}). */
        volatile boolean withdrawing;

        Waiting(long callId, LockCommand command, Duration waitTimeout, Outcomes.Context ctx, boolean upgrade,
                Instant leaseExpiresAt) {
            this.callId = callId;
            this.finished = cleanup.whenComplete((x, e) -> settled(callId));
            this.command = command;
            this.deadlineNanos = System.nanoTime() + waitTimeout.toNanos();
            this.ctx = ctx;
            this.upgrade = upgrade;
            this.leaseExpiresAt = leaseExpiresAt;
        }

        CompletableFuture<LockHandle> start() {
            pending.add(this);
            result.whenComplete((h, e) -> {
                pending.remove(this);
                Throwable cause = e == null ? null : Outcomes.unwrap(e);
                if (cause instanceof CancellationException && !sessionEnding && !resolved) {
                    withdraw();
                } else if (cause instanceof NoQuorumException && !sessionEnding) {
                    // The request may still be queued, and granted later, in the cluster: the caller will never
                    // see that grant, so withdraw it (and undo a grant) once a majority answers again.
                    withdraw();
                } else if (!withdrawing) {
                    cleanup.complete(null);
                }
            });
            if (ended.isDone() && !closed.get()) {
                sessionEnding = true;
                result.completeExceptionally(new LeaseExpiredException(id, null, "session " + id + " expired"));
                return result;
            }
            if (closed.get()) {
                // Closed or handed over since the caller's check, before this request went out: it never will.
                sessionEnding = true;
                result.completeExceptionally(closedException());
                return result;
            }
            submit();
            return result;
        }

        private void submit() {
            transport.submit(command).whenComplete(this::onOutcome);
        }

        private void onOutcome(Outcome outcome, Throwable error) {
            if (result.isDone()) {
                return;
            }
            if (error != null) {
                resolved = true;
                result.completeExceptionally(Outcomes.unwrap(error));
            } else if (outcome instanceof Outcome.Granted g) {
                // Not marked resolved: a cancel or interrupt that completes the result first withdraws the call, and
                // the withdrawal undoes this grant (CancelWait answers a granted call with its grant).
                result.complete(record(g.grant(), leaseExpiresAt));
            } else if (outcome instanceof Outcome.Queued) {
                poll();
            } else {
                resolved = true;
                result.completeExceptionally(fail(outcome, ctx, upgrade ? "upgrade" : "acquire"));
            }
        }

        private void poll() {
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            long hardLimit = 2 * transport.quorumTimeout().toMillis() + 2 * POLL_MARGIN_MILLIS;
            if (remaining < -hardLimit) {
                // The cluster should have timed the request out long ago; give up locally.
                withdrawing = true;
                result.completeExceptionally(Outcomes.failure(Outcome.Rejected.of(RejectReason.TIMEOUT, "timed out"),
                        id, ctx, "acquire"));
                withdraw();
                return;
            }
            Duration timeout = Duration.ofMillis(Math.max(0, remaining) + POLL_MARGIN_MILLIS);
            transport.awaitOutcome(id, callId, timeout).whenComplete((reply, error) -> {
                if (result.isDone()) {
                    return;
                }
                if (error != null) {
                    onOutcome(null, error);
                } else if (reply instanceof PollReply.Resolved r) {
                    onOutcome(r.outcome(), null);
                } else if (reply instanceof PollReply.Unknown) {
                    submit(); // idempotent by call id: answers the current state of the call
                } else {
                    poll();
                }
            });
        }

        /**
         * Sends CancelWait and undoes a grant that raced with it; retried while no majority answers and the session
         * lives (when it ends, the cluster drops its requests and holds itself).
         */
        private void withdraw() {
            transport.submit(new LockCommand.CancelWait(id, callId)).whenComplete((outcome, error) -> {
                if (outcome instanceof Outcome.Granted g) {
                    undo(g.grant()).whenComplete((x, e) -> cleanup.complete(null));
                } else if (error != null && Outcomes.unwrap(error) instanceof NoQuorumException && !ended.isDone()) {
                    service.scheduler().schedule(this::withdraw, RELEASE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    cleanup.complete(null);
                }
            });
        }

        /**
         * Undoes a grant of this request that the caller will never see, retried in the background while no majority
         * answers and the session lives. An undone upgrade leaves the shared hold under the upgrade's token: the
         * caller's handle (the shared hold's earlier token) stands for it from then on.
         */
        CompletableFuture<?> undo(Grant g) {
            if (upgrade) {
                long before = ((LockCommand.Upgrade) command).fencingToken();
                return sendUndoUpgrade(new LockCommand.Downgrade(id, newCall(), g.lockName(),
                        g.fencingToken()), before);
            }
            return releaseUnseen(g);
        }

        private CompletableFuture<?> sendUndoUpgrade(LockCommand.Downgrade d, long tokenBefore) {
            return transport.submit(d).handle((o, e) -> {
                if (o instanceof Outcome.Granted granted) {
                    synchronized (held) {
                        if (granted.grant().fencingToken() != tokenBefore) {
                            movedTokens.put(new TokenOf(d.lockName(), tokenBefore), granted.grant().fencingToken());
                        }
                        record(granted.grant(), leaseExpiresAt);
                    }
                } else if (e != null && Outcomes.unwrap(e) instanceof NoQuorumException && !ended.isDone()) {
                    service.scheduler().schedule(() -> {
                        if (!ended.isDone()) {
                            sendUndoUpgrade(d, tokenBefore);
                        }
                    }, RELEASE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                    return null;
                }
                settled(d.callId());
                return null;
            });
        }

        /** Blocking wait honouring interruption: withdraws the request and undoes a racing grant. */
        LockHandle await() throws InterruptedException {
            try {
                return result.get();
            } catch (ExecutionException e) {
                throw Outcomes.rethrowable(Outcomes.unwrap(e));
            } catch (CancellationException e) {
                throw e;
            } catch (InterruptedException e) {
                if (!result.cancel(false)) {
                    LockHandle granted = result.isCompletedExceptionally() ? null : result.getNow(null);
                    if (granted != null) {
                        // Granted just before the interrupt: the request is withdrawn all the same.
                        CompletableFuture<?> undone = undo(new Grant(granted.name(), id, granted.mode(),
                                granted.fencingToken(), granted.holdCount(), granted.lease().toMillis(), 0));
                        waitUninterruptibly(undone);
                    }
                } else {
                    waitUninterruptibly(cleanup);
                }
                throw e;
            }
        }
    }

    private void waitUninterruptibly(CompletableFuture<?> f) {
        try {
            Outcomes.await(f.handle((x, e) -> null), blockingBound().multipliedBy(2));
        } catch (RuntimeException e) {
            LOG.debug("withdrawal of a request of session {} did not finish: {}", id, e.toString());
        }
    }

    private Waiting newAcquire(LockRequest request) {
        Objects.requireNonNull(request, "request");
        checkOpen();
        long callId = newCall();
        Instant sent = Instant.now();
        return new Waiting(callId, LockCommand.Acquire.of(id, callId, request), request.waitTimeout(),
                new Outcomes.Context(request.name(), request.mode(), request.waitTimeout(), 0), false,
                sent.plus(request.lease()));
    }

    @Override
    public CompletableFuture<LockHandle> acquireAsync(LockRequest request) {
        Waiting w = newAcquire(request);
        observe(request, w.result);
        return w.start();
    }

    @Override
    public LockHandle acquire(LockRequest request) throws InterruptedException {
        Waiting w = newAcquire(request);
        observe(request, w.result);
        w.start();
        return w.await();
    }

    /** Reports an acquire's start and end to the service's listener. */
    private void observe(LockRequest request, CompletableFuture<?> result) {
        LockMode mode = request.mode();
        ClientLockService.Listener l = service.listener();
        long start = System.nanoTime();
        l.acquireStarted(mode);
        result.whenComplete((h, e) -> {
            boolean granted = e == null && (!(h instanceof Optional<?> o) || o.isPresent());
            if (granted) {
                l.acquired(mode, System.nanoTime() - start);
            } else {
                l.acquireFailed(mode, e == null ? new LockTimeoutException(request.name(), mode, Duration.ZERO) : Outcomes.unwrap(e));
            }
        });
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request) {
        Objects.requireNonNull(request, "request");
        checkOpen();
        LockCommand.Acquire command = LockCommand.Acquire.tryOf(id, newCall(), request);
        Instant expiry = Instant.now().plus(request.lease());
        Outcomes.Context ctx = new Outcomes.Context(request.name(), request.mode(), Duration.ZERO, 0);
        CompletableFuture<Optional<LockHandle>> result = new CompletableFuture<>();
        transport.submit(command).whenComplete((outcome, error) -> {
            if (error != null) {
                Throwable cause = Outcomes.unwrap(error);
                result.completeExceptionally(cause);
                if (cause instanceof NoQuorumException) {
                    // The try may have been granted with its answer lost: the caller will never see that grant.
                    undoLostTry(command);
                } else {
                    settled(command.callId());
                }
                return;
            }
            settled(command.callId());
            if (outcome instanceof Outcome.Granted g) {
                LockHandle h = record(g.grant(), expiry);
                if (!result.complete(Optional.of(h))) {
                    releaseUnseen(g.grant()); // the caller cancelled first
                }
            } else if (outcome instanceof Outcome.Rejected r && r.reason() == RejectReason.NOT_GRANTABLE) {
                result.complete(Optional.empty());
            } else {
                result.completeExceptionally(fail(outcome, ctx, "tryAcquire"));
            }
        });
        observe(request, result);
        return result;
    }

    /**
     * Learns the outcome of a try-acquire whose answer was lost by sending it again (the lock table answers a call it
     * applied with its first outcome, and evaluates one it never saw), and releases a grant; retried in the background
     * while no majority answers and the session lives.
     */
    private void undoLostTry(LockCommand.Acquire command) {
        if (ended.isDone()) {
            return;
        }
        transport.submit(command).whenComplete((outcome, error) -> {
            if (error != null && Outcomes.unwrap(error) instanceof NoQuorumException && !ended.isDone()) {
                service.scheduler().schedule(() -> undoLostTry(command), RELEASE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            settled(command.callId());
            if (outcome instanceof Outcome.Granted g) {
                releaseUnseen(g.grant());
            }
        });
    }

    /** Releases a grant that no caller saw, retried in the background while no majority answers. */
    private CompletableFuture<Integer> releaseUnseen(Grant g) {
        return sendRelease(new LockCommand.Release(id, newCall(), g.lockName(), g.fencingToken()),
                new Outcomes.Context(g.lockName(), g.mode(), null, g.fencingToken()));
    }

    @Override
    public Optional<LockHandle> tryAcquire(LockRequest request) {
        return Outcomes.await(tryAcquireAsync(request), blockingBound());
    }

    // ---------------------------------------------------------------- release, renew, up/downgrade

    @Override
    public CompletableFuture<Integer> releaseAsync(LockHandle handle) {
        Objects.requireNonNull(handle, "handle");
        checkOpen();
        long token = currentToken(handle);
        LockCommand.Release command = new LockCommand.Release(id, newCall(), handle.name(), token);
        return sendRelease(command, new Outcomes.Context(handle.name(), handle.mode(), null, token));
    }

    /** Sends a release, and again in the background while no majority answers and the session lives. */
    private CompletableFuture<Integer> sendRelease(LockCommand.Release command, Outcomes.Context ctx) {
        CompletableFuture<Integer> result = transport.submit(command).thenApply(outcome -> {
            if (outcome instanceof Outcome.Released r) {
                forgetHold(command.lockName(), command.fencingToken(), r.remainingHoldCount());
                return r.remainingHoldCount();
            }
            if (outcome instanceof Outcome.Rejected r
                    && (r.reason() == RejectReason.NOT_HELD || r.reason() == RejectReason.LEASE_EXPIRED)) {
                forgetHold(command.lockName(), command.fencingToken(), 0);
            }
            throw fail(outcome, ctx, "release");
        });
        result.whenComplete((n, e) -> {
            if (e != null && Outcomes.unwrap(e) instanceof NoQuorumException && !ended.isDone()) {
                service.scheduler().schedule(() -> {
                    if (!ended.isDone()) {
                        sendRelease(command, ctx);
                    }
                }, RELEASE_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                settled(command.callId());
            }
        });
        return result;
    }

    @Override
    public int release(LockHandle handle) {
        return Outcomes.await(releaseAsync(handle), blockingBound());
    }

    @Override
    public CompletableFuture<LockHandle> renewAsync(LockHandle handle, Duration lease) {
        Objects.requireNonNull(handle, "handle");
        LockRequest.requireValidLease(lease);
        checkOpen();
        Instant sent = Instant.now();
        long token = currentToken(handle);
        Outcomes.Context ctx = new Outcomes.Context(handle.name(), handle.mode(), null, token);
        long callId = newCall();
        return transport.submit(new LockCommand.Renew(id, callId, handle.name(),
                token, lease.toMillis())).whenComplete((o, e) -> settled(callId)).thenApply(outcome -> {
                    if (outcome instanceof Outcome.Granted g) {
                        synchronized (held) {
                            held.remove(handle.name()); // the renewal sets the lease, it may shorten it
                            return record(g.grant(), sent.plus(lease));
                        }
                    }
                    throw fail(outcome, ctx, "renew");
                });
    }

    @Override
    public LockHandle renew(LockHandle handle, Duration lease) {
        return Outcomes.await(renewAsync(handle, lease), blockingBound());
    }

    private Waiting newUpgrade(LockHandle handle, Duration waitTimeout) {
        Objects.requireNonNull(handle, "handle");
        LockRequest.requireValidWaitTimeout(waitTimeout);
        checkOpen();
        long callId = newCall();
        long token = currentToken(handle);
        return new Waiting(callId, new LockCommand.Upgrade(id, callId, handle.name(), token,
                waitTimeout.toMillis()), waitTimeout,
                new Outcomes.Context(handle.name(), LockMode.EXCLUSIVE, waitTimeout, token), true,
                currentLeaseExpiry(handle));
    }

    @Override
    public CompletableFuture<LockHandle> upgradeAsync(LockHandle handle, Duration waitTimeout) {
        return newUpgrade(handle, waitTimeout).start();
    }

    @Override
    public LockHandle upgrade(LockHandle handle, Duration waitTimeout) throws InterruptedException {
        Waiting w = newUpgrade(handle, waitTimeout);
        w.start();
        return w.await();
    }

    @Override
    public CompletableFuture<LockHandle> downgradeAsync(LockHandle handle) {
        Objects.requireNonNull(handle, "handle");
        checkOpen();
        Instant expiry = currentLeaseExpiry(handle);
        long token = currentToken(handle);
        Outcomes.Context ctx = new Outcomes.Context(handle.name(), LockMode.SHARED, null, token);
        long callId = newCall();
        return transport.submit(new LockCommand.Downgrade(id, callId, handle.name(),
                token)).whenComplete((o, e) -> settled(callId)).thenApply(outcome -> {
                    if (outcome instanceof Outcome.Granted g) {
                        return record(g.grant(), expiry);
                    }
                    throw fail(outcome, ctx, "downgrade");
                });
    }

    @Override
    public LockHandle downgrade(LockHandle handle) {
        return Outcomes.await(downgradeAsync(handle), blockingBound());
    }

    // ---------------------------------------------------------------- heartbeats and close

    @Override
    public CompletableFuture<Instant> keepAliveAsync() {
        checkOpen();
        return sendKeepAlive();
    }

    @Override
    public Instant keepAlive() {
        return Outcomes.await(keepAliveAsync(), blockingBound());
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        if (!closed.compareAndSet(false, true)) {
            CompletableFuture<Void> c = closing;
            while (c == null) {
                Thread.onSpinWait();
                c = closing;
            }
            return c;
        }
        stopHeartbeatsForTesting();
        List<Waiting> waiting = new ArrayList<>(pending);
        for (Waiting w : waiting) {
            w.sessionEnding = true;
            w.result.completeExceptionally(new CancellationException("session " + id + " was closed"));
        }
        synchronized (held) {
            held.clear();
            movedTokens.clear();
        }
        service.forget(this);
        ended.complete(null);
        CompletableFuture<Void> result = transport.submit(new LockCommand.CloseSession(id)).thenApply(o -> null);
        closing = result;
        return result;
    }

    @Override
    public void close() {
        try {
            Outcomes.await(closeAsync(), blockingBound());
        } catch (RuntimeException e) {
            LOG.debug("closing session {} failed; its locks are freed when its TTL elapses: {}", id, e.toString());
        }
    }

    @Override
    public String toString() {
        return "ClientLockSession[" + id + ", ttl=" + ttl + (closed.get() ? ", closed" : ended.isDone() ? ", expired"
                : "") + "]";
    }
}
