package io.dsync.lock.protocol;

import java.util.Objects;

import io.dsync.lock.core.Outcome;

/**
 * The state of one waited-for call, as a client learns it by long-polling ({@link LockQuery.AwaitOutcomes},
 * {@link PollAnswer}).
 */
public sealed interface PollReply {

    /**
     * The call reached its final outcome ({@link Outcome.Granted}, {@link Outcome.Cancelled} or
     * {@link Outcome.Rejected}).
     *
     * @param outcome the final outcome
     */
    record Resolved(Outcome outcome) implements PollReply {

        /**
         * Checks the component for {@code null}.
         *
         * @param outcome the final outcome
         * @throws NullPointerException if {@code outcome} is {@code null}
         */
        public Resolved {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /** The poll window elapsed and the call is still waiting: poll again. */
    record StillWaiting() implements PollReply {
    }

    /**
     * The leader neither knows the call as waiting nor remembers its outcome (it was never queued, or
     * its outcome is older than the adapter remembers). The client learns the outcome by re-submitting
     * the original command, which the state machine answers idempotently.
     */
    record Unknown() implements PollReply {
    }
}
