package io.dsync.lock.server.raft;

import java.util.Objects;

import io.dsync.lock.SessionId;

/**
 * A read-only request answered by {@link LockRaftStateMachine#query} on the Raft leader, after the
 * leader has confirmed its leadership and applied every entry committed before the query arrived
 * (Ratis {@code Read.Option.LINEARIZABLE}). Queries never enter the log.
 */
public sealed interface LockQuery {

    /**
     * Reads the status of one lock; answered with an encoded {@link io.dsync.lock.LockStatus}.
     *
     * @param lockName the lock name; an invalid name is answered with a failed query
     */
    record Status(String lockName) implements LockQuery {

        /**
         * Checks the component for {@code null}.
         *
         * @param lockName the lock name
         * @throws NullPointerException if {@code lockName} is {@code null}
         */
        public Status {
            Objects.requireNonNull(lockName, "lockName");
        }
    }

    /**
     * A long-poll for the final outcome of a call that was answered {@code Queued}: held by the leader
     * until an applied entry resolves the call, or until {@code windowMillis} elapse; answered with an
     * encoded {@link PollReply}.
     *
     * @param sessionId the session of the waiting call
     * @param callId the call id of the waiting acquire or upgrade
     * @param windowMillis how long the leader may hold the poll, positive; must be shorter than the
     *     client's RPC request timeout, or the client gives up on the poll before the leader answers
     */
    record AwaitOutcome(SessionId sessionId, long callId, long windowMillis) implements LockQuery {

        /**
         * Validates the components.
         *
         * @param sessionId the session of the waiting call
         * @param callId the call id
         * @param windowMillis the poll window
         * @throws NullPointerException if {@code sessionId} is {@code null}
         * @throws IllegalArgumentException if {@code windowMillis} is not positive
         */
        public AwaitOutcome {
            Objects.requireNonNull(sessionId, "sessionId");
            if (windowMillis <= 0) {
                throw new IllegalArgumentException("windowMillis must be positive, was " + windowMillis);
            }
        }
    }

    /**
     * Reads the lock table for operators; answered with an encoded {@link LockTableView}.
     *
     * @param maxLocks how many locks (by name) the answer lists at most, positive
     */
    record Table(int maxLocks) implements LockQuery {

        /** Upper bound of {@code maxLocks}: keeps one answer well below Ratis' message size limit. */
        public static final int MAX_LOCKS = 10_000;

        /**
         * Validates the limit.
         *
         * @param maxLocks how many locks at most
         * @throws IllegalArgumentException if it is not between 1 and {@link #MAX_LOCKS}
         */
        public Table {
            if (maxLocks < 1 || maxLocks > MAX_LOCKS) {
                throw new IllegalArgumentException("maxLocks must be between 1 and " + MAX_LOCKS + ", was " + maxLocks);
            }
        }
    }
}
