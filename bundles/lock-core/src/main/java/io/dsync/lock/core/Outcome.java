package io.dsync.lock.core;

import java.util.Objects;
import java.util.Optional;

import io.dsync.lock.SessionId;
import io.dsync.lock.WaitForCycle;

/**
 * The direct result of one command, or the final result of a request that waited. All variants are
 * immutable values with value equality, so results of two replicas can be compared with
 * {@link Object#equals(Object)}.
 */
public sealed interface Outcome {

    /**
     * The request was granted (acquire, reentrant acquire, upgrade, downgrade) or the grant was
     * renewed; carries the state of the hold right after the command.
     *
     * @param grant the hold after the command
     */
    record Granted(Grant grant) implements Outcome {

        /**
         * Validates the outcome.
         *
         * @param grant the hold after the command
         * @throws NullPointerException if {@code grant} is {@code null}
         */
        public Granted {
            Objects.requireNonNull(grant, "grant");
        }
    }

    /**
     * The request waits. Its final outcome is reported later as an {@link Effect.WaitCompleted} of
     * the command that decided it (a release, an expiry, a cancellation...).
     *
     * @param position the index of the request in {@link io.dsync.lock.LockStatus#waiters()} at the
     *     time of this answer (0 for an upgrade, which is served first); a retry of a waiting call
     *     answers its current position
     */
    record Queued(int position) implements Outcome {
    }

    /**
     * One hold was released.
     *
     * @param remainingHoldCount the hold count left, 0 if the session no longer holds the lock
     */
    record Released(int remainingHoldCount) implements Outcome {
    }

    /**
     * The session is open ({@link LockCommand.OpenSession}) or was kept alive
     * ({@link LockCommand.KeepAlive}).
     *
     * @param sessionId the session
     * @param expiresAtMillis when the session expires unless kept alive, on the log's clock
     */
    record SessionLive(SessionId sessionId, long expiresAtMillis) implements Outcome {

        /**
         * Validates the outcome.
         *
         * @param sessionId the session
         * @param expiresAtMillis the expiry
         * @throws NullPointerException if {@code sessionId} is {@code null}
         */
        public SessionLive {
            Objects.requireNonNull(sessionId, "sessionId");
        }
    }

    /**
     * A waiting request was withdrawn by {@link LockCommand.CancelWait} or because its session was
     * closed. The adapter completes the caller's future with a
     * {@link java.util.concurrent.CancellationException}.
     */
    record Cancelled() implements Outcome {
    }

    /**
     * The command was applied and has nothing else to report ({@link LockCommand.CloseSession},
     * {@link LockCommand.Tick}, {@link LockCommand.BreakDeadlock}, whose effects tell whether a wait ended).
     */
    record Done() implements Outcome {
    }

    /**
     * The command was rejected, or a waiting request ended without a grant.
     * <p>
     * A command rejected directly (not a waiting request that ended) has changed nothing in the
     * state machine, apart from the expiries that its log time made due, which are applied before
     * every command and reported as effects.
     *
     * @param reason the reason
     * @param message a human-readable message naming the session, lock and token concerned
     * @param cycle the detected cycle for {@link RejectReason#DEADLOCK}, starting with the rejected
     *     wait; empty for every other reason
     */
    record Rejected(RejectReason reason, String message, Optional<WaitForCycle> cycle) implements Outcome {

        /**
         * Validates the outcome.
         *
         * @param reason the reason
         * @param message the message
         * @param cycle the cycle, present exactly for {@link RejectReason#DEADLOCK}
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if {@code cycle} is present for another reason than
         *     {@link RejectReason#DEADLOCK}, or absent for it
         */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(cycle, "cycle");
            if (cycle.isPresent() != (reason == RejectReason.DEADLOCK)) {
                throw new IllegalArgumentException("a cycle is carried exactly by DEADLOCK rejections, reason was "
                        + reason + " with cycle " + cycle);
            }
        }

        /**
         * Creates a rejection without a cycle.
         *
         * @param reason any reason but {@link RejectReason#DEADLOCK}
         * @param message the message
         * @return the rejection
         */
        public static Rejected of(RejectReason reason, String message) {
            return new Rejected(reason, message, Optional.empty());
        }

        /**
         * Creates a deadlock rejection; the message is the one of
         * {@link io.dsync.lock.DeadlockException}.
         *
         * @param cycle the cycle, starting with the rejected wait
         * @return the rejection
         */
        public static Rejected deadlock(WaitForCycle cycle) {
            return new Rejected(RejectReason.DEADLOCK, "deadlock detected, request rejected: " + cycle,
                    Optional.of(cycle));
        }
    }
}
