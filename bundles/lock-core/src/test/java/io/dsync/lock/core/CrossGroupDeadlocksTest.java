package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.deadlock;
import static io.dsync.lock.core.Harness.queued;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * Deadlocks across lock groups: finding a cycle in the union of the groups' graphs and choosing its victim
 * ({@link CrossGroupDeadlocks}), and failing the victim's wait in its group ({@link LockCommand.BreakDeadlock}).
 */
class CrossGroupDeadlocksTest {

    private static final SessionId A = new SessionId("a");
    private static final SessionId B = new SessionId("b");
    private static final SessionId C = new SessionId("c");

    @Test
    void noCycleNoBreaking() {
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of(
                List.of(new WaitEdge(A, "x", EXCLUSIVE, B)), List.of(new WaitEdge(B, "y", EXCLUSIVE, C)), List.of())));
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of(List.of(), List.of())));
    }

    @Test
    void aCycleThroughTwoGroupsIsBrokenAtTheGreatestSession() {
        WaitEdge aWaitsB = new WaitEdge(A, "y", EXCLUSIVE, B); // y is in group 1
        WaitEdge bWaitsA = new WaitEdge(B, "x", SHARED, A); // x is in group 0
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(List.of(List.of(bWaitsA), List.of(aWaitsB)))
                .orElseThrow();
        assertEquals(0, found.group());
        assertEquals(bWaitsA, found.victimEdge());
        assertEquals(List.of(bWaitsA, aWaitsB), found.cycle().edges());
    }

    @Test
    void aCycleThroughThreeGroupsIsTheSameWhereverTheSearchEnters() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge bc = new WaitEdge(B, "y", EXCLUSIVE, C);
        WaitEdge ca = new WaitEdge(C, "z", EXCLUSIVE, A);
        List<List<WaitEdge>> groups = List.of(List.of(ab), List.of(bc), List.of(ca, new WaitEdge(C, "w", SHARED, B)));
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(groups).orElseThrow();
        assertEquals(2, found.group());
        assertEquals(C, found.victimEdge().waiter());
        assertEquals(found.victimEdge(), found.cycle().edges().get(0));
        // The lists in another order: the search starts elsewhere, the victim is the same.
        List<List<WaitEdge>> reversed = new ArrayList<>(groups);
        Collections.reverse(reversed);
        CrossGroupDeadlocks.Breaking again = CrossGroupDeadlocks.find(reversed).orElseThrow();
        assertEquals(C, again.victimEdge().waiter());
        assertEquals(0, again.group());
    }

    @Test
    void aCycleWithinOneGroupIsFoundToo() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A);
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(List.of(List.of(), List.of(ab, ba))).orElseThrow();
        assertEquals(1, found.group());
        assertEquals(ba, found.victimEdge());
    }

    @Test
    void breakingFailsTheVictimsWaitWithTheCycleAndGrantsTheNextWaiter() {
        // One group's table: a holds x; b waits for x (its other edge, a waiting for b, is in another group); c waits
        // behind b for x in shared mode.
        Harness h = new Harness();
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        SessionId c = h.open("c");
        Grant held = h.grant(a, "x", SHARED);
        LockCommand.Acquire bWaits = h.acquireCommand(b, "x", EXCLUSIVE, 60_000);
        queued(h.run(bWaits));
        queued(h.acquire(c, "x", SHARED));
        WaitForCycle cycle = new WaitForCycle(List.of(new WaitEdge(b, "x", EXCLUSIVE, a), new WaitEdge(a, "y", EXCLUSIVE, b)));
        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(b, "x", cycle));
        assertInstanceOf(Outcome.Done.class, result.outcome());
        Outcome bFinal = null;
        for (Effect e : result.effects()) {
            if (e instanceof Effect.WaitCompleted w && w.sessionId().equals(b)) {
                bFinal = w.outcome();
            }
        }
        assertEquals(cycle, deadlock(bFinal));
        assertEquals(Optional.of(Outcome.Rejected.deadlock(cycle)), h.machine.completedCall(b, bWaits.callId()));
        assertEquals("x", h.grantedEffect(c).lockName(), "c no longer waits behind b");
        assertTrue(h.machine.waitForGraph().edges().isEmpty());
        assertEquals(2, h.status("x").holders().size());
        h.release(held);
    }

    @Test
    void breakingAPendingUpgradeFailsTheUpgrade() {
        Harness h = new Harness();
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        Grant aShared = h.grant(a, "x", SHARED);
        h.grant(b, "x", SHARED);
        queued(h.upgrade(aShared, 60_000));
        WaitForCycle cycle = new WaitForCycle(List.of(new WaitEdge(a, "x", EXCLUSIVE, b), new WaitEdge(b, "y", EXCLUSIVE, a)));
        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(a, "x", cycle));
        Outcome aFinal = result.effects().stream().filter(e -> e instanceof Effect.WaitCompleted w && w.sessionId().equals(a))
                .map(e -> ((Effect.WaitCompleted) e).outcome()).findFirst().orElseThrow();
        assertEquals(cycle, deadlock(aFinal));
        assertEquals(2, h.status("x").holders().size(), "both still hold x shared");
    }

    @Test
    void breakingAWaitThatEndedChangesNothing() {
        Harness h = new Harness();
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        Grant held = h.grant(a, "x", EXCLUSIVE);
        queued(h.acquire(b, "x", EXCLUSIVE));
        h.release(held); // b is granted x
        WaitForCycle cycle = new WaitForCycle(List.of(new WaitEdge(b, "x", EXCLUSIVE, a), new WaitEdge(a, "y", EXCLUSIVE, b)));
        byte[] before = h.machine.snapshot();
        ApplyResult result = h.apply(new LockCommand.BreakDeadlock(b, "x", cycle));
        assertInstanceOf(Outcome.Done.class, result.outcome());
        assertTrue(result.effects().isEmpty());
        assertArrayEquals(before, h.machine.snapshot());
        // An unknown session: nothing either.
        assertTrue(h.apply(new LockCommand.BreakDeadlock(new SessionId("gone"), "x", cycle)).effects().isEmpty());
    }
}
