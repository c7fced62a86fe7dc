package io.dsync.lock.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;

/** Free locks are remembered up to a bound, then forgotten oldest first, without ever letting a token go back. */
class FreeLocksTest {

    private static LockStateMachine machine(int freeLocks) {
        return new LockStateMachine(new LockStateMachine.Limits(256, 64, 4096, freeLocks));
    }

    /** Acquires and releases a lock; returns the grant's token. */
    private static long useOnce(Harness h, SessionId s, String lock) {
        Grant g = h.grant(s, lock, LockMode.EXCLUSIVE);
        Harness.released(h.release(g));
        return g.fencingToken();
    }

    @Test
    void theLockFreeTheLongestIsForgottenFirstAndItsTokenBecomesTheBoundOfUnknownLocks() {
        Harness h = new Harness(machine(2));
        SessionId s = h.open("s", 600_000);
        long a = useOnce(h, s, "a");
        long b = useOnce(h, s, "b");
        long c = useOnce(h, s, "c");
        // Free order a, b, c with room for two: a is forgotten; b and c keep their own tokens.
        assertEquals(a, h.status("a").lastFencingToken());
        assertEquals(b, h.status("b").lastFencingToken());
        assertEquals(c, h.status("c").lastFencingToken());
        assertEquals(a, h.status("never-used").lastFencingToken(), "unknown locks report the forgotten bound");

        // Using b again moves it to the end: d's release then forgets c, not b.
        long b2 = useOnce(h, s, "b");
        long d = useOnce(h, s, "d");
        assertEquals(c, h.status("a").lastFencingToken(), "a and c are forgotten: the bound is c's token");
        assertEquals(c, h.status("c").lastFencingToken());
        assertEquals(b2, h.status("b").lastFencingToken());
        assertEquals(d, h.status("d").lastFencingToken());

        // A forgotten lock granted again still gets a larger token than every grant it ever had.
        long a2 = useOnce(h, s, "a");
        assertTrue(a2 > d && a2 > a, a2 + " after " + d);
    }

    @Test
    void locksInUseAreNeverForgottenAndMemoryStaysBounded() {
        Harness h = new Harness(machine(10));
        SessionId holder = h.open("holder", 600_000);
        SessionId waiter = h.open("waiter", 600_000);
        Grant held = h.grant(holder, "held", LockMode.EXCLUSIVE);
        Harness.queued(h.acquire(waiter, "held", LockMode.EXCLUSIVE));
        SessionId s = h.open("s", 600_000);
        for (int i = 0; i < 300; i++) {
            useOnce(h, s, "warm/" + i); // fills the session's bounded memory of completed calls
        }
        byte[] small = h.machine.snapshot();
        for (int i = 0; i < 5_000; i++) {
            useOnce(h, s, "lock/" + i);
        }
        assertEquals(held.fencingToken(), h.status("held").holders().get(0).fencingToken());
        assertEquals(1, h.status("held").waiters().size());
        // 10 free locks remain, as before the 5,000: the snapshot kept its size (longer names aside).
        int grown = h.machine.snapshot().length - small.length;
        assertTrue(grown < 1_000, "the snapshot grew by " + grown + " bytes");
        assertEquals(h.status("lock/4989").lastFencingToken(), h.status("lock/0").lastFencingToken(),
                "lock/0 is forgotten; the bound is the newest forgotten lock's token");
    }

    @Test
    void aRestoredMachineForgetsInTheSameOrder() {
        Harness h = new Harness(machine(3));
        SessionId s = h.open("s", 600_000);
        for (String lock : new String[] {"c", "a", "d", "b", "e"}) {
            useOnce(h, s, lock);
        }
        Harness copy = new Harness(machine(3));
        copy.machine.restore(h.machine.snapshot());
        copy.index = h.index;
        copy.time = h.time;
        copy.nextCall = h.nextCall;
        assertArrayEquals(h.machine.snapshot(), copy.machine.snapshot());
        // Both forget the same lock next (the free order, not the name order, decides).
        useOnce(h, s, "f");
        useOnce(copy, s, "f");
        assertArrayEquals(h.machine.snapshot(), copy.machine.snapshot());
        assertEquals(h.status("d").lastFencingToken(), copy.status("d").lastFencingToken());
    }
}
