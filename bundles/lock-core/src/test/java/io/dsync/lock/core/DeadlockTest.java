package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.deadlock;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.queued;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/** Deadlock detection: the request that closes a cycle is refused with that cycle, nothing else changes. */
class DeadlockTest {

    private final Harness h = new Harness();
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");

    @Test
    void twoPartyDeadlockRejectsTheRequestThatClosesTheCycle() {
        h.grant(a, "L1", EXCLUSIVE);
        Grant b2 = h.grant(b, "L2", EXCLUSIVE);
        queued(h.acquire(a, "L2", EXCLUSIVE));
        byte[] before = h.machine.snapshot();
        WaitForCycle cycle = deadlock(h.acquire(b, "L1", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(b, "L1", EXCLUSIVE, a), new WaitEdge(a, "L2", EXCLUSIVE, b)),
                cycle.edges());
        assertEquals(List.of(b, a), cycle.sessions());
        assertArrayEquals(before, h.machine.snapshot(), "the rejected request changed nothing");
        // The victim breaks the deadlock by releasing; the other session proceeds.
        h.release(b2);
        assertEquals("L2", h.grantedEffect(a).lockName());
    }

    @Test
    void nPartyDeadlockReportsTheWholeCycleInOrder() {
        int n = 6;
        List<SessionId> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(h.open("p" + i));
            h.grant(s.get(i), "R" + i, EXCLUSIVE);
        }
        for (int i = 0; i < n - 1; i++) {
            queued(h.acquire(s.get(i), "R" + (i + 1), EXCLUSIVE));
        }
        WaitForCycle cycle = deadlock(h.acquire(s.get(n - 1), "R0", SHARED));
        assertEquals(n, cycle.edges().size());
        assertEquals(new WaitEdge(s.get(n - 1), "R0", SHARED, s.get(0)), cycle.edges().get(0));
        for (int i = 0; i < n - 1; i++) {
            assertEquals(new WaitEdge(s.get(i), "R" + (i + 1), EXCLUSIVE, s.get(i + 1)), cycle.edges().get(i + 1));
        }
        assertTrue(h.machine.waitForGraph().findCycle().isEmpty());
    }

    @Test
    void sharedHoldersDoNotWaitForEachOther() {
        h.grant(a, "L1", SHARED);
        h.grant(b, "L2", SHARED);
        granted(h.acquire(a, "L2", SHARED));
        granted(h.acquire(b, "L1", SHARED));
    }

    @Test
    void sharedAndExclusiveMixDeadlocks() {
        h.grant(a, "L1", SHARED);
        h.grant(b, "L2", SHARED);
        queued(h.acquire(a, "L2", EXCLUSIVE));
        WaitForCycle cycle = deadlock(h.acquire(b, "L1", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(b, "L1", EXCLUSIVE, a), new WaitEdge(a, "L2", EXCLUSIVE, b)),
                cycle.edges());
    }

    @Test
    void waitingBehindAQueuedWriterCountsAsWaitingForIt() {
        // a holds L1 shared; c waits for L1 exclusive; b holds L2 and a waits for it.
        // b now asks L1 shared: compatible with a's hold, but FIFO puts it behind c, who waits for a,
        // who waits for b. A cycle through a queued request, not only through holders.
        SessionId c = h.open("c");
        h.grant(a, "L1", SHARED);
        queued(h.acquire(c, "L1", EXCLUSIVE));
        h.grant(b, "L2", EXCLUSIVE);
        queued(h.acquire(a, "L2", EXCLUSIVE));
        WaitForCycle cycle = deadlock(h.acquire(b, "L1", SHARED));
        assertEquals(List.of(new WaitEdge(b, "L1", SHARED, c), new WaitEdge(c, "L1", EXCLUSIVE, a),
                new WaitEdge(a, "L2", EXCLUSIVE, b)), cycle.edges());
    }

    @Test
    void cycleThatWouldAppearThroughReleaseOrderIsRefusedWhenTheWaitIsRequested() {
        // x holds L1; b then c queue for L1; c holds L2. If only holders counted, nothing would be
        // wrong until x releases and b is granted L1, at which point c (waiting for L1) would wait
        // for b while b waits for c's L2: a cycle created by a release, with nobody to refuse.
        SessionId x = h.open("x");
        SessionId c = h.open("c");
        Grant x1 = h.grant(x, "L1", EXCLUSIVE);
        queued(h.acquire(b, "L1", EXCLUSIVE));
        h.grant(c, "L2", EXCLUSIVE);
        queued(h.acquire(c, "L1", EXCLUSIVE));
        WaitForCycle cycle = deadlock(h.acquire(b, "L2", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(b, "L2", EXCLUSIVE, c), new WaitEdge(c, "L1", EXCLUSIVE, b)),
                cycle.edges());
        h.release(x1);
        assertEquals(b, h.grantedEffect(b).sessionId());
        assertTrue(h.machine.waitForGraph().findCycle().isEmpty());
    }

    @Test
    void cycleThatWouldAppearThroughLeaseExpiryIsRefusedWhenTheWaitIsRequested() {
        SessionId x = h.open("x", 60_000);
        SessionId c = h.open("c", 60_000);
        granted(h.acquire(x, "L1", EXCLUSIVE, Harness.WAIT, 2_000));
        queued(h.acquire(b, "L1", EXCLUSIVE));
        h.grant(c, "L2", EXCLUSIVE);
        queued(h.acquire(c, "L1", SHARED));
        deadlock(h.acquire(b, "L2", SHARED));
        h.run(new LockCommand.KeepAlive(b));
        ApplyResult expiry = h.tick(2_000);
        assertEquals(Effect.EndCause.LEASE_EXPIRED, ((Effect.GrantEnded) expiry.effects().get(0)).cause());
        assertEquals(List.of(b), holders(h.status("L1")));
        assertTrue(h.machine.waitForGraph().findCycle().isEmpty());
    }

    @Test
    void expiryOfACycleMemberCannotCreateACycle() {
        SessionId c = h.open("c");
        h.grant(a, "L1", EXCLUSIVE);
        h.grant(b, "L2", EXCLUSIVE);
        h.grant(c, "L3", EXCLUSIVE);
        queued(h.acquire(a, "L2", EXCLUSIVE));
        queued(h.acquire(b, "L3", EXCLUSIVE));
        deadlock(h.acquire(c, "L1", EXCLUSIVE));
        // keep a and c alive, let b expire: its hold on L2 goes to a, its wait for L3 is withdrawn.
        h.time += Harness.TTL / 2;
        h.run(new LockCommand.KeepAlive(a));
        h.run(new LockCommand.KeepAlive(c));
        h.tick(Harness.TTL / 2);
        assertEquals(List.of(a), holders(h.status("L2")));
        assertTrue(h.status("L3").waiters().isEmpty());
        assertTrue(h.machine.waitForGraph().edges().isEmpty());
    }

    @Test
    void readerQueuedOnlyBecauseOfAPendingUpgradeWaitsForTheUpgrader() {
        SessionId c = h.open("c");
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        queued(h.upgrade(sa));
        h.grant(c, "M", EXCLUSIVE);
        queued(h.acquire(c, "L", SHARED)); // compatible with both holders, but not with a's upgrade
        assertTrue(h.machine.waitForGraph().edges().contains(new WaitEdge(c, "L", SHARED, a)));
        WaitForCycle cycle = deadlock(h.acquire(a, "M", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(a, "M", EXCLUSIVE, c), new WaitEdge(c, "L", SHARED, a)), cycle.edges());
    }

    @Test
    void sessionWaitingOnTwoLocksIsOneNodeOfTheGraph() {
        SessionId c = h.open("c");
        h.grant(a, "L1", EXCLUSIVE);
        h.grant(b, "L2", EXCLUSIVE);
        queued(h.acquire(c, "L1", EXCLUSIVE));
        queued(h.acquire(c, "L2", EXCLUSIVE));
        h.grant(c, "L3", EXCLUSIVE);
        WaitForCycle cycle = deadlock(h.acquire(b, "L3", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(b, "L3", EXCLUSIVE, c), new WaitEdge(c, "L2", EXCLUSIVE, b)),
                cycle.edges());
    }

    @Test
    void exclusiveRequestBehindOwnSharedRequestIsASelfDeadlock() {
        h.grant(b, "L", EXCLUSIVE);
        queued(h.acquire(a, "L", SHARED));
        WaitForCycle cycle = deadlock(h.acquire(a, "L", EXCLUSIVE));
        assertEquals(List.of(new WaitEdge(a, "L", EXCLUSIVE, a)), cycle.edges());
    }

    @Test
    void sharedRequestBehindOwnExclusiveRequestIsNotADeadlock() {
        Grant held = h.grant(b, "L", EXCLUSIVE);
        queued(h.acquire(a, "L", EXCLUSIVE));
        queued(h.acquire(a, "L", SHARED));
        h.release(held);
        assertEquals(List.of(LockMode.EXCLUSIVE, LockMode.EXCLUSIVE),
                h.grantedEffects().stream().map(Grant::mode).toList());
        assertEquals(2, h.status("L").holders().get(0).holdCount());
    }
}
