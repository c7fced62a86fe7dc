package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;

/** Retries by (session, call id) return the original outcome and never apply twice. */
class IdempotencyTest {

    private final Harness h = new Harness();
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");

    @Test
    void retriedAcquireReturnsTheOriginalGrantAndDoesNotCountTwice() {
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        Grant first = granted(h.run(acquire));
        byte[] before = h.machine.snapshot();
        h.index += 7; // the retry lands at a later index, after a leader change
        assertEquals(first, granted(h.run(acquire)));
        assertArrayEquals(before, h.machine.snapshot());
        assertEquals(1, h.status("L").holders().get(0).holdCount());
    }

    @Test
    void retriedReleaseDoesNotReleaseTwice() {
        h.grant(a, "L", SHARED);
        Grant g = h.grant(a, "L", SHARED);
        LockCommand.Release release = new LockCommand.Release(a, h.call(), "L", g.fencingToken());
        assertEquals(new Outcome.Released(1), h.run(release));
        assertEquals(new Outcome.Released(1), h.run(release));
        assertEquals(1, h.status("L").holders().get(0).holdCount());
    }

    @Test
    void retryOfAWaitingCallReportsItQueuedAndRetryAfterTheGrantReturnsTheGrant() {
        Grant held = h.grant(b, "L", EXCLUSIVE);
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        assertEquals(0, queued(h.run(acquire)));
        assertEquals(0, queued(h.run(acquire)));
        assertEquals(1, h.status("L").waiters().size(), "queued once");
        h.release(held);
        Grant grant = h.grantedEffect(a);
        assertEquals(grant, granted(h.run(acquire)));
        assertEquals(1, h.status("L").holders().get(0).holdCount());
    }

    @Test
    void cancelIsIdempotentAndACancelledCallStaysCancelled() {
        h.grant(b, "L", EXCLUSIVE);
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        queued(h.run(acquire));
        LockCommand.CancelWait cancel = new LockCommand.CancelWait(a, acquire.callId());
        assertEquals(new Outcome.Cancelled(), h.run(cancel));
        assertEquals(new Outcome.Cancelled(), h.run(cancel));
        assertEquals(new Outcome.Cancelled(), h.run(acquire), "a retried acquire is not queued again");
        assertTrue(h.status("L").waiters().isEmpty());
        rejected(h.run(new LockCommand.CancelWait(a, 999_999)), RejectReason.NOT_WAITING);
    }

    @Test
    void cancelOfACallThatWasAlreadyGrantedReturnsTheGrantSoTheAdapterCanUndoIt() {
        Grant held = h.grant(b, "L", EXCLUSIVE);
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        queued(h.run(acquire));
        h.release(held);
        Grant grant = h.grantedEffect(a);
        assertEquals(grant, granted(h.run(new LockCommand.CancelWait(a, acquire.callId()))));
    }

    @Test
    void directlyRejectedCallsAreNotRememberedSoARetryIsEvaluatedAgain() {
        Grant held = h.grant(b, "L", EXCLUSIVE);
        LockCommand.Acquire tryAcquire = new LockCommand.Acquire(a, h.call(), "L", EXCLUSIVE, 5_000, 0, true);
        rejected(h.run(tryAcquire), RejectReason.NOT_GRANTABLE);
        h.release(held);
        granted(h.run(tryAcquire));
        assertEquals(1, h.status("L").holders().get(0).holdCount());
    }

    @Test
    void retriedOpenSessionReturnsTheSameSessionAndAConflictingOneIsRejected() {
        LockCommand.OpenSession open = new LockCommand.OpenSession(new SessionId("c"), "client-c", 5_000);
        Outcome first = h.run(open);
        h.time += 1_000;
        assertEquals(first, h.run(open));
        rejected(h.run(new LockCommand.OpenSession(new SessionId("c"), "other-client", 5_000)), RejectReason.INVALID);
    }

    @Test
    void rememberedCallsAreBoundedPerSession() {
        Harness small = new Harness(new LockStateMachine(new LockStateMachine.Limits(3, 1, 1)));
        SessionId s = small.open("s");
        LockCommand.Acquire oldest = small.acquireCommand(s, "L0", EXCLUSIVE, Harness.WAIT);
        granted(small.run(oldest));
        for (int i = 1; i <= 3; i++) {
            small.grant(s, "L" + i, EXCLUSIVE);
        }
        // The first call was forgotten: its retry is a new acquisition (reentrant here).
        assertEquals(2, granted(small.run(oldest)).holdCount());
    }

    @Test
    void aSettledSessionAnswersARetryAfterMoreCallsThanTheCountKeeps() {
        Harness small = new Harness(new LockStateMachine(new LockStateMachine.Limits(3, 1, 1, 100, 50)));
        SessionId s = small.open("s");
        LockCommand.Acquire oldest = small.acquireCommand(s, "L0", EXCLUSIVE, Harness.WAIT);
        assertEquals(new Outcome.Done(), small.run(new LockCommand.Settle(s, oldest.callId())));
        Grant first = granted(small.run(oldest));
        for (int i = 1; i <= 10; i++) {
            small.grant(s, "L" + i, EXCLUSIVE);
        }
        // Without the mark the session would keep 3 outcomes, and the retry would be granted again (reentrant).
        assertEquals(first, granted(small.run(oldest)));
        assertEquals(1, small.status("L0").holders().get(0).holdCount());
    }

    @Test
    void aCallBelowTheSettleMarkIsForgottenAndRefusedNotAppliedAgain() {
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        granted(h.run(acquire));
        h.run(new LockCommand.Settle(a, acquire.callId() + 1));
        assertTrue(h.machine.completedCall(a, acquire.callId()).isEmpty(), "forgotten at the mark");
        rejected(h.run(acquire), RejectReason.INVALID);
        assertEquals(1, h.status("L").holders().get(0).holdCount());
        // A lower mark changes nothing; a call above the mark is carried out.
        h.run(new LockCommand.Settle(a, 1));
        rejected(h.run(acquire), RejectReason.INVALID);
        Grant again = granted(h.run(h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT)));
        assertEquals(2, again.holdCount());
    }

    @Test
    void aSettledSessionKeepsAtMostItsBound() {
        Harness small = new Harness(new LockStateMachine(new LockStateMachine.Limits(3, 1, 1, 100, 5)));
        SessionId s = small.open("s");
        small.run(new LockCommand.Settle(s, 1));
        for (int i = 0; i < 20; i++) {
            small.grant(s, "L" + i, EXCLUSIVE);
        }
        assertEquals(5, small.machine.sessions.get("s").completed.size());
    }

    @Test
    void settleOfAnUnknownSessionIsRefused() {
        rejected(h.run(new LockCommand.Settle(new SessionId("nobody"), 10)), RejectReason.UNKNOWN_SESSION);
    }

    @Test
    void rememberedCallsAreDroppedWithTheSession() {
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        granted(h.run(acquire));
        h.run(new LockCommand.CloseSession(a));
        rejected(h.run(acquire), RejectReason.UNKNOWN_SESSION);
        assertTrue(h.status("L").isFree());
    }

    @Test
    void settledCallsMayNotBeFewerThanCompletedCalls() {
        assertThrows(IllegalArgumentException.class, () -> new LockStateMachine.Limits(10, 1, 1, 1, 9));
    }

    @Test
    void endedSessionsAreRememberedUpToTheLimit() {
        Harness small = new Harness(new LockStateMachine(new LockStateMachine.Limits(8, 8, 2)));
        SessionId s1 = small.open("s1", 2_000);
        small.open("s2", 2_000);
        small.open("s3", 2_000);
        small.tick(2_000);
        rejected(small.run(new LockCommand.KeepAlive(new SessionId("s3"))), RejectReason.SESSION_EXPIRED);
        rejected(small.run(new LockCommand.KeepAlive(s1)), RejectReason.UNKNOWN_SESSION);
    }
}
