package io.dsync.lock;

import java.time.Instant;

/**
 * One current holder of a lock, as reported by {@link LockService#status(String)}.
 *
 * @param sessionId the holding session
 * @param mode the mode in which it holds the lock
 * @param fencingToken the fencing token of its grant (positive)
 * @param holdCount its reentrant hold count (at least 1)
 * @param leaseExpiresAt when the lock lease expires, on the clock of the Raft leader
 */
public record LockHolder(SessionId sessionId, LockMode mode, long fencingToken, int holdCount,
        Instant leaseExpiresAt) {

    /**
     * Validates the holder.
     *
     * @param sessionId the holding session
     * @param mode the mode in which it holds the lock
     * @param fencingToken the fencing token of its grant
     * @param holdCount its reentrant hold count
     * @param leaseExpiresAt when the lock lease expires
     * @throws NullPointerException if any reference component is {@code null}
     * @throws InvalidLockRequestException if {@code fencingToken} is not positive or
     *     {@code holdCount} is less than 1
     */
    public LockHolder {
        if (sessionId == null) {
            throw new NullPointerException("sessionId");
        }
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        if (fencingToken <= 0) {
            throw new InvalidLockRequestException("fencingToken",
                    "fencingToken must be positive, was " + fencingToken);
        }
        if (holdCount < 1) {
            throw new InvalidLockRequestException("holdCount", "holdCount must be at least 1, was " + holdCount);
        }
        if (leaseExpiresAt == null) {
            throw new NullPointerException("leaseExpiresAt");
        }
    }
}
