package io.dsync.lock.core;

import java.util.Objects;

import io.dsync.lock.SessionId;

/**
 * A consequence of a command for <em>other</em> requests or sessions than the command itself, listed
 * in {@link ApplyResult#effects()} in the order in which it happened. The adapter uses effects to
 * complete the futures of remote waiters and to tell sessions that they lost locks.
 */
public sealed interface Effect {

    /** Why a grant or a session ended without being released or closed by its owner. */
    enum EndCause {
        /** The lock lease elapsed without renewal. */
        LEASE_EXPIRED,
        /** The session's TTL elapsed without a committed heartbeat. */
        SESSION_EXPIRED,
        /** The session was closed by its owner; its holds were released and its waits withdrawn. */
        SESSION_CLOSED
    }

    /**
     * A request that had been {@linkplain Outcome.Queued queued} reached its final outcome:
     * {@link Outcome.Granted}, {@link Outcome.Cancelled} or {@link Outcome.Rejected} (timeout, session
     * expiry, lease expiry, release of the shared hold of an upgrade, or a deadlock across lock groups
     * broken by {@link LockCommand.BreakDeadlock}).
     *
     * @param sessionId the session of the request
     * @param callId the call id of the request
     * @param outcome its final outcome
     */
    record WaitCompleted(SessionId sessionId, long callId, Outcome outcome) implements Effect {

        /**
         * Validates the effect.
         *
         * @param sessionId the session of the request
         * @param callId the call id of the request
         * @param outcome its final outcome
         * @throws NullPointerException if a reference component is {@code null}
         */
        public WaitCompleted {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /**
     * A hold ended because of an expiry or because its session was closed.
     *
     * @param grant the hold as it was just before it ended
     * @param cause why it ended
     */
    record GrantEnded(Grant grant, EndCause cause) implements Effect {

        /**
         * Validates the effect.
         *
         * @param grant the hold as it was just before it ended
         * @param cause why it ended
         * @throws NullPointerException if a component is {@code null}
         */
        public GrantEnded {
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * A session ended; its holds and waits end with it and are reported by the effects that follow.
     *
     * @param sessionId the session
     * @param cause {@link EndCause#SESSION_EXPIRED} or {@link EndCause#SESSION_CLOSED}
     */
    record SessionEnded(SessionId sessionId, EndCause cause) implements Effect {

        /**
         * Validates the effect.
         *
         * @param sessionId the session
         * @param cause why it ended
         * @throws NullPointerException if a component is {@code null}
         */
        public SessionEnded {
            Objects.requireNonNull(sessionId, "sessionId");
            Objects.requireNonNull(cause, "cause");
        }
    }
}
