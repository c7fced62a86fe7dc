package io.dsync.lock;

import java.time.Instant;

/**
 * One queued request for a lock, as reported by {@link LockService#status(String)}.
 *
 * @param sessionId the waiting session
 * @param mode the requested mode
 * @param upgrade {@code true} if this is an {@linkplain LockSession#upgrade upgrade} of a shared hold
 *     of the same session, {@code false} for an ordinary acquisition
 * @param enqueuedAt when the request was queued, on the clock of the Raft leader
 * @param waitDeadline when the request times out, on the clock of the Raft leader
 */
public record LockWaiter(SessionId sessionId, LockMode mode, boolean upgrade, Instant enqueuedAt,
        Instant waitDeadline) {

    /**
     * Validates the waiter.
     *
     * @param sessionId the waiting session
     * @param mode the requested mode
     * @param upgrade whether this is an upgrade of a shared hold
     * @param enqueuedAt when the request was queued
     * @param waitDeadline when the request times out
     * @throws NullPointerException if any reference component is {@code null}
     * @throws InvalidLockRequestException if {@code upgrade} is {@code true} but {@code mode} is not
     *     {@link LockMode#EXCLUSIVE}, or {@code waitDeadline} is before {@code enqueuedAt}
     */
    public LockWaiter {
        if (sessionId == null) {
            throw new NullPointerException("sessionId");
        }
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        if (enqueuedAt == null) {
            throw new NullPointerException("enqueuedAt");
        }
        if (waitDeadline == null) {
            throw new NullPointerException("waitDeadline");
        }
        if (upgrade && mode != LockMode.EXCLUSIVE) {
            throw new InvalidLockRequestException("mode", "an upgrade waits for EXCLUSIVE mode, was " + mode);
        }
        if (waitDeadline.isBefore(enqueuedAt)) {
            throw new InvalidLockRequestException("waitDeadline",
                    "waitDeadline " + waitDeadline + " must not be before enqueuedAt " + enqueuedAt);
        }
    }
}
