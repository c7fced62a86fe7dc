package io.dsync.lock.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;

/**
 * An immutable snapshot of a hold, as the replicated state machine sees it: the server-side
 * counterpart of {@link LockHandle}. Times are on the Raft leader's clock, as carried by the log.
 *
 * @param lockName the lock name
 * @param sessionId the holding session
 * @param mode the mode in which the session holds the lock
 * @param fencingToken the fencing token of the grant, positive; see {@link LockStateMachine} for
 *     how it is assigned
 * @param holdCount the reentrant hold count, at least 1
 * @param leaseMillis the lease of the grant in milliseconds, as last requested or renewed
 * @param leaseExpiresAtMillis when the lease ends, in epoch milliseconds of the log's clock
 */
public record Grant(String lockName, SessionId sessionId, LockMode mode, long fencingToken, int holdCount,
        long leaseMillis, long leaseExpiresAtMillis) {

    /**
     * Validates the snapshot.
     *
     * @param lockName the lock name
     * @param sessionId the holding session
     * @param mode the held mode
     * @param fencingToken the fencing token of the grant
     * @param holdCount the reentrant hold count
     * @param leaseMillis the lease of the grant
     * @param leaseExpiresAtMillis when the lease ends
     * @throws NullPointerException if a reference component is {@code null}
     * @throws IllegalArgumentException if {@code fencingToken} is not positive or {@code holdCount}
     *     is less than 1
     */
    public Grant {
        Objects.requireNonNull(lockName, "lockName");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(mode, "mode");
        if (fencingToken <= 0) {
            throw new IllegalArgumentException("fencingToken must be positive, was " + fencingToken);
        }
        if (holdCount < 1) {
            throw new IllegalArgumentException("holdCount must be at least 1, was " + holdCount);
        }
    }

    /**
     * Converts the grant to the holder entry of a {@link io.dsync.lock.LockStatus}.
     *
     * @return the holder
     */
    public LockHolder toHolder() {
        return new LockHolder(sessionId, mode, fencingToken, holdCount, Instant.ofEpochMilli(leaseExpiresAtMillis));
    }

    /**
     * Converts the grant to a client handle. The lease expiry of a handle is on the client's clock
     * and computed conservatively by the client, so the caller supplies it.
     *
     * @param localLeaseExpiresAt the conservative lease expiry on the client's clock
     * @return the handle
     * @throws io.dsync.lock.InvalidLockRequestException if the lease is outside the API's limits,
     *     which cannot happen for grants made by {@link LockStateMachine}
     */
    public LockHandle toHandle(Instant localLeaseExpiresAt) {
        return new LockHandle(lockName, mode, sessionId, fencingToken, holdCount, Duration.ofMillis(leaseMillis),
                localLeaseExpiresAt);
    }
}
