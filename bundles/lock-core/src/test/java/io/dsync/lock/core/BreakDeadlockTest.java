package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static io.dsync.lock.core.Harness.waiters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * {@link LockCommand.BreakDeadlock}: the victim's group fails the victim's waiting request as it fails a request that
 * closes a cycle itself, grants what that unblocks, and changes nothing if the wait is gone. The table here is one
 * group's; the rest of each cycle (the edge back to the victim) is in another group, so it appears only in the
 * command's cycle.
 */
class BreakDeadlockTest {

    private final Harness h = new Harness();
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");
    private final SessionId c = h.open("c");

    /** The cycle {@code waiter -[mode 'lock']-> holder -[EXCLUSIVE 'elsewhere']-> waiter}, through another group. */
    private static WaitForCycle throughAnotherGroup(SessionId waiter, String lock, LockMode mode, SessionId holder) {
        return new WaitForCycle(List.of(new WaitEdge(waiter, lock, mode, holder),
                new WaitEdge(holder, "elsewhere", EXCLUSIVE, waiter)));
    }

    @Test
    void aBrokenAcquireEndsAsADeadlockAndTheNextWaiterIsGranted() {
        Grant held = h.grant(a, "x", SHARED);
        LockCommand.Acquire bWaits = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        assertEquals(0, queued(h.run(bWaits)));
        LockCommand.Acquire cWaits = h.acquireCommand(c, "x", SHARED, Harness.WAIT);
        assertEquals(1, queued(h.run(cWaits)), "c waits behind b's exclusive request");
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);

        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(b, "x", cycle));

        assertEquals(new Outcome.Done(), result.outcome());
        Outcome.Rejected deadlock = Outcome.Rejected.deadlock(cycle);
        Grant cGrant = h.grantedEffect(c);
        // The victim's end first, then what its leaving made grantable.
        assertEquals(List.of(new Effect.WaitCompleted(b, bWaits.callId(), deadlock),
                new Effect.WaitCompleted(c, cWaits.callId(), new Outcome.Granted(cGrant))), result.effects());
        assertEquals(List.of(a, c), holders(h.status("x")));
        assertEquals(List.of(), waiters(h.status("x")));
        // What a poll of the victim's call answers, and a retry of its command: the same deadlock.
        assertFalse(h.machine.isWaiting(b, bWaits.callId()));
        assertEquals(Optional.of(deadlock), h.machine.completedCall(b, bWaits.callId()));
        assertEquals(deadlock, h.run(bWaits));
        assertEquals(new Outcome.Granted(cGrant), h.run(cWaits));
        assertTrue(h.machine.waitForGraph().edges().isEmpty());
        h.release(held);
        assertEquals(List.of(c), holders(h.status("x")));
    }

    @Test
    void aBreakNamingItsCallAndAppliedTwiceFailsNoLaterWaitOfTheSession() {
        h.grant(a, "x", EXCLUSIVE);
        LockCommand.Acquire first = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        queued(h.run(first));
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        WaitEdge edge = cycle.edges().get(0);
        assertEquals(first.callId(), h.machine.waitingCall(edge));
        LockCommand.BreakDeadlock named = new LockCommand.BreakDeadlock(b, "x", cycle, h.machine.waitingCall(edge));
        assertEquals(1, h.apply(named).effects().size());
        // b asks again and waits for the same holder in the same mode: the same edge, another call.
        LockCommand.Acquire second = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        queued(h.run(second));
        assertEquals(second.callId(), h.machine.waitingCall(edge));

        assertEquals(List.of(), h.apply(named).effects(), "applied again (a retry): the named call is gone");
        assertTrue(h.machine.isWaiting(b, second.callId()));
        // The form without a call (earlier versions) would have failed the later wait.
        assertEquals(1, h.apply(new LockCommand.BreakDeadlock(b, "x", cycle)).effects().size());
        assertFalse(h.machine.isWaiting(b, second.callId()));
        assertEquals(0, h.machine.waitingCall(edge));
    }

    @Test
    void theVictimEndsExactlyAsARequestRefusedForADeadlockWithinTheGroup() {
        // Within one group: b holds y and waits for x; a holds x and asks for y, which closes the cycle.
        h.grant(a, "x", EXCLUSIVE);
        h.grant(b, "y", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        Outcome local = h.acquire(a, "y", EXCLUSIVE);
        WaitForCycle cycle = Harness.deadlock(local);
        // The same cycle broken by the detector at b's wait gives b the outcome a got from the group.
        WaitForCycle atB = new WaitForCycle(List.of(cycle.edges().get(1), cycle.edges().get(0)));
        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(b, "x", atB));
        Effect.WaitCompleted ended = (Effect.WaitCompleted) result.effects().get(0);
        assertEquals(Outcome.Rejected.deadlock(atB), ended.outcome());
        assertEquals(((Outcome.Rejected) local).message().replace(cycle.toString(), atB.toString()),
                ((Outcome.Rejected) ended.outcome()).message(), "the message of DeadlockException");
    }

    @Test
    void aBrokenUpgradeEndsAsADeadlockAndTheReadersBehindItAreGranted() {
        Grant aShared = h.grant(a, "x", SHARED);
        Grant bShared = h.grant(b, "x", SHARED);
        LockCommand.Upgrade up = new LockCommand.Upgrade(a, h.call(), "x", aShared.fencingToken(), Harness.WAIT);
        assertEquals(0, queued(h.run(up)));
        assertEquals(1, queued(h.acquire(c, "x", SHARED)), "readers queue behind a pending upgrade");
        WaitForCycle cycle = throughAnotherGroup(a, "x", EXCLUSIVE, b);

        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(a, "x", cycle));

        assertEquals(new Outcome.Done(), result.outcome());
        assertEquals(new Effect.WaitCompleted(a, up.callId(), Outcome.Rejected.deadlock(cycle)),
                result.effects().get(0));
        assertEquals(Optional.of(Outcome.Rejected.deadlock(cycle)), h.machine.completedCall(a, up.callId()));
        assertEquals(SHARED, h.grantedEffect(c).mode());
        assertEquals(2, result.effects().size());
        // a keeps its shared grant, token unchanged; nothing waits any more.
        assertEquals(List.of(a, b, c), holders(h.status("x")));
        assertEquals(aShared.fencingToken(), h.status("x").holders().get(0).fencingToken());
        assertTrue(h.machine.waitForGraph().edges().isEmpty());
        h.release(bShared);
    }

    @Test
    void aWaitThatWasGrantedMeanwhileIsLeftAlone() {
        Grant held = h.grant(a, "x", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        h.release(held);
        h.grantedEffect(b);
        assertChangesNothing(new LockCommand.BreakDeadlock(b, "x", cycle));
    }

    @Test
    void aWaitThatWasCancelledOrTimedOutIsLeftAlone() {
        h.grant(a, "x", EXCLUSIVE);
        LockCommand.Acquire bWaits = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        queued(h.run(bWaits));
        queued(h.acquire(c, "x", EXCLUSIVE, 1_000));
        assertEquals(new Outcome.Cancelled(), h.run(new LockCommand.CancelWait(b, bWaits.callId())));
        assertChangesNothing(new LockCommand.BreakDeadlock(b, "x", throughAnotherGroup(b, "x", EXCLUSIVE, a)));
        assertEquals(Optional.of(new Outcome.Cancelled()), h.machine.completedCall(b, bWaits.callId()));

        h.tick(1_000); // c's wait times out
        rejected(((Effect.WaitCompleted) h.last.effects().get(0)).outcome(), RejectReason.TIMEOUT);
        assertChangesNothing(new LockCommand.BreakDeadlock(c, "x", throughAnotherGroup(c, "x", EXCLUSIVE, a)));
    }

    @Test
    void anEndedOrUnknownSessionOrAnotherLockIsLeftAlone() {
        h.grant(a, "x", EXCLUSIVE);
        h.grant(a, "y", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        queued(h.acquire(c, "x", EXCLUSIVE));
        h.run(new LockCommand.CloseSession(c));
        assertChangesNothing(new LockCommand.BreakDeadlock(c, "x", throughAnotherGroup(c, "x", EXCLUSIVE, a)));
        SessionId gone = new SessionId("never-opened");
        assertChangesNothing(new LockCommand.BreakDeadlock(gone, "x", throughAnotherGroup(gone, "x", EXCLUSIVE, a)));
        // b waits for x, not y.
        assertChangesNothing(new LockCommand.BreakDeadlock(b, "y", throughAnotherGroup(b, "y", EXCLUSIVE, a)));
    }

    @Test
    void aWaitWhoseEdgeChangedIsLeftAlone() {
        // The detector saw b wait for a; a has left and c holds x now, so that cycle is gone.
        Grant aHeld = h.grant(a, "x", SHARED);
        h.grant(c, "x", SHARED);
        queued(h.acquire(b, "x", EXCLUSIVE));
        WaitForCycle seen = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        h.release(aHeld);
        assertEquals(List.of(new WaitEdge(b, "x", EXCLUSIVE, c)), h.machine.waitForGraph().edges());
        assertChangesNothing(new LockCommand.BreakDeadlock(b, "x", seen));
        // A shared request for the edge seen as exclusive is not that wait either.
        assertChangesNothing(new LockCommand.BreakDeadlock(b, "x", throughAnotherGroup(b, "x", SHARED, c)));
    }

    @Test
    void breakingTwiceEndsTheWaitOnce() {
        h.grant(a, "x", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        LockCommand.BreakDeadlock command =
                new LockCommand.BreakDeadlock(b, "x", throughAnotherGroup(b, "x", EXCLUSIVE, a));
        assertEquals(1, h.apply(command).effects().size());
        assertChangesNothing(command);
    }

    @Test
    void ofSeveralCallsWaitingWithTheEdgeTheFirstEnds() {
        h.grant(a, "x", EXCLUSIVE);
        LockCommand.Acquire first = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        LockCommand.Acquire second = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        queued(h.run(first));
        queued(h.run(second));
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(b, "x", cycle));
        assertEquals(List.of(new Effect.WaitCompleted(b, first.callId(), Outcome.Rejected.deadlock(cycle))),
                result.effects());
        assertTrue(h.machine.isWaiting(b, second.callId()));
    }

    @Test
    void aCycleThatDoesNotStartWithTheVictimsWaitIsInvalid() {
        h.grant(a, "x", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        byte[] before = h.machine.snapshot();
        // Starts with a's edge, and names another lock than the cycle's first edge.
        WaitForCycle atA = new WaitForCycle(List.of(cycle.edges().get(1), cycle.edges().get(0)));
        for (LockCommand.BreakDeadlock bad : List.of(new LockCommand.BreakDeadlock(b, "x", atA),
                new LockCommand.BreakDeadlock(b, "z", cycle), new LockCommand.BreakDeadlock(b, "", cycle))) {
            ApplyResult result = h.apply(bad);
            rejected(result.outcome(), RejectReason.INVALID);
            assertEquals(List.of(), result.effects(), bad::toString);
            assertArrayEquals(before, h.machine.snapshot(), bad::toString);
        }
    }

    @Test
    void aRestoredReplicaRemembersTheBrokenCall() {
        h.grant(a, "x", EXCLUSIVE);
        LockCommand.Acquire bWaits = h.acquireCommand(b, "x", EXCLUSIVE, Harness.WAIT);
        queued(h.run(bWaits));
        WaitForCycle cycle = throughAnotherGroup(b, "x", EXCLUSIVE, a);
        h.apply(new LockCommand.BreakDeadlock(b, "x", cycle));
        LockStateMachine restored = new LockStateMachine();
        restored.restore(h.machine.snapshot());
        assertArrayEquals(h.machine.snapshot(), restored.snapshot());
        assertEquals(Optional.of(Outcome.Rejected.deadlock(cycle)), restored.completedCall(b, bWaits.callId()));
    }

    /** Applies the command and checks that it answered {@link Outcome.Done} and changed nothing. */
    private void assertChangesNothing(LockCommand.BreakDeadlock command) {
        byte[] before = h.machine.snapshot();
        ApplyResult result = h.apply(command);
        assertEquals(new Outcome.Done(), result.outcome(), command::toString);
        assertEquals(List.of(), result.effects(), command::toString);
        assertArrayEquals(before, h.machine.snapshot(), command::toString);
    }
}
