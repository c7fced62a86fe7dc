package io.dsync.lock.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;

/** The leader's held long-polls without Ratis: one per client, answered by the entry that resolves one of its calls. */
class HeldPollsTest {

    private final HeldPolls polls = new HeldPolls();

    private static LockQuery.CallRef call(int i) {
        return new LockQuery.CallRef(new SessionId("s" + i), i);
    }

    private static LockQuery.AwaitOutcomes poll(String client, long sequence, LockQuery.CallRef... calls) {
        return new LockQuery.AwaitOutcomes(client, sequence, List.of(calls), 1_000);
    }

    @Test
    void anEntryThatResolvesSeveralCallsOfAPollAnswersThemTogether() {
        HeldPolls.Answers none = new HeldPolls.Answers();
        HeldPolls.Poll held = polls.hold(poll("c1", 1, call(1), call(2), call(3)), none);
        none.complete();
        assertFalse(held.answer.isDone());
        assertEquals(1, polls.size());
        assertEquals(3, polls.calls());

        HeldPolls.Answers answers = new HeldPolls.Answers();
        polls.resolve(call(1), new Outcome.Cancelled(), answers);
        polls.resolve(call(3), new Outcome.Released(0), answers);
        polls.resolve(call(9), new Outcome.Cancelled(), answers); // nobody polls for it
        assertFalse(held.answer.isDone(), "completed only once the caller's lock is released");
        answers.complete();
        assertEquals(new PollAnswer(false, List.of(
                new PollAnswer.CallReply(call(1), new PollReply.Resolved(new Outcome.Cancelled())),
                new PollAnswer.CallReply(call(3), new PollReply.Resolved(new Outcome.Released(0))))), held.answer.join());
        polls.forget(held);
        assertEquals(0, polls.size());
        assertEquals(0, polls.calls());
    }

    @Test
    void aNewerPollOfTheSameClientReplacesTheHeldOneAndAnOlderOneIsOvertaken() {
        HeldPolls.Answers answers = new HeldPolls.Answers();
        HeldPolls.Poll first = polls.hold(poll("c1", 1, call(1)), answers);
        HeldPolls.Poll second = polls.hold(poll("c1", 2, call(1), call(2)), answers);
        answers.complete();
        assertEquals(PollAnswer.NOTHING_YET, first.answer.join());
        assertFalse(second.answer.isDone());
        assertEquals(1, polls.size(), "one poll per client");
        assertTrue(polls.isOvertaken(poll("c1", 1, call(1))));
        assertFalse(polls.isOvertaken(poll("c1", 3, call(1))));
        assertFalse(polls.isOvertaken(poll("c2", 1, call(1))), "another client");

        HeldPolls.Answers resolved = new HeldPolls.Answers();
        polls.resolve(call(1), new Outcome.Cancelled(), resolved);
        resolved.complete();
        assertEquals(1, second.answer.join().replies().size(), "the replaced poll no longer waits for the call");
    }

    @Test
    void aPollWithAReadyAnswerDropsTheClientsHeldOne() {
        HeldPolls.Answers answers = new HeldPolls.Answers();
        HeldPolls.Poll held = polls.hold(poll("c1", 1, call(1)), answers);
        polls.dropPoller("c1", answers);
        answers.complete();
        assertEquals(PollAnswer.NOTHING_YET, held.answer.join());
        assertEquals(0, polls.size());
    }

    @Test
    void losingLeadershipHandsBackEveryHeldPoll() {
        HeldPolls.Answers answers = new HeldPolls.Answers();
        HeldPolls.Poll a = polls.hold(poll("c1", 1, call(1)), answers);
        HeldPolls.Poll b = polls.hold(poll("c2", 1, call(1), call(2)), answers);
        assertEquals(List.of(a, b), polls.clear().stream().sorted((x, y) -> x.poller.compareTo(y.poller)).toList());
        assertEquals(0, polls.size());
        assertEquals(0, polls.calls());
    }
}
