package io.dsync.lock;

import java.time.Duration;
import java.time.Instant;

/**
 * An immutable snapshot of a lock held by a session, as returned by a successful acquisition,
 * renewal, upgrade or downgrade.
 * <p>
 * A handle identifies a <em>grant</em> by lock name, session and fencing token; it is what
 * {@link LockSession#release}, {@link LockSession#renew}, {@link LockSession#upgrade} and
 * {@link LockSession#downgrade} operate on. Because it is a snapshot, a handle does not change when
 * the hold changes: operations return a new handle, and any handle of the same grant (same name,
 * session and token) may be passed to them. A handle of an earlier grant of the same lock (smaller
 * token) is rejected with {@link LockNotHeldException}, so a stale handle can never release a later
 * grant.
 * <p>
 * Holding a handle does not prove that the lock is still held: the hold ends at the earlier of
 * {@link #leaseExpiresAt()} and the end of the session. Always pass {@link #fencingToken()} to the
 * protected resource (see the <a href="package-summary.html#fencing">fencing contract</a>).
 *
 * @param name the lock name
 * @param mode the mode in which the session holds the lock
 * @param sessionId the session holding the lock
 * @param fencingToken the fencing token of the grant: positive, strictly increasing per lock name
 *     across grants; unchanged by reentrant acquisitions, renewals and downgrades, new for an upgrade
 * @param holdCount how many times the session has acquired the lock without releasing it (at least
 *     1); the lock is freed when a release brings it to 0
 * @param lease the lease of the grant, used by {@link LockSession#renew(LockHandle)}
 * @param leaseExpiresAt the instant, on this process's clock, until which the lease is guaranteed to
 *     run if the session stays live. It is computed conservatively from the moment the request was
 *     <em>sent</em> plus the lease, so it never lies after the expiry the cluster applies, assuming
 *     clock drift stays within the service's configured bound
 */
public record LockHandle(String name, LockMode mode, SessionId sessionId, long fencingToken, int holdCount,
        Duration lease, Instant leaseExpiresAt) {

    /**
     * Validates the handle.
     *
     * @param name the lock name
     * @param mode the mode in which the session holds the lock
     * @param sessionId the session holding the lock
     * @param fencingToken the fencing token of the grant
     * @param holdCount how many times the session has acquired the lock without releasing it
     * @param lease the lease of the grant
     * @param leaseExpiresAt the conservative local lease expiry
     * @throws NullPointerException if any reference component is {@code null}
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name,
     *     {@code fencingToken} is not positive, {@code holdCount} is less than 1 or {@code lease} is
     *     out of range
     */
    public LockHandle {
        LockRequest.requireValidName(name);
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        if (sessionId == null) {
            throw new NullPointerException("sessionId");
        }
        if (fencingToken <= 0) {
            throw new InvalidLockRequestException("fencingToken",
                    "fencingToken must be positive, was " + fencingToken);
        }
        if (holdCount < 1) {
            throw new InvalidLockRequestException("holdCount", "holdCount must be at least 1, was " + holdCount);
        }
        LockRequest.requireValidLease(lease);
        if (leaseExpiresAt == null) {
            throw new NullPointerException("leaseExpiresAt");
        }
    }

    /**
     * Tells whether the lock lease is still running at the given instant. This is a local estimate
     * only: it does not account for the end of the session, and the service remains the authority.
     *
     * @param now the current instant of this process's clock
     * @return {@code true} if {@code now} is before {@link #leaseExpiresAt()}
     * @throws NullPointerException if {@code now} is {@code null}
     */
    public boolean isLeaseValidAt(Instant now) {
        return now.isBefore(leaseExpiresAt);
    }
}
