package io.dsync.lock.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The answer to a {@link LockQuery.AwaitOutcomes} long-poll: the calls that have a final answer, or that the
 * server is not the leader. The calls of the poll that are not listed are still waiting (the window elapsed, or a
 * newer poll of the same client replaced this one).
 *
 * @param notLeader whether the server stopped being the leader (or is closing) while it held the poll; then
 *     {@code replies} is empty and the client polls again through the new leader
 * @param replies the calls answered: {@link PollReply.Resolved} or {@link PollReply.Unknown}
 */
public record PollAnswer(boolean notLeader, List<CallReply> replies) {

    /** The answer of a server that is not, or no longer, the leader. */
    public static final PollAnswer NOT_LEADER = new PollAnswer(true, List.of());

    /** The answer of a poll whose window elapsed, or that a newer poll replaced. */
    public static final PollAnswer NOTHING_YET = new PollAnswer(false, List.of());

    /**
     * Validates and copies the components.
     *
     * @param notLeader whether the server is not the leader
     * @param replies the calls answered
     * @throws NullPointerException if {@code replies} is or holds {@code null}
     * @throws IllegalArgumentException if a not-leader answer has replies, or a reply is still waiting or not leader
     */
    public PollAnswer {
        replies = List.copyOf(replies);
        if (notLeader && !replies.isEmpty()) {
            throw new IllegalArgumentException("a not-leader answer has no replies");
        }
        for (CallReply r : replies) {
            if (!(r.reply() instanceof PollReply.Resolved || r.reply() instanceof PollReply.Unknown)) {
                throw new IllegalArgumentException("a call is answered resolved or unknown, not " + r.reply());
            }
        }
    }

    /**
     * The answer for one call.
     *
     * @param call the call
     * @param reply {@link PollReply.Resolved} or {@link PollReply.Unknown}
     */
    public record CallReply(LockQuery.CallRef call, PollReply reply) {

        /**
         * Checks the components for {@code null}.
         *
         * @param call the call
         * @param reply the reply
         * @throws NullPointerException if a component is {@code null}
         */
        public CallReply {
            Objects.requireNonNull(call, "call");
            Objects.requireNonNull(reply, "reply");
        }
    }
}
