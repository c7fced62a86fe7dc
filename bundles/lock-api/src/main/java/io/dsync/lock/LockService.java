package io.dsync.lock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Entry point of the distributed lock service, registered as an OSGi service by the platform.
 * <p>
 * Locks are owned by {@linkplain LockSession sessions}. Applications that hold several locks, or that
 * need to react to the loss of their locks, open their own sessions with
 * {@link #openSession(Duration)}. Simple applications use the convenience methods of this interface,
 * which operate on the service's {@linkplain #defaultSession() default session}:
 * <pre>{@code
 * LockHandle lock = locks.acquire("orders/42", LockMode.EXCLUSIVE, Duration.ofSeconds(5), Duration.ofSeconds(30));
 * try {
 *     orderStore.update(order, lock.fencingToken());   // the store rejects stale tokens
 * } finally {
 *     locks.release(lock);
 * }
 * }</pre>
 * All semantics (FIFO fairness, reentrancy, fencing tokens, deadlock detection, failure modes) are
 * described on {@link LockSession} and in the package documentation.
 * <p>
 * Implementations are thread-safe.
 */
@ProviderType
public interface LockService {

    /**
     * Opens a new session. The future completes once the session is committed, or exceptionally with
     * {@link NoQuorumException}.
     *
     * @param ttl the session TTL, {@link LockSession#MIN_TTL} to {@link LockSession#MAX_TTL}: the
     *     session expires, releasing all its locks, when no heartbeat has been committed for that long
     * @return a future of the open session
     * @throws InvalidLockRequestException if {@code ttl} is out of range
     * @throws NullPointerException if {@code ttl} is {@code null}
     */
    CompletableFuture<LockSession> openSessionAsync(Duration ttl);

    /**
     * Opens a new session, blocking at most for the quorum timeout. Same semantics as
     * {@link #openSessionAsync(Duration)}. The caller must {@linkplain LockSession#close() close} it.
     *
     * @param ttl the session TTL, {@link LockSession#MIN_TTL} to {@link LockSession#MAX_TTL}
     * @return the open session
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InvalidLockRequestException if {@code ttl} is out of range
     * @throws NullPointerException if {@code ttl} is {@code null}
     */
    LockSession openSession(Duration ttl);

    /**
     * Returns the service's default session, opening it first if there is none or if the previous one
     * ended (closed or expired). Its TTL comes from the service configuration. Locks held under a
     * default session that ended are lost like those of any other session; a replacement session does
     * not inherit them.
     *
     * @return the current default session
     * @throws NoQuorumException if a new session had to be opened and no Raft majority was reachable
     *     within the quorum timeout
     */
    LockSession defaultSession();

    /**
     * Acquires a lock under the default session. Same semantics as
     * {@link LockSession#acquireAsync(LockRequest)}.
     *
     * @param request the lock, mode, wait timeout and lease
     * @return a future of the handle
     * @throws NullPointerException if {@code request} is {@code null}
     */
    CompletableFuture<LockHandle> acquireAsync(LockRequest request);

    /**
     * Acquires a lock under the default session. Same semantics as
     * {@link LockSession#acquire(LockRequest)}.
     *
     * @param request the lock, mode, wait timeout and lease
     * @return the handle of the grant
     * @throws LockTimeoutException if the wait timeout elapsed before the lock could be granted
     * @throws DeadlockException if waiting would close a cycle of the wait-for graph
     * @throws LeaseExpiredException if the default session expired while waiting
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the request was
     *     withdrawn
     * @throws NullPointerException if {@code request} is {@code null}
     */
    LockHandle acquire(LockRequest request) throws InterruptedException;

    /**
     * Acquires a lock under the default session. Equivalent to
     * {@code acquire(new LockRequest(name, mode, waitTimeout, lease))}.
     *
     * @param name the lock name
     * @param mode the requested mode
     * @param waitTimeout how long to wait, zero to {@link LockRequest#MAX_WAIT_TIMEOUT}
     * @param lease the lease of the grant, {@link LockRequest#MIN_LEASE} to
     *     {@link LockRequest#MAX_LEASE}
     * @return the handle of the grant
     * @throws LockTimeoutException if the wait timeout elapsed before the lock could be granted
     * @throws DeadlockException if waiting would close a cycle of the wait-for graph
     * @throws LeaseExpiredException if the default session expired while waiting
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the request was
     *     withdrawn
     * @throws InvalidLockRequestException if an argument is out of range
     * @throws NullPointerException if an argument is {@code null}
     */
    default LockHandle acquire(String name, LockMode mode, Duration waitTimeout, Duration lease)
            throws InterruptedException {
        return acquire(new LockRequest(name, mode, waitTimeout, lease));
    }

    /**
     * Acquires a lock under the default session only if it is grantable at once. Same semantics as
     * {@link LockSession#tryAcquireAsync(LockRequest)}.
     *
     * @param request the lock, mode and lease; the wait timeout is ignored
     * @return a future of the handle, or of an empty optional if the lock is not grantable at once
     * @throws NullPointerException if {@code request} is {@code null}
     */
    CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request);

    /**
     * Acquires a lock under the default session only if it is grantable at once. Same semantics as
     * {@link LockSession#tryAcquire(LockRequest)}.
     *
     * @param request the lock, mode and lease; the wait timeout is ignored
     * @return the handle, or an empty optional if the lock is not grantable at once
     * @throws LeaseExpiredException if the default session expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code request} is {@code null}
     */
    Optional<LockHandle> tryAcquire(LockRequest request);

    /**
     * Releases one hold of a lock acquired through any session opened by this service instance (the
     * session is found by {@link LockHandle#sessionId()}). Same semantics as
     * {@link LockSession#releaseAsync(LockHandle)}; a handle of a session that was not opened by this
     * service instance, or that has been closed, completes exceptionally with
     * {@link LockNotHeldException}.
     *
     * @param handle any handle of the grant
     * @return a future of the remaining hold count, 0 if the lock was freed
     * @throws NullPointerException if {@code handle} is {@code null}
     */
    CompletableFuture<Integer> releaseAsync(LockHandle handle);

    /**
     * Releases one hold of a lock acquired through any session opened by this service instance. Same
     * semantics as {@link #releaseAsync(LockHandle)}; blocks at most for the quorum timeout.
     *
     * @param handle any handle of the grant
     * @return the remaining hold count, 0 if the lock was freed
     * @throws LockNotHeldException if the grant is not held, or its session is unknown to this
     *     service instance or closed
     * @throws LeaseExpiredException if the grant was lost because its lease or its session expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code handle} is {@code null}
     */
    int release(LockHandle handle);

    /**
     * Reads the state of a lock linearizably (through the Raft leader, after confirming its
     * leadership), so the result reflects every operation that completed before this call.
     * <p>
     * The future completes with the status (a free lock has no holders and no waiters; see
     * {@link LockStatus#lastFencingToken()} for its last token), or exceptionally with
     * {@link NoQuorumException}.
     *
     * @param name the lock name
     * @return a future of the status
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name
     * @throws NullPointerException if {@code name} is {@code null}
     */
    CompletableFuture<LockStatus> statusAsync(String name);

    /**
     * Reads the state of a lock linearizably. Same semantics as {@link #statusAsync(String)}; blocks
     * at most for the quorum timeout.
     *
     * @param name the lock name
     * @return the status
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name
     * @throws NullPointerException if {@code name} is {@code null}
     */
    LockStatus status(String name);
}
