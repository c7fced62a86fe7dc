package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static io.dsync.lock.core.Harness.released;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;

/** Mode compatibility, reentrancy, try-acquire and the fencing-token rule. */
class LockModesTest {

    private final Harness h = new Harness();
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");

    @ParameterizedTest(name = "{0} then {1}: second granted = {2}")
    @CsvSource({"SHARED,SHARED,true", "SHARED,EXCLUSIVE,false", "EXCLUSIVE,SHARED,false", "EXCLUSIVE,EXCLUSIVE,false"})
    void everyModeCombinationBetweenTwoSessions(LockMode first, LockMode second, boolean compatible) {
        Grant g1 = h.grant(a, "L", first);
        Outcome o2 = h.acquire(b, "L", second);
        if (compatible) {
            Grant g2 = granted(o2);
            assertTrue(g2.fencingToken() > g1.fencingToken());
            assertEquals(List.of(a, b), holders(h.status("L")));
        } else {
            assertEquals(0, queued(o2));
            assertEquals(List.of(a), holders(h.status("L")));
            assertEquals(0, released(h.release(g1)));
            Grant g2 = h.grantedEffect(b);
            assertEquals(second, g2.mode());
            assertTrue(g2.fencingToken() > g1.fencingToken(), "a later grant has a larger token");
            assertEquals(List.of(b), holders(h.status("L")));
        }
    }

    @ParameterizedTest(name = "holding {0}, try {1}: granted = {2}")
    @CsvSource({"SHARED,SHARED,true", "SHARED,EXCLUSIVE,false", "EXCLUSIVE,SHARED,false", "EXCLUSIVE,EXCLUSIVE,false"})
    void tryAcquireNeverQueues(LockMode held, LockMode requested, boolean grantable) {
        h.grant(a, "L", held);
        Outcome outcome = h.tryAcquire(b, "L", requested);
        if (grantable) {
            granted(outcome);
        } else {
            rejected(outcome, RejectReason.NOT_GRANTABLE);
            assertTrue(h.status("L").waiters().isEmpty());
        }
    }

    @Test
    void tryAcquireDoesNotOvertakeTheQueue() {
        Grant s1 = h.grant(a, "L", SHARED);
        SessionId c = h.open("c");
        h.queue(c, "L", EXCLUSIVE);
        rejected(h.tryAcquire(b, "L", SHARED), RejectReason.NOT_GRANTABLE);
        assertEquals(List.of(a), holders(h.status("L")));
        assertEquals(0, released(h.release(s1)));
        assertEquals(EXCLUSIVE, h.grantedEffect(c).mode());
    }

    @Test
    void zeroWaitTimeoutFailsAtOnceWithTimeout() {
        h.grant(a, "L", EXCLUSIVE);
        rejected(h.acquire(b, "L", SHARED, 0), RejectReason.TIMEOUT);
        assertTrue(h.status("L").waiters().isEmpty());
    }

    @Test
    void reentrantAcquireCountsHoldsAndKeepsTheToken() {
        Grant g1 = h.grant(a, "L", EXCLUSIVE);
        Grant g2 = h.grant(a, "L", EXCLUSIVE);
        Grant g3 = h.grant(a, "L", SHARED); // exclusive covers shared
        assertEquals(List.of(1, 2, 3), List.of(g1.holdCount(), g2.holdCount(), g3.holdCount()));
        assertEquals(g1.fencingToken(), g3.fencingToken());
        assertEquals(EXCLUSIVE, g3.mode());
        h.queue(b, "L", SHARED);
        assertEquals(2, released(h.release(g1)));
        assertEquals(1, released(h.release(g2)));
        assertTrue(h.grantedEffects().isEmpty());
        assertEquals(1, h.status("L").holders().get(0).holdCount());
        assertEquals(0, released(h.release(g3)));
        assertEquals(SHARED, h.grantedEffect(b).mode());
    }

    @Test
    void reentrantAcquireIsGrantedEvenWithWaitersQueued() {
        Grant g1 = h.grant(a, "L", SHARED);
        h.queue(b, "L", EXCLUSIVE);
        Grant g2 = h.grant(a, "L", SHARED);
        assertEquals(2, g2.holdCount());
        assertEquals(g1.fencingToken(), g2.fencingToken());
    }

    @Test
    void reentrantAcquireExtendsTheLeaseToTheLaterExpiry() {
        Grant g1 = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 20_000));
        h.time += 1_000;
        Grant g2 = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 5_000));
        assertEquals(g1.leaseExpiresAtMillis(), g2.leaseExpiresAtMillis(), "a shorter lease does not shorten it");
        Grant g3 = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 60_000));
        assertEquals(h.time + 60_000, g3.leaseExpiresAtMillis());
        assertEquals(60_000, g3.leaseMillis());
    }

    @Test
    void exclusiveAcquireWhileHoldingSharedIsASelfDeadlockAndTryIsNotGrantable() {
        Grant s = h.grant(a, "L", SHARED);
        var cycle = Harness.deadlock(h.acquire(a, "L", EXCLUSIVE));
        assertEquals(1, cycle.edges().size());
        assertEquals(a, cycle.edges().get(0).waiter());
        assertEquals(a, cycle.edges().get(0).holder());
        rejected(h.tryAcquire(a, "L", EXCLUSIVE), RejectReason.NOT_GRANTABLE);
        assertEquals(1, h.status("L").holders().get(0).holdCount());
        assertEquals(s.fencingToken(), h.status("L").holders().get(0).fencingToken());
    }

    @Test
    void fencingTokenIsTheLogIndexOfTheGrant() {
        h.index = 41;
        Grant g = h.grant(a, "L", EXCLUSIVE);
        assertEquals(42, g.fencingToken());
        assertEquals(42, h.status("L").lastFencingToken());
    }

    @Test
    void sharedBatchGrantedByOneEntryGetsDistinctIncreasingTokens() {
        Grant x = h.grant(a, "L", EXCLUSIVE);
        SessionId c = h.open("c");
        SessionId d = h.open("d");
        h.queue(b, "L", SHARED);
        h.queue(c, "L", SHARED);
        h.queue(d, "L", SHARED);
        h.release(x);
        long releaseIndex = h.index;
        List<Grant> grants = h.grantedEffects();
        assertEquals(List.of(b, c, d), grants.stream().map(Grant::sessionId).toList());
        assertEquals(releaseIndex, grants.get(0).fencingToken());
        assertTrue(grants.get(0).fencingToken() < grants.get(1).fencingToken());
        assertTrue(grants.get(1).fencingToken() < grants.get(2).fencingToken());
        Grant next = h.grant(a, "M", EXCLUSIVE);
        assertTrue(next.fencingToken() > grants.get(2).fencingToken(), "the counter is shared by all locks");
    }

    @Test
    void releaseWithAStaleTokenIsNotHeld() {
        Grant first = h.grant(a, "L", EXCLUSIVE);
        h.release(first);
        Grant second = h.grant(a, "L", EXCLUSIVE);
        rejected(h.release(first), RejectReason.NOT_HELD);
        assertEquals(second.fencingToken(), h.status("L").holders().get(0).fencingToken());
        rejected(h.release(new Grant("L", b, EXCLUSIVE, second.fencingToken(), 1, 1000, 0)), RejectReason.NOT_HELD);
    }

    @Test
    void freeLockKeepsItsLastTokenAndUnusedLockReportsZero() {
        Grant g = h.grant(a, "L", SHARED);
        h.release(g);
        LockStatus status = h.status("L");
        assertTrue(status.isFree());
        assertEquals(g.fencingToken(), status.lastFencingToken());
        assertEquals(0, h.status("never-used").lastFencingToken());
        assertTrue(h.machine.locks().isEmpty(), "locks() lists only held or awaited locks");
    }
}
