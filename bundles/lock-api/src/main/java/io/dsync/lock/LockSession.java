package io.dsync.lock;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A client session: the owner of lock holds, kept alive by heartbeats.
 * <p>
 * A session is opened with a TTL ({@link LockService#openSession(Duration)}). The service sends
 * heartbeats automatically (about every third of the TTL); the session <em>expires</em> when no
 * heartbeat has been committed by a Raft majority for a whole TTL, e.g. because this process was
 * partitioned away or paused. When a session ends, by {@link #close()} or by expiry, the cluster
 * releases all its locks and withdraws all its pending requests, and the session can never be used
 * again: a new session, with a new {@link #id()}, must be opened.
 * <p>
 * <strong>Acquisition rules.</strong> Requests are queued in FIFO order of arrival at the Raft leader
 * and granted in that order: a request is granted when its mode is compatible with all current
 * holders and no earlier request is still waiting (consecutive shared requests at the head of the
 * queue are granted together). Later shared requests do not overtake a waiting exclusive request.
 * Acquiring a lock the session already holds is reentrant and is granted immediately without
 * queuing when the held mode {@linkplain LockMode#covers covers} the requested one: the hold count is
 * incremented, the fencing token is unchanged, and the lease expiry becomes the later of the current
 * one and the new request's. Acquiring {@link LockMode#EXCLUSIVE} while holding
 * {@link LockMode#SHARED} is never an implicit upgrade: it fails with {@link DeadlockException} (the
 * session would wait for itself); use {@link #upgrade} instead.
 * <p>
 * <strong>Failure modes common to all operations.</strong> Operations that need the cluster fail with
 * {@link NoQuorumException} when no Raft majority is reachable within the quorum timeout, and with
 * {@link LeaseExpiredException} when the session has expired. Operations invoked after
 * {@link #close()} throw {@link IllegalStateException} on the calling thread; requests pending when
 * the session is closed complete with {@link CancellationException}.
 * <p>
 * Instances are thread-safe; all threads of a process may share one session. Holds belong to the
 * session, not to a thread: any thread may release a lock acquired by another thread of the session.
 */
@ProviderType
public interface LockSession extends AutoCloseable {

    /** Minimum session TTL: 2 seconds, so that at least two heartbeats fit into one TTL. */
    Duration MIN_TTL = Duration.ofSeconds(2);

    /** Maximum session TTL: 1 hour. */
    Duration MAX_TTL = Duration.ofHours(1);

    /**
     * Checks that a duration is a valid session TTL: {@link #MIN_TTL} to {@link #MAX_TTL}.
     *
     * @param ttl the candidate TTL
     * @return {@code ttl}, for chaining
     * @throws NullPointerException if {@code ttl} is {@code null}
     * @throws InvalidLockRequestException if {@code ttl} is out of range; the message names the value
     *     and the limit
     */
    static Duration requireValidTtl(Duration ttl) {
        if (ttl == null) {
            throw new NullPointerException("ttl");
        }
        if (ttl.compareTo(MIN_TTL) < 0) {
            throw new InvalidLockRequestException("ttl", "session ttl must be at least " + Durations.human(MIN_TTL)
                    + ", was " + Durations.human(ttl));
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw new InvalidLockRequestException("ttl", "session ttl must be at most " + Durations.human(MAX_TTL)
                    + ", was " + Durations.human(ttl));
        }
        return ttl;
    }

    /**
     * Returns the id of this session, which owns its holds.
     *
     * @return the session id, unique in the cluster and never reused
     */
    SessionId id();

    /**
     * Returns the TTL of this session.
     *
     * @return the TTL the session was opened with
     */
    Duration ttl();

    /**
     * Tells whether the session is live as far as this process knows: not closed, and
     * {@link #expiresAt()} not yet reached. A {@code true} result is a local estimate; only fencing
     * tokens give safety.
     *
     * @return {@code false} once the session is closed or known or presumed to be expired
     */
    boolean isLive();

    /**
     * Returns a conservative local estimate of when the session expires if no further heartbeat
     * succeeds: the send time of the last committed heartbeat plus the TTL, on this process's clock.
     *
     * @return the presumed expiry instant
     */
    Instant expiresAt();

    /**
     * Returns a stage that completes when the session ends. It completes normally when the session is
     * closed and exceptionally with {@link LeaseExpiredException} (with an empty
     * {@linkplain LeaseExpiredException#lockName() lock name}) when it expires. Holders can use it to
     * abort work that relies on the session's locks.
     *
     * @return the end-of-session stage; the same instance on every call
     */
    CompletionStage<Void> whenEnded();

    /**
     * Acquires a lock, waiting up to the request's {@linkplain LockRequest#waitTimeout() wait
     * timeout}.
     * <p>
     * The returned future completes with the handle once the grant is committed, or exceptionally
     * with: {@link LockTimeoutException} if the wait timeout elapsed first; {@link DeadlockException}
     * if waiting would close a cycle of the wait-for graph; {@link LeaseExpiredException} if the
     * session expired before or while waiting; {@link NoQuorumException}. Cancelling the future
     * withdraws the request and releases the lock if it was granted concurrently.
     *
     * @param request the lock, mode, wait timeout and lease
     * @return a future of the handle
     * @throws NullPointerException if {@code request} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<LockHandle> acquireAsync(LockRequest request);

    /**
     * Acquires a lock, blocking up to the request's {@linkplain LockRequest#waitTimeout() wait
     * timeout}. Same semantics as {@link #acquireAsync(LockRequest)}.
     *
     * @param request the lock, mode, wait timeout and lease
     * @return the handle of the grant
     * @throws LockTimeoutException if the wait timeout elapsed before the lock could be granted
     * @throws DeadlockException if waiting would close a cycle of the wait-for graph
     * @throws LeaseExpiredException if the session expired before or while waiting
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the request was
     *     withdrawn (and the lock released if it had been granted concurrently)
     * @throws NullPointerException if {@code request} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    LockHandle acquire(LockRequest request) throws InterruptedException;

    /**
     * Acquires a lock, blocking up to {@code waitTimeout}. Equivalent to
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
     * @throws LeaseExpiredException if the session expired before or while waiting
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the request was
     *     withdrawn
     * @throws InvalidLockRequestException if an argument is out of range
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    default LockHandle acquire(String name, LockMode mode, Duration waitTimeout, Duration lease)
            throws InterruptedException {
        return acquire(new LockRequest(name, mode, waitTimeout, lease));
    }

    /**
     * Acquires a lock only if it is grantable at once: compatible with all current holders and with no
     * request waiting for it (fairness is preserved; a try never overtakes the queue), or a reentrant
     * acquisition. The request's wait timeout is ignored and the request is never queued, so it can
     * neither time out nor deadlock. It still needs a Raft commit.
     * <p>
     * The future completes with the handle, with an empty optional if the lock is not grantable at
     * once, or exceptionally with {@link LeaseExpiredException} or {@link NoQuorumException}.
     *
     * @param request the lock, mode and lease
     * @return a future of the handle, or of an empty optional if the lock is not grantable at once
     * @throws NullPointerException if {@code request} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<Optional<LockHandle>> tryAcquireAsync(LockRequest request);

    /**
     * Acquires a lock only if it is grantable at once. Same semantics as
     * {@link #tryAcquireAsync(LockRequest)}; blocks at most for the quorum timeout.
     *
     * @param request the lock, mode and lease
     * @return the handle, or an empty optional if the lock is not grantable at once (including when
     *     this session holds it in {@link LockMode#SHARED} mode and {@link LockMode#EXCLUSIVE} is
     *     requested)
     * @throws LeaseExpiredException if the session has expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code request} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    Optional<LockHandle> tryAcquire(LockRequest request);

    /**
     * Releases one hold of a lock: decrements the hold count of the grant designated by
     * {@code handle}, and frees the lock when it reaches zero, which lets the next waiters in.
     * <p>
     * The future completes with the remaining hold count (0 if the lock was freed), or exceptionally
     * with {@link LockNotHeldException} if the grant is not held (already fully released, another
     * session's handle, or an earlier grant), {@link LeaseExpiredException} if the grant was lost
     * because its lease or the session expired, or {@link NoQuorumException} (the release is then
     * retried in the background until it is committed or the session ends).
     *
     * @param handle any handle of the grant
     * @return a future of the remaining hold count
     * @throws NullPointerException if {@code handle} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<Integer> releaseAsync(LockHandle handle);

    /**
     * Releases one hold of a lock. Same semantics as {@link #releaseAsync(LockHandle)}; blocks at most
     * for the quorum timeout.
     *
     * @param handle any handle of the grant
     * @return the remaining hold count, 0 if the lock was freed
     * @throws LockNotHeldException if the grant is not held by this session
     * @throws LeaseExpiredException if the grant was lost because its lease or the session expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code handle} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    int release(LockHandle handle);

    /**
     * Renews the lease of a grant: its lease expiry is <em>set</em> to the send time of this call plus
     * {@code lease} (which can also shorten it). The token, mode and hold count are unchanged.
     * <p>
     * The future completes with the renewed handle, or exceptionally with
     * {@link LockNotHeldException}, {@link LeaseExpiredException} (too late: the lease had already
     * expired) or {@link NoQuorumException}.
     *
     * @param handle any handle of the grant
     * @param lease the new lease, {@link LockRequest#MIN_LEASE} to {@link LockRequest#MAX_LEASE}
     * @return a future of the renewed handle
     * @throws InvalidLockRequestException if {@code lease} is out of range
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<LockHandle> renewAsync(LockHandle handle, Duration lease);

    /**
     * Renews the lease of a grant. Same semantics as {@link #renewAsync(LockHandle, Duration)}; blocks
     * at most for the quorum timeout.
     *
     * @param handle any handle of the grant
     * @param lease the new lease, {@link LockRequest#MIN_LEASE} to {@link LockRequest#MAX_LEASE}
     * @return the renewed handle
     * @throws LockNotHeldException if the grant is not held by this session
     * @throws LeaseExpiredException if the lease or the session had already expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InvalidLockRequestException if {@code lease} is out of range
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    LockHandle renew(LockHandle handle, Duration lease);

    /**
     * Renews the lease of a grant for its original {@linkplain LockHandle#lease() lease}. Equivalent
     * to {@code renew(handle, handle.lease())}.
     *
     * @param handle any handle of the grant
     * @return the renewed handle
     * @throws LockNotHeldException if the grant is not held by this session
     * @throws LeaseExpiredException if the lease or the session had already expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code handle} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    default LockHandle renew(LockHandle handle) {
        return renew(handle, handle.lease());
    }

    /**
     * Atomically upgrades a {@link LockMode#SHARED} hold to {@link LockMode#EXCLUSIVE}, waiting up to
     * {@code waitTimeout} for the other shared holders to release. The shared hold is kept during the
     * wait and is never given up, so no writer can slip in between. Upgrading an exclusive hold
     * completes at once with an equivalent handle.
     * <p>
     * The upgrade does not queue behind other waiters (they wait for this session's shared hold, so
     * that would deadlock): it is granted as soon as this session is the only holder, and later shared
     * requests do not overtake it. The upgraded grant gets a <em>new, larger fencing token</em>; the
     * hold count is kept. If two shared holders try to upgrade at the same time, the second one fails
     * with {@link DeadlockException}.
     * <p>
     * The future completes with the exclusive handle, or exceptionally with
     * {@link LockTimeoutException}, {@link DeadlockException} (in both cases the shared hold remains,
     * unchanged), {@link LockNotHeldException}, {@link LeaseExpiredException} or
     * {@link NoQuorumException}. Cancelling the future withdraws the upgrade; the shared hold remains.
     *
     * @param handle any handle of the shared grant
     * @param waitTimeout how long to wait, zero to {@link LockRequest#MAX_WAIT_TIMEOUT}
     * @return a future of the exclusive handle
     * @throws InvalidLockRequestException if {@code waitTimeout} is out of range
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<LockHandle> upgradeAsync(LockHandle handle, Duration waitTimeout);

    /**
     * Atomically upgrades a shared hold to exclusive, blocking up to {@code waitTimeout}. Same
     * semantics as {@link #upgradeAsync(LockHandle, Duration)}.
     *
     * @param handle any handle of the shared grant
     * @param waitTimeout how long to wait, zero to {@link LockRequest#MAX_WAIT_TIMEOUT}
     * @return the exclusive handle, with a new fencing token
     * @throws LockTimeoutException if the other shared holders did not release in time; the shared
     *     hold remains
     * @throws DeadlockException if another holder is upgrading too, or another cycle would close; the
     *     shared hold remains
     * @throws LockNotHeldException if the grant is not held by this session
     * @throws LeaseExpiredException if the lease or the session expired before or while waiting
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws InterruptedException if the thread was interrupted while waiting; the upgrade was
     *     withdrawn and the shared hold remains
     * @throws InvalidLockRequestException if {@code waitTimeout} is out of range
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    LockHandle upgrade(LockHandle handle, Duration waitTimeout) throws InterruptedException;

    /**
     * Atomically downgrades an {@link LockMode#EXCLUSIVE} hold to {@link LockMode#SHARED}, without
     * any wait. Shared requests at the head of the queue are granted immediately afterwards. The
     * fencing token and the hold count are kept (a downgrade is not a new grant). Downgrading a shared
     * hold completes at once with an equivalent handle.
     * <p>
     * The future completes with the shared handle, or exceptionally with
     * {@link LockNotHeldException}, {@link LeaseExpiredException} or {@link NoQuorumException}.
     *
     * @param handle any handle of the exclusive grant
     * @return a future of the shared handle
     * @throws NullPointerException if {@code handle} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<LockHandle> downgradeAsync(LockHandle handle);

    /**
     * Atomically downgrades an exclusive hold to shared. Same semantics as
     * {@link #downgradeAsync(LockHandle)}; blocks at most for the quorum timeout.
     *
     * @param handle any handle of the exclusive grant
     * @return the shared handle, with the same fencing token
     * @throws LockNotHeldException if the grant is not held by this session
     * @throws LeaseExpiredException if the lease or the session expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws NullPointerException if {@code handle} is {@code null}
     * @throws IllegalStateException if the session was closed
     */
    LockHandle downgrade(LockHandle handle);

    /**
     * Returns the locks this session holds as far as this process knows, without contacting the
     * cluster. Useful for cleanup; use {@link LockService#status(String)} for an authoritative view.
     *
     * @return the latest handle of each grant held, in grant order; empty after the session ended
     */
    List<LockHandle> heldLocks();

    /**
     * Sends a heartbeat now instead of waiting for the next automatic one.
     * <p>
     * The future completes with the new {@link #expiresAt()}, or exceptionally with
     * {@link LeaseExpiredException} if the session had already expired, or
     * {@link NoQuorumException}.
     *
     * @return a future of the new presumed expiry instant
     * @throws IllegalStateException if the session was closed
     */
    CompletableFuture<Instant> keepAliveAsync();

    /**
     * Sends a heartbeat now. Same semantics as {@link #keepAliveAsync()}; blocks at most for the quorum
     * timeout.
     *
     * @return the new presumed expiry instant
     * @throws LeaseExpiredException if the session had already expired
     * @throws NoQuorumException if no Raft majority was reachable within the quorum timeout
     * @throws IllegalStateException if the session was closed
     */
    Instant keepAlive();

    /**
     * Ends the session: stops heartbeats, withdraws pending requests (their futures complete with
     * {@link CancellationException}), and releases all its locks in one Raft commit.
     * <p>
     * The returned future completes when the cluster has committed the end of the session, or
     * exceptionally with {@link NoQuorumException}; in that case the session's locks are freed at the
     * latest when its TTL elapses. Locally the session is closed immediately, whatever the outcome.
     * Idempotent: later calls return an already completed future.
     *
     * @return a future that completes when the cluster has released the session's locks
     */
    CompletableFuture<Void> closeAsync();

    /**
     * Ends the session, like {@link #closeAsync()}, waiting at most for the quorum timeout. Never
     * throws, so that it is safe in try-with-resources: if the cluster cannot be reached, the
     * session's locks are freed when its TTL elapses. Idempotent.
     */
    @Override
    void close();
}
