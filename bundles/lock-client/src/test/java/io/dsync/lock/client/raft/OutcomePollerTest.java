package io.dsync.lock.client.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import io.dsync.lock.LockException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;

/** The client's long-poll without Ratis: one poll carries every waiting call, and each answer reaches its callers. */
class OutcomePollerTest {

    /** A poll sent and the future its answer completes. */
    private record Sent(LockQuery.AwaitOutcomes query, CompletableFuture<PollAnswer> answer) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<Runnable> delayed = new ArrayList<>();
    private final OutcomePoller poller = new OutcomePoller("client-1", q -> {
        CompletableFuture<PollAnswer> answer = new CompletableFuture<>();
        sent.add(new Sent(q, answer));
        return answer;
    }, Duration.ofSeconds(1), delayed::add);

    private static LockQuery.CallRef call(int i) {
        return new LockQuery.CallRef(new SessionId("s" + i), i);
    }

    private static PollAnswer resolved(LockQuery.CallRef call, Outcome outcome) {
        return new PollAnswer(false, List.of(new PollAnswer.CallReply(call, new PollReply.Resolved(outcome))));
    }

    @Test
    void aCallThatStartsWaitingWhileAPollIsHeldGoesOutInASecondPollThatCarriesEveryCall() {
        poller.await(call(1), Duration.ofSeconds(10));
        poller.await(call(2), Duration.ofSeconds(10));
        assertEquals(2, sent.size());
        assertEquals(List.of(call(1)), sent.get(0).query().calls());
        assertEquals(List.of(call(1), call(2)), sent.get(1).query().calls());
        assertTrue(sent.get(1).query().sequence() > sent.get(0).query().sequence(), "the second replaces the first");

        poller.await(call(3), Duration.ofSeconds(10));
        assertEquals(2, sent.size(), "at most two polls in flight");
        sent.get(0).answer().complete(PollAnswer.NOTHING_YET); // replaced on the leader
        assertEquals(3, sent.size());
        assertEquals(List.of(call(1), call(2), call(3)), sent.get(2).query().calls());
    }

    @Test
    void anAnswerCompletesTheCallersOfTheCallsItResolvesAndTheRestArePolledAgain() throws Exception {
        CompletableFuture<PollReply> one = poller.await(call(1), Duration.ofSeconds(10));
        CompletableFuture<PollReply> oneAgain = poller.await(call(1), Duration.ofSeconds(10));
        CompletableFuture<PollReply> two = poller.await(call(2), Duration.ofSeconds(10));
        Outcome.Released outcome = new Outcome.Released(0);
        sent.get(sent.size() - 1).answer().complete(resolved(call(1), outcome));
        assertEquals(new PollReply.Resolved(outcome), one.get());
        assertEquals(new PollReply.Resolved(outcome), oneAgain.get(), "every caller of the call");
        assertFalse(two.isDone());
        assertEquals(List.of(call(2)), sent.get(sent.size() - 1).query().calls(), "polled again for the rest");
    }

    @Test
    void aPollThatMetAFormerLeaderIsSentAgainAfterTheRetryDelay() {
        poller.await(call(1), Duration.ofSeconds(10));
        sent.get(0).answer().complete(PollAnswer.NOT_LEADER);
        assertEquals(1, sent.size(), "not at once");
        assertEquals(1, delayed.size());
        delayed.get(0).run();
        assertEquals(2, sent.size());
        assertEquals(List.of(call(1)), sent.get(1).query().calls());
    }

    @Test
    void aPollThatFoundNoLeaderFailsItsCallers() {
        CompletableFuture<PollReply> one = poller.await(call(1), Duration.ofSeconds(10));
        NoQuorumException failure = new NoQuorumException(Duration.ofSeconds(5), "no leader");
        sent.get(0).answer().completeExceptionally(failure);
        ExecutionException e = assertThrows(ExecutionException.class, one::get);
        assertSame(failure, e.getCause());
        assertEquals(1, sent.size(), "nobody left to poll for");
    }

    @Test
    void aCallerPastItsDeadlineIsToldStillWaitingAndThePollWindowEndsByTheEarliestDeadline() throws Exception {
        assertEquals(new PollReply.StillWaiting(), poller.await(call(1), Duration.ZERO).get());
        assertTrue(sent.isEmpty(), "no poll for a caller that waits no longer");
        poller.await(call(2), Duration.ofMillis(200));
        assertTrue(sent.get(0).query().windowMillis() <= 200, "window " + sent.get(0).query().windowMillis());
    }

    @Test
    void closingFailsTheCallersWaitingAndEveryLaterOneAndSendsNothingMore() {
        CompletableFuture<PollReply> waiting = poller.await(call(1), Duration.ofSeconds(10));
        assertEquals(1, sent.size());
        poller.close();
        // Before, a caller waiting when the client closed (a lock client remade, a bundle stopped) was never answered.
        assertInstanceOf(LockException.class, assertThrows(ExecutionException.class, waiting::get).getCause());
        CompletableFuture<PollReply> later = poller.await(call(2), Duration.ofSeconds(10));
        assertInstanceOf(LockException.class, assertThrows(ExecutionException.class, later::get).getCause());
        sent.get(0).answer().complete(PollAnswer.NOTHING_YET);
        assertEquals(1, sent.size(), "no poll after close");
    }
}
