package io.dsync.lock.protocol;

import java.util.List;
import java.util.Objects;

import io.dsync.lock.SessionId;

/**
 * A read-only request answered by the lock server's state machine on the Raft leader, after the
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
     * A long-poll for the final outcomes of calls that were answered {@code Queued}, one per client for all the calls
     * it waits for: held by the leader until an applied entry resolves one of them, or until {@code windowMillis}
     * elapse; answered with an encoded {@link PollAnswer}. A poll from the same poller with a higher sequence number
     * replaces a held one, which is then answered with no replies; a poll with a lower sequence number than the held
     * one is answered with no replies at once. So the leader holds at most one poll, and one server thread, per
     * client, however many calls it waits for.
     *
     * @param pollerId the client that polls
     * @param sequence increases with each poll of the client
     * @param calls the calls to wait for, 1 to {@value #MAX_CALLS}
     * @param windowMillis how long the leader may hold the poll, positive; must be shorter than the
     *     client's RPC request timeout, or the client gives up on the poll before the leader answers
     */
    record AwaitOutcomes(String pollerId, long sequence, List<CallRef> calls, long windowMillis) implements LockQuery {

        /** The most calls one poll may carry. */
        public static final int MAX_CALLS = 10_000;

        /**
         * Validates and copies the components.
         *
         * @param pollerId the client that polls, 1 to 64 characters
         * @param sequence the poll's sequence number
         * @param calls the calls to wait for
         * @param windowMillis the poll window
         * @throws NullPointerException if an argument is or holds {@code null}
         * @throws IllegalArgumentException if a value is out of range
         */
        public AwaitOutcomes {
            Objects.requireNonNull(pollerId, "pollerId");
            calls = List.copyOf(calls);
            if (pollerId.isEmpty() || pollerId.length() > 64) {
                throw new IllegalArgumentException("pollerId must have 1 to 64 characters, was '" + pollerId + "'");
            }
            if (calls.isEmpty() || calls.size() > MAX_CALLS) {
                throw new IllegalArgumentException("a poll waits for 1 to " + MAX_CALLS + " calls, not " + calls.size());
            }
            if (windowMillis <= 0) {
                throw new IllegalArgumentException("windowMillis must be positive, was " + windowMillis);
            }
        }
    }

    /**
     * A call of a session: what a poll waits for.
     *
     * @param sessionId the session of the waiting call
     * @param callId the call id of the waiting acquire or upgrade
     */
    record CallRef(SessionId sessionId, long callId) {

        /**
         * Checks the session for {@code null}.
         *
         * @param sessionId the session
         * @param callId the call id
         * @throws NullPointerException if {@code sessionId} is {@code null}
         */
        public CallRef {
            Objects.requireNonNull(sessionId, "sessionId");
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
