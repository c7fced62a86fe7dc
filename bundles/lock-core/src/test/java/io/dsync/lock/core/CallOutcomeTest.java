package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.core.Harness.granted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;

/**
 * What the state machine answers about a call without applying anything ({@link LockStateMachine#completedCall},
 * {@link LockStateMachine#isWaiting}): the long-poll of a waiting client reads it, so it must agree with what a retry
 * of the call's command gets.
 */
class CallOutcomeTest {

    private final Harness h = new Harness(new LockStateMachine(new LockStateMachine.Limits(4, 4, 16)));
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");

    @Test
    void aQueuedCallIsQueuedUntilItsGrantThenGranted() {
        Grant held = h.grant(a, "L", EXCLUSIVE);
        LockCommand.Acquire waiting = h.acquireCommand(b, "L", EXCLUSIVE, Harness.WAIT);
        assertEquals(new Outcome.Queued(0), h.run(waiting));
        assertTrue(h.machine.isWaiting(b, waiting.callId()));
        assertEquals(Optional.empty(), h.machine.completedCall(b, waiting.callId()));
        assertEquals(1, h.machine.waitingCalls());

        h.release(held);
        Grant grant = h.grantedEffect(b);
        assertEquals(Optional.of(new Outcome.Granted(grant)), h.machine.completedCall(b, waiting.callId()));
        assertFalse(h.machine.isWaiting(b, waiting.callId()));
        assertEquals(h.run(waiting), h.machine.completedCall(b, waiting.callId()).orElseThrow(),
                "the answer is what a retry of the command gets");
        assertEquals(0, h.machine.waitingCalls());
    }

    @Test
    void aTimedOutCallAnswersItsTimeout() {
        h.grant(a, "L", EXCLUSIVE);
        LockCommand.Acquire waiting = h.acquireCommand(b, "L", EXCLUSIVE, 1_000);
        h.run(waiting);
        h.tick(1_000);
        Outcome outcome = h.machine.completedCall(b, waiting.callId()).orElseThrow();
        Harness.rejected(outcome, RejectReason.TIMEOUT);
        assertEquals(outcome, h.run(waiting));
    }

    @Test
    void unknownCallsAndCallsOfEndedSessionsAreNotKnown() {
        assertEquals(Optional.empty(), h.machine.completedCall(a, 12345));
        assertFalse(h.machine.isWaiting(a, 12345));
        assertEquals(Optional.empty(), h.machine.completedCall(new SessionId("never-opened"), 1));
        h.grant(a, "L", EXCLUSIVE);
        LockCommand.Acquire waiting = h.acquireCommand(b, "L", EXCLUSIVE, Harness.WAIT);
        h.run(waiting);
        h.run(new LockCommand.CloseSession(b));
        assertEquals(Optional.empty(), h.machine.completedCall(b, waiting.callId()),
                "the session's records end with it: a retry is answered that the session is gone");
        assertFalse(h.machine.isWaiting(b, waiting.callId()));
        Harness.rejected(h.run(waiting), RejectReason.UNKNOWN_SESSION);
        assertEquals(0, h.machine.waitingCalls());
    }

    @Test
    void anOutcomeIsForgottenAfterTheSessionsLimitOfLaterCalls() {
        LockCommand.Acquire first = h.acquireCommand(a, "L0", EXCLUSIVE, Harness.WAIT);
        Grant g = granted(h.run(first));
        assertTrue(h.machine.completedCall(a, first.callId()).isPresent());
        h.release(g);
        for (int i = 1; i <= 3; i++) {
            h.grant(a, "L" + i, EXCLUSIVE);
        }
        assertEquals(Optional.empty(), h.machine.completedCall(a, first.callId()),
                "four later calls completed, with room for four outcomes");
    }
}
