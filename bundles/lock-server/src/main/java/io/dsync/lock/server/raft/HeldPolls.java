package io.dsync.lock.server.raft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;

/**
 * The long-polls the leader holds ({@link LockQuery.AwaitOutcomes}): at most one per poller (client), each waiting
 * for the first of its calls to be resolved. This is the only lock state of a replica that is not replicated: polls
 * live on the leader that received them and end with its leadership.
 *
 * <p>Not thread-safe: the caller guards it with the lock under which it applies entries, so that checking a call's
 * state and holding a poll for it is atomic with respect to its resolution. Nothing is completed under that lock:
 * methods return what to complete ({@link Answers}) once it is released.
 */
final class HeldPolls {

    /** A held poll and the future its answer completes. */
    static final class Poll {

        final String poller;

        final long sequence;

        final List<LockQuery.CallRef> calls;

        final CompletableFuture<PollAnswer> answer = new CompletableFuture<>();

        Poll(LockQuery.AwaitOutcomes q) {
            this.poller = q.pollerId();
            this.sequence = q.sequence();
            this.calls = q.calls();
        }
    }

    /** Answers gathered under the caller's lock, completed after it is released. */
    static final class Answers {

        private final Map<Poll, List<PollAnswer.CallReply>> replies = new LinkedHashMap<>();

        private final List<Poll> nothingYet = new ArrayList<>();

        void add(Poll poll, PollAnswer.CallReply reply) {
            replies.computeIfAbsent(poll, p -> new ArrayList<>()).add(reply);
        }

        /** Completes every poll gathered: with its resolved calls, or with nothing (replaced, overtaken). */
        void complete() {
            replies.forEach((poll, r) -> poll.answer.complete(new PollAnswer(false, r)));
            nothingYet.forEach(poll -> poll.answer.complete(PollAnswer.NOTHING_YET));
        }
    }

    /** Held polls by the calls they wait for. */
    private final Map<LockQuery.CallRef, List<Poll>> byCall = new LinkedHashMap<>();

    /** The held poll of each poller. */
    private final Map<String, Poll> byPoller = new HashMap<>();

    /**
     * Whether a poll is older than the one its poller has held already (it was overtaken on the way): then it is
     * answered with nothing at once.
     *
     * @param q the poll
     * @return whether a newer poll of the same poller is held
     */
    boolean isOvertaken(LockQuery.AwaitOutcomes q) {
        Poll held = byPoller.get(q.pollerId());
        return held != null && held.sequence > q.sequence();
    }

    /**
     * Holds a poll whose calls all wait, replacing the poller's previous one (answered with nothing).
     *
     * @param q the poll
     * @param answers collects the answer of the replaced poll
     * @return the held poll
     */
    Poll hold(LockQuery.AwaitOutcomes q, Answers answers) {
        dropPoller(q.pollerId(), answers);
        Poll poll = new Poll(q);
        byPoller.put(poll.poller, poll);
        for (LockQuery.CallRef call : poll.calls) {
            byCall.computeIfAbsent(call, k -> new ArrayList<>()).add(poll);
        }
        return poll;
    }

    /**
     * Forgets the poller's held poll, if any: a poll that had a ready answer replaces it too.
     *
     * @param pollerId the poller
     * @param answers collects the answer (nothing) of the dropped poll
     */
    void dropPoller(String pollerId, Answers answers) {
        Poll previous = byPoller.get(pollerId);
        if (previous != null) {
            forget(previous);
            answers.nothingYet.add(previous);
        }
    }

    /**
     * A call reached its final outcome: every poll holding it is answered with it (and with the other calls resolved
     * by the same entry, gathered in the same {@code answers}).
     *
     * @param call the call
     * @param outcome its final outcome
     * @param answers collects the answers
     */
    void resolve(LockQuery.CallRef call, Outcome outcome, Answers answers) {
        List<Poll> held = byCall.remove(call);
        if (held == null) {
            return;
        }
        PollAnswer.CallReply reply = new PollAnswer.CallReply(call, new PollReply.Resolved(outcome));
        for (Poll poll : held) {
            answers.add(poll, reply);
            byPoller.remove(poll.poller, poll);
        }
    }

    /**
     * Forgets a poll that is answered, or about to be (its window elapsed).
     *
     * @param poll the poll
     */
    void forget(Poll poll) {
        byPoller.remove(poll.poller, poll);
        for (LockQuery.CallRef call : poll.calls) {
            List<Poll> held = byCall.get(call);
            if (held != null && held.remove(poll) && held.isEmpty()) {
                byCall.remove(call);
            }
        }
    }

    /**
     * Forgets every poll, to be answered "not the leader".
     *
     * @return the polls that were held
     */
    List<Poll> clear() {
        List<Poll> all = new ArrayList<>(byPoller.values());
        byPoller.clear();
        byCall.clear();
        return all;
    }

    /** @return the number of polls held (at most one per poller) */
    int size() {
        return byPoller.size();
    }

    /** @return the number of calls the held polls wait for */
    int calls() {
        return byCall.size();
    }
}
