package io.dsync.lock.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockNotHeldException;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockService;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;

/**
 * {@link LockService} of a client process: sessions and calls of the lock API over a {@link LockTransport} to the
 * replicated lock table (in production the lock Raft group, through {@code RaftLockClient}).
 * <p>
 * Sessions are opened with client-chosen random UUID session ids ({@link LockCommand.OpenSession});
 * each session sends its own heartbeats on the service's scheduler. The convenience methods of
 * {@link LockService} operate on a lazily opened {@linkplain #defaultSession() default session}, which
 * is replaced when it ended. {@link #status(String)} is a linearizable read through the leader.
 * <p>
 * The service does not own the transport: {@link #close()} closes the sessions opened by this instance and, if
 * the service created it, the scheduler, but not the transport.
 * <p>
 * Thread-safe.
 */
public final class ClientLockService implements LockService, AutoCloseable {

    /** TTL of the default session when none is configured. */
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(10);

    private final LockTransport transport;
    private final String clientId;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Duration defaultTtl;
    private final ConcurrentHashMap<SessionId, ClientLockSession> sessions = new ConcurrentHashMap<>();
    private final Object defaultLock = new Object();
    private ClientLockSession defaultSession; // guarded by defaultLock
    private CompletableFuture<ClientLockSession> openingDefault; // guarded by defaultLock
    private volatile boolean closed;
    private volatile Listener listener = new Listener() {
    };

    /**
     * What the sessions of this service report, for metrics. Called on client threads; must be fast and not throw.
     */
    public interface Listener {
        /** An acquire (blocking, asynchronous or try) started; every start is followed by one of the two below. */
        default void acquireStarted(LockMode mode) {
        }

        /** An acquire was granted after {@code nanos} (from the call to the grant reaching this process). */
        default void acquired(LockMode mode, long nanos) {
        }

        /** An acquire ended without a grant: timeout, deadlock, no quorum, cancelled, not grantable (try). */
        default void acquireFailed(LockMode mode, Throwable cause) {
        }
    }

    /**
     * Creates a service with its own single daemon scheduler thread and a default session TTL of
     * {@link #DEFAULT_SESSION_TTL}.
     *
     * @param transport the lock table, not closed by this service
     * @param clientId the id of this client process, 1 to 256 characters without control characters
     */
    public ClientLockService(LockTransport transport, String clientId) {
        this(transport, clientId, null, DEFAULT_SESSION_TTL);
    }

    /**
     * Creates a service.
     *
     * @param transport the lock table, not closed by this service
     * @param clientId the id of this client process, 1 to 256 characters without control characters
     * @param scheduler the scheduler of heartbeats and background retries, not shut down by this
     *     service; {@code null} to create an own daemon scheduler, shut down by {@link #close()}
     * @param defaultSessionTtl the TTL of the default session
     * @throws NullPointerException if {@code transport}, {@code clientId} or {@code defaultSessionTtl}
     *     is {@code null}
     * @throws io.dsync.lock.InvalidLockRequestException if {@code defaultSessionTtl} is out of range
     * @throws IllegalArgumentException if {@code clientId} is empty or too long
     */
    public ClientLockService(LockTransport transport, String clientId, ScheduledExecutorService scheduler,
            Duration defaultSessionTtl) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        if (clientId.isEmpty() || clientId.length() > LockCommand.OpenSession.MAX_CLIENT_ID_LENGTH) {
            throw new IllegalArgumentException("clientId must have 1 to "
                    + LockCommand.OpenSession.MAX_CLIENT_ID_LENGTH + " characters, was '" + clientId + "'");
        }
        this.defaultTtl = LockSession.requireValidTtl(defaultSessionTtl);
        if (scheduler == null) {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dsync-lock-heartbeat");
                t.setDaemon(true);
                return t;
            });
            this.ownsScheduler = true;
        } else {
            this.scheduler = scheduler;
            this.ownsScheduler = false;
        }
    }

    LockTransport transport() {
        return transport;
    }

    /**
     * Sets the receiver of the sessions' events.
     *
     * @param listener the receiver
     */
    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    Listener listener() {
        return listener;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    void forget(ClientLockSession session) {
        sessions.remove(session.id(), session);
    }

    @Override
    public CompletableFuture<LockSession> openSessionAsync(Duration ttl) {
        LockSession.requireValidTtl(ttl);
        if (closed) {
            throw new ServiceClosedException();
        }
        SessionId id = new SessionId(UUID.randomUUID().toString());
        Instant sent = Instant.now();
        return transport.submit(new LockCommand.OpenSession(id, clientId, ttl.toMillis())).thenApply(outcome -> {
            if (outcome instanceof Outcome.SessionLive) {
                ClientLockSession session = new ClientLockSession(this, id, ttl, sent.plus(ttl));
                sessions.put(id, session);
                session.startHeartbeats();
                return (LockSession) session;
            }
            throw Outcomes.failure(outcome, id, null, "open session " + id);
        });
    }

    /**
     * Takes up a session that another instance of the lock client handed over ({@link ClientLockSession#handOver()}):
     * renews it at once and, when the lock table still has it, goes on with it as if it had been opened here (same
     * id, its locks, heartbeats).
     *
     * @param handover the handed-over session
     * @return the session, or a future failed with {@link io.dsync.lock.LeaseExpiredException} when it ended meanwhile
     */
    public CompletableFuture<ClientLockSession> resume(SessionHandover handover) {
        if (closed) {
            throw new ServiceClosedException();
        }
        Instant sent = Instant.now();
        return transport.submit(new LockCommand.KeepAlive(handover.id())).thenApply(outcome -> {
            if (outcome instanceof Outcome.SessionLive) {
                ClientLockSession session = new ClientLockSession(this, handover, sent.plus(handover.ttl()));
                sessions.put(handover.id(), session);
                session.startHeartbeats();
                return session;
            }
            throw Outcomes.failure(outcome, handover.id(), null, "resume session " + handover.id());
        });
    }

    @Override
    public LockSession openSession(Duration ttl) {
        return Outcomes.await(openSessionAsync(ttl), blockingBound());
    }

    @Override
    public LockSession defaultSession() {
        return Outcomes.await(defaultSessionAsync(), blockingBound());
    }

    /**
     * The default session, opened when there is none or it ended; one opening at a time. The asynchronous calls go
     * through this, so that they neither block nor throw when the session must be opened without a majority.
     */
    private CompletableFuture<ClientLockSession> defaultSessionAsync() {
        synchronized (defaultLock) {
            if (defaultSession != null && !defaultSession.hasEnded()) {
                return CompletableFuture.completedFuture(defaultSession);
            }
            if (openingDefault != null) {
                return openingDefault;
            }
            try {
                return becomesDefault(openSessionAsync(defaultTtl).thenApply(ClientLockSession.class::cast));
            } catch (IllegalStateException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    /** Makes the session that {@code opening} completes with the default one; calls meanwhile wait for it. */
    private CompletableFuture<ClientLockSession> becomesDefault(CompletableFuture<ClientLockSession> opening) {
        synchronized (defaultLock) {
            openingDefault = opening;
            opening.whenComplete((session, error) -> {
                synchronized (defaultLock) {
                    if (session != null) {
                        defaultSession = session;
                    }
                    if (openingDefault == opening) {
                        openingDefault = null;
                    }
                }
            });
            return opening;
        }
    }

    /**
     * Hands the default session over to the lock client's next instance ({@link ClientLockSession#handOver()}): for a
     * bundle update, so that the locks taken through this service's own methods stay held.
     *
     * @return the handover, or {@code null} when there is no default session
     */
    public CompletableFuture<SessionHandover> handOverDefaultSession() {
        ClientLockSession session;
        synchronized (defaultLock) {
            session = defaultSession;
            defaultSession = null;
        }
        return session == null ? CompletableFuture.completedFuture(null) : session.handOver();
    }

    /**
     * Takes the session that {@code resumed} completes with (the previous instance's default session, {@link #resume
     * resumed}) as the default session. Calls on the default session wait for it meanwhile; if it fails (the session
     * ended), they open a new one.
     *
     * @param resumed the resumed session
     */
    public void defaultSessionFrom(CompletableFuture<ClientLockSession> resumed) {
        becomesDefault(resumed.handle((session, error) -> session != null
                ? CompletableFuture.completedFuture(session)
                : openSessionAsync(defaultTtl).thenApply(ClientLockSession.class::cast)).thenCompose(f -> f));
    }

    /**
     * A call on the default session, as the session's own call: cancelling the future it returns cancels the
     * session's (which withdraws a waiting request and undoes a grant that raced the cancel).
     */
    private <T> CompletableFuture<T> onDefaultSession(Function<ClientLockSession, CompletableFuture<T>> call) {
        CompletableFuture<ClientLockSession> session = defaultSessionAsync();
        if (session.isDone() && !session.isCompletedExceptionally()) {
            return call.apply(session.join());
        }
        CompletableFuture<T> outer = new CompletableFuture<>();
        session.whenComplete((s, error) -> {
            if (error != null) {
                outer.completeExceptionally(Outcomes.unwrap(error));
                return;
            }
            if (outer.isDone()) {
                return; // cancelled before the session opened: nothing was sent
            }
            CompletableFuture<T> inner;
            try {
                inner = call.apply(s);
            } catch (RuntimeException e) {
                outer.completeExceptionally(e);
                return;
            }
            outer.whenComplete((v, e) -> {
                if (outer.isCancelled()) {
                    inner.cancel(false);
                }
            });
            inner.whenComplete((v, e) -> {
                if (e != null) {
                    outer.completeExceptionally(Outcomes.unwrap(e));
                } else {
                    outer.complete(v);
                }
            });
        });
        return outer;
    }

    @Override
    public CompletableFuture<LockHandle> acquireAsync(LockRequest request) {
        Objects.requireNonNull(request, "request");
        return onDefaultSession(s -> s.acquireAsync(request));
    }

    @Override
    public LockHandle acquire(LockRequest request) throws InterruptedException {
        Objects.requireNonNull(request, "request");
        return defaultSession().acquire(request);
    }

    @Override
    public CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request) {
        Objects.requireNonNull(request, "request");
        return onDefaultSession(s -> s.tryAcquireAsync(request));
    }

    @Override
    public Optional<LockHandle> tryAcquire(LockRequest request) {
        Objects.requireNonNull(request, "request");
        return defaultSession().tryAcquire(request);
    }

    @Override
    public CompletableFuture<Integer> releaseAsync(LockHandle handle) {
        Objects.requireNonNull(handle, "handle");
        ClientLockSession session = sessions.get(handle.sessionId());
        if (session == null || session.isClosed()) {
            return CompletableFuture.failedFuture(new LockNotHeldException(handle.name(), handle.sessionId(),
                    handle.fencingToken(), "session " + handle.sessionId()
                            + " is unknown to this lock service or closed; cannot release '" + handle.name() + "'"));
        }
        return session.releaseAsync(handle);
    }

    @Override
    public int release(LockHandle handle) {
        return Outcomes.await(releaseAsync(handle), blockingBound());
    }

    @Override
    public CompletableFuture<LockStatus> statusAsync(String name) {
        LockRequest.requireValidName(name);
        return transport.status(name);
    }

    @Override
    public LockStatus status(String name) {
        return Outcomes.await(statusAsync(name), blockingBound());
    }

    /** How long a blocking call waits for a future that the transport bounds by the quorum timeout. */
    Duration blockingBound() {
        return transport.quorumTimeout().plusSeconds(1);
    }

    /**
     * Closes every session opened by this instance (waiting at most a quorum timeout for all) and
     * shuts down the scheduler if the service created it. Idempotent. Does not close the client.
     */
    @Override
    public void close() {
        closed = true;
        CompletableFuture<?>[] closing = sessions.values().stream().map(ClientLockSession::closeAsync)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closing).get(blockingBound().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Sessions that could not be closed expire after their TTL.
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    /**
     * The service was closed (its bundle stops or is updated): an {@link IllegalStateException}, as the API says, that
     * the HTTP API tells apart from a closed session (503, try again, rather than 409).
     */
    public static final class ServiceClosedException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        ServiceClosedException() {
            super("the lock service is closed (the lock client stops or is being updated); try again");
        }
    }
}
