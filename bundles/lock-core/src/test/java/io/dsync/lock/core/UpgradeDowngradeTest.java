package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.deadlock;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/** Upgrades and downgrades. */
class UpgradeDowngradeTest {

    private final Harness h = new Harness();
    private final SessionId a = h.open("a");
    private final SessionId b = h.open("b");
    private final SessionId c = h.open("c");

    @Test
    void soleSharedHolderUpgradesAtOnceWithANewTokenAndTheSameHoldCount() {
        Grant s1 = h.grant(a, "L", SHARED);
        h.grant(a, "L", SHARED);
        Grant x = granted(h.upgrade(s1));
        assertEquals(EXCLUSIVE, x.mode());
        assertEquals(2, x.holdCount());
        assertTrue(x.fencingToken() > s1.fencingToken());
        assertEquals(x.fencingToken(), h.status("L").lastFencingToken());
        rejected(h.release(s1), RejectReason.NOT_HELD); // the shared handle is of an earlier grant now
    }

    @Test
    void upgradingAnExclusiveHoldReturnsAnEquivalentHandle() {
        Grant x = h.grant(a, "L", EXCLUSIVE);
        assertEquals(x, granted(h.upgrade(x)));
    }

    @Test
    void upgradeWaitsForTheOtherSharedHoldersAndIsNotOvertakenByLaterReaders() {
        Grant sa = h.grant(a, "L", SHARED);
        Grant sb = h.grant(b, "L", SHARED);
        assertEquals(0, queued(h.upgrade(sa)));
        assertEquals(1, queued(h.acquire(c, "L", SHARED)), "later readers queue behind the upgrade");
        LockStatus status = h.status("L");
        LockWaiter up = status.waiters().get(0);
        assertTrue(up.upgrade());
        assertEquals(a, up.sessionId());
        h.release(sb);
        Grant x = h.grantedEffect(a);
        assertEquals(EXCLUSIVE, x.mode());
        assertTrue(x.fencingToken() > sb.fencingToken());
        assertEquals(List.of(a), holders(h.status("L")));
        assertEquals(List.of(c), Harness.waiters(h.status("L")));
    }

    @Test
    void upgradeIsServedBeforeEarlierQueuedWriters() {
        Grant sa = h.grant(a, "L", SHARED);
        Grant sb = h.grant(b, "L", SHARED);
        h.queue(c, "L", EXCLUSIVE);
        queued(h.upgrade(sa));
        h.release(sb);
        assertEquals(EXCLUSIVE, h.grantedEffect(a).mode());
        assertEquals(List.of(c), Harness.waiters(h.status("L")));
    }

    @Test
    void twoSharedHoldersBothUpgradingTheSecondGetsDeadlock() {
        Grant sa = h.grant(a, "L", SHARED);
        Grant sb = h.grant(b, "L", SHARED);
        queued(h.upgrade(sa));
        WaitForCycle cycle = deadlock(h.upgrade(sb));
        assertEquals(List.of(new WaitEdge(b, "L", EXCLUSIVE, a), new WaitEdge(a, "L", EXCLUSIVE, b)), cycle.edges());
        // The victim keeps its shared hold; when it releases, the first upgrade completes.
        assertEquals(List.of(a, b), holders(h.status("L")));
        h.release(sb);
        assertEquals(EXCLUSIVE, h.grantedEffect(a).mode());
    }

    @Test
    void upgradeWithZeroTimeoutFailsAtOnceAndKeepsTheSharedHold() {
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        rejected(h.upgrade(sa, 0), RejectReason.TIMEOUT);
        assertEquals(SHARED, h.status("L").holders().get(0).mode());
        assertTrue(h.status("L").waiters().isEmpty());
    }

    @Test
    void upgradeTimeoutKeepsTheSharedHoldAndUnblocksReaders() {
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        LockCommand.Upgrade up = new LockCommand.Upgrade(a, h.call(), "L", sa.fencingToken(), 5_000);
        queued(h.run(up));
        queued(h.acquire(c, "L", SHARED));
        ApplyResult r = h.tick(5_000);
        assertEquals(new Effect.WaitCompleted(a, up.callId(),
                Outcome.Rejected.of(RejectReason.TIMEOUT, "timed out after 5s waiting for upgrade of lock 'L'")),
                r.effects().get(0));
        assertEquals(SHARED, h.grantedEffect(c).mode(), "the reader blocked by the upgrade gets in");
        assertEquals(sa.fencingToken(), h.status("L").holders().get(0).fencingToken());
    }

    @Test
    void releasingTheSharedHoldWithdrawsThePendingUpgrade() {
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        LockCommand.Upgrade up = new LockCommand.Upgrade(a, h.call(), "L", sa.fencingToken(), Harness.WAIT);
        queued(h.run(up));
        h.release(sa);
        Effect.WaitCompleted done = (Effect.WaitCompleted) h.last.effects().get(0);
        assertEquals(up.callId(), done.callId());
        rejected(done.outcome(), RejectReason.NOT_HELD);
        assertTrue(h.status("L").waiters().isEmpty());
    }

    @Test
    void cancellingAnUpgradeKeepsTheSharedHold() {
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        LockCommand.Upgrade up = new LockCommand.Upgrade(a, h.call(), "L", sa.fencingToken(), Harness.WAIT);
        queued(h.run(up));
        assertEquals(new Outcome.Cancelled(), h.run(new LockCommand.CancelWait(a, up.callId())));
        assertEquals(List.of(a, b), holders(h.status("L")));
        assertEquals(SHARED, h.status("L").holders().get(0).mode());
    }

    @Test
    void upgradeOfAHandleNotHeldIsRejected() {
        Grant sa = h.grant(a, "L", SHARED);
        h.release(sa);
        rejected(h.upgrade(sa), RejectReason.NOT_HELD);
    }

    @Test
    void downgradeKeepsTokenAndHoldCountAndGrantsTheReadersAtTheHead() {
        Grant x = h.grant(a, "L", EXCLUSIVE);
        h.grant(a, "L", EXCLUSIVE);
        h.queue(b, "L", SHARED);
        h.queue(c, "L", SHARED);
        SessionId d = h.open("d");
        h.queue(d, "L", EXCLUSIVE);
        Grant s = granted(h.downgrade(x));
        assertEquals(SHARED, s.mode());
        assertEquals(x.fencingToken(), s.fencingToken());
        assertEquals(2, s.holdCount());
        assertEquals(List.of(b, c), h.grantedEffects().stream().map(Grant::sessionId).toList());
        assertEquals(List.of(a, b, c), holders(h.status("L")));
        assertEquals(List.of(d), Harness.waiters(h.status("L")));
    }

    @Test
    void downgradingASharedHoldIsANoOp() {
        Grant s = h.grant(a, "L", SHARED);
        assertEquals(s, granted(h.downgrade(s)));
    }

    @Test
    void upgradeThenDowngradeThenUpgradeAgainGetsAnotherNewToken() {
        Grant s = h.grant(a, "L", SHARED);
        Grant x1 = granted(h.upgrade(s));
        Grant s2 = granted(h.downgrade(x1));
        assertEquals(x1.fencingToken(), s2.fencingToken());
        Grant x2 = granted(h.upgrade(s2));
        assertTrue(x2.fencingToken() > x1.fencingToken());
        assertFalse(h.machine.waitForGraph().findCycle().isPresent());
    }
}
