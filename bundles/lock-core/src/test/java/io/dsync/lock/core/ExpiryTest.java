package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;

/** Session TTLs, grant leases and wait timeouts, all decided by the log's clock. */
class ExpiryTest {

    private final Harness h = new Harness();

    @Test
    void sessionExpiryReleasesItsLocksCancelsItsWaitsAndGrantsOthers() {
        SessionId a = h.open("a", 5_000);
        SessionId b = h.open("b", 60_000);
        SessionId c = h.open("c", 60_000);
        Grant a1 = h.grant(a, "L1", EXCLUSIVE);
        h.grant(c, "L2", EXCLUSIVE);
        LockCommand.Acquire aWaits = h.acquireCommand(a, "L2", SHARED, Harness.WAIT);
        queued(h.run(aWaits));
        queued(h.acquire(b, "L1", SHARED));

        h.tick(4_999);
        assertEquals(List.of(a), holders(h.status("L1")), "not yet: expiry is at exactly TTL");
        ApplyResult r = h.tick(1);
        assertEquals(new Effect.SessionEnded(a, Effect.EndCause.SESSION_EXPIRED), r.effects().get(0));
        Effect.WaitCompleted cancelled = (Effect.WaitCompleted) r.effects().get(1);
        assertEquals(aWaits.callId(), cancelled.callId());
        rejected(cancelled.outcome(), RejectReason.SESSION_EXPIRED);
        Effect.GrantEnded lost = (Effect.GrantEnded) r.effects().get(2);
        assertEquals(a1.fencingToken(), lost.grant().fencingToken());
        assertEquals(Effect.EndCause.SESSION_EXPIRED, lost.cause());
        assertEquals(b, h.grantedEffect(b).sessionId());
        assertEquals(4, r.effects().size());
        assertTrue(h.status("L2").waiters().isEmpty());
        rejected(h.release(a1), RejectReason.SESSION_EXPIRED);
        rejected(h.run(new LockCommand.KeepAlive(a)), RejectReason.SESSION_EXPIRED);
        assertEquals(List.of(b, c), h.machine.sessions());
    }

    @Test
    void anOutageCountsAgainstNeitherSessionsNorLeases() {
        Harness g = new Harness(new LockStateMachine(LockStateMachine.Limits.DEFAULT, 2_000));
        SessionId a = g.open("a", 5_000);
        SessionId b = g.open("b", 60_000);
        granted(g.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 3_000));
        g.tick(1_000);
        // Thirty seconds without any entry: the group had no leader. When it comes back, neither a's 5 s TTL nor the
        // 3 s lease of its grant is over: each has what was left before the outage.
        ApplyResult back = g.tick(30_000);
        assertTrue(back.effects().isEmpty(), back.effects().toString());
        assertEquals(List.of(a), holders(g.status("L")));
        g.tick(1_999);
        assertEquals(List.of(a), holders(g.status("L")));
        ApplyResult leaseEnds = g.tick(1);
        assertEquals(Effect.EndCause.LEASE_EXPIRED, ((Effect.GrantEnded) leaseEnds.effects().get(0)).cause());
        assertTrue(holders(g.status("L")).isEmpty());
        assertEquals(List.of(a, b), g.machine.sessions());
        g.tick(1_999);
        assertEquals(List.of(a, b), g.machine.sessions());
        g.tick(1);
        assertEquals(List.of(b), g.machine.sessions());
    }

    @Test
    void aGapBelowTheOutageThresholdCountsAsUsual() {
        Harness g = new Harness(new LockStateMachine(LockStateMachine.Limits.DEFAULT, 2_000));
        g.open("a", 5_000);
        g.tick(2_000);
        g.tick(2_000);
        g.tick(1_000);
        assertTrue(g.machine.sessions().isEmpty(), "expired after 5 s of gaps of at most 2 s");
    }

    @Test
    void theNextDeadlineIsTheEarliestWaitLeaseOrSessionAndATickBeforeItChangesNothing() {
        assertEquals(Long.MAX_VALUE, h.machine.nextDeadlineMillis(), "nothing can expire without a session");
        assertFalse(h.machine.hasSessions());
        SessionId a = h.open("a", 20_000);
        SessionId b = h.open("b", 60_000);
        assertTrue(h.machine.hasSessions());
        assertEquals(h.time + 20_000, h.machine.nextDeadlineMillis(), "a's TTL");
        granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 8_000));
        assertEquals(h.time + 8_000, h.machine.nextDeadlineMillis(), "the lease");
        queued(h.run(h.acquireCommand(b, "L", EXCLUSIVE, 5_000)));
        long waitEnds = h.time + 5_000;
        assertEquals(waitEnds, h.machine.nextDeadlineMillis(), "b's wait timeout");
        ApplyResult before = h.tick(waitEnds - h.time - 1);
        assertTrue(before.effects().isEmpty(), before.effects().toString());
        ApplyResult at = h.tick(1);
        assertEquals(1, at.effects().size(), at.effects().toString());
        long leaseEnds = h.machine.nextDeadlineMillis();
        assertTrue(h.tick(leaseEnds - h.time - 1).effects().isEmpty());
        assertEquals(Effect.EndCause.LEASE_EXPIRED, ((Effect.GrantEnded) h.tick(1).effects().get(0)).cause());
        h.run(new LockCommand.CloseSession(a));
        h.run(new LockCommand.CloseSession(b));
        assertEquals(Long.MAX_VALUE, h.machine.nextDeadlineMillis());
        assertFalse(h.machine.hasSessions());
    }

    @Test
    void keepAliveExtendsTheSession() {
        SessionId a = h.open("a", 5_000);
        granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 60_000));
        for (int i = 0; i < 10; i++) {
            h.time += 4_000;
            Outcome.SessionLive live = assertInstanceOf(Outcome.SessionLive.class,
                    h.run(new LockCommand.KeepAlive(a)));
            assertEquals(h.time + 5_000, live.expiresAtMillis());
        }
        assertEquals(List.of(a), holders(h.status("L")));
    }

    @Test
    void expiryHappensOnAnyCommandNotOnlyOnTicks() {
        SessionId a = h.open("a", 5_000);
        SessionId b = h.open("b", 60_000);
        h.grant(a, "L", EXCLUSIVE);
        h.time += 5_000;
        ApplyResult r = h.apply(h.acquireCommand(b, "L", EXCLUSIVE, Harness.WAIT));
        assertEquals(new Effect.SessionEnded(a, Effect.EndCause.SESSION_EXPIRED), r.effects().get(0));
        granted(r.outcome());
    }

    @Test
    void closeSessionReleasesLocksAndCancelsWaits() {
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        SessionId c = h.open("c");
        h.grant(a, "L1", EXCLUSIVE);
        h.grant(c, "L2", EXCLUSIVE);
        LockCommand.Acquire waiting = h.acquireCommand(a, "L2", EXCLUSIVE, Harness.WAIT);
        queued(h.run(waiting));
        queued(h.acquire(b, "L1", SHARED));
        ApplyResult r = h.apply(new LockCommand.CloseSession(a));
        assertEquals(new Outcome.Done(), r.outcome());
        assertEquals(new Effect.SessionEnded(a, Effect.EndCause.SESSION_CLOSED), r.effects().get(0));
        assertEquals(new Effect.WaitCompleted(a, waiting.callId(), new Outcome.Cancelled()), r.effects().get(1));
        assertEquals(Effect.EndCause.SESSION_CLOSED, ((Effect.GrantEnded) r.effects().get(2)).cause());
        assertEquals(b, h.grantedEffect(b).sessionId());
        assertEquals(new Outcome.Done(), h.run(new LockCommand.CloseSession(a)), "close is idempotent");
        rejected(h.acquire(a, "L3", SHARED), RejectReason.UNKNOWN_SESSION);
        rejected(h.run(new LockCommand.OpenSession(a, "client-a", Harness.TTL)), RejectReason.UNKNOWN_SESSION);
    }

    @Test
    void leaseExpiryReleasesTheGrantAndLaterCallsOnItSayLeaseExpired() {
        SessionId a = h.open("a", 60_000);
        SessionId b = h.open("b", 60_000);
        Grant g = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 3_000));
        h.grant(a, "L", EXCLUSIVE); // reentrant with the default 30 s lease: extends the lease
        queued(h.acquire(b, "L", EXCLUSIVE));
        h.tick(3_000);
        assertTrue(h.grantedEffects().isEmpty(), "the reentrant acquisition extended the lease");
        ApplyResult r = h.tick(Harness.LEASE - 3_000);
        Effect.GrantEnded ended = (Effect.GrantEnded) r.effects().get(0);
        assertEquals(Effect.EndCause.LEASE_EXPIRED, ended.cause());
        assertEquals(2, ended.grant().holdCount());
        assertEquals(b, h.grantedEffect(b).sessionId());
        rejected(h.release(g), RejectReason.LEASE_EXPIRED);
        rejected(h.renew(g, 5_000), RejectReason.LEASE_EXPIRED);
        rejected(h.upgrade(g), RejectReason.LEASE_EXPIRED);
        rejected(h.downgrade(g), RejectReason.LEASE_EXPIRED);
    }

    @Test
    void renewSetsTheLeaseFromTheLogTimeOfTheRenewal() {
        SessionId a = h.open("a", 60_000);
        Grant g = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 3_000));
        h.time += 2_000;
        Grant renewed = granted(h.renew(g, 3_000));
        assertEquals(h.time + 3_000, renewed.leaseExpiresAtMillis());
        assertEquals(g.fencingToken(), renewed.fencingToken());
        h.tick(2_999);
        assertEquals(List.of(a), holders(h.status("L")));
        Grant shorter = granted(h.renew(g, 1_000));
        assertEquals(h.time + 1_000, shorter.leaseExpiresAtMillis(), "renew may shorten the lease");
        h.tick(1_000);
        assertTrue(h.status("L").isFree());
    }

    @Test
    void waitTimeoutWithdrawsTheRequestAndLetsLaterRequestsIn() {
        SessionId a = h.open("a", 60_000);
        SessionId b = h.open("b", 60_000);
        SessionId c = h.open("c", 60_000);
        h.grant(a, "L", SHARED);
        LockCommand.Acquire writer = h.acquireCommand(b, "L", EXCLUSIVE, 2_000);
        queued(h.run(writer));
        queued(h.acquire(c, "L", SHARED));
        ApplyResult r = h.tick(2_000);
        assertEquals(new Effect.WaitCompleted(b, writer.callId(), Outcome.Rejected.of(RejectReason.TIMEOUT,
                "timed out after 2s waiting for EXCLUSIVE lock 'L'")), r.effects().get(0));
        assertEquals(c, h.grantedEffect(c).sessionId());
        assertEquals(r.effects().get(0).getClass(), Effect.WaitCompleted.class);
        // A retry of the timed-out call returns its final outcome; it is not queued again.
        rejected(h.run(writer), RejectReason.TIMEOUT);
        assertEquals(List.of(a, c), holders(h.status("L")));
    }

    @Test
    void aWaitWhoseDeadlineIsReachedIsNotGrantedByAReleaseAtTheSameInstant() {
        SessionId a = h.open("a", 60_000);
        SessionId b = h.open("b", 60_000);
        Grant g = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 2_000));
        queued(h.acquire(b, "L", EXCLUSIVE, 2_000));
        ApplyResult r = h.tick(2_000);
        rejected(((Effect.WaitCompleted) r.effects().get(0)).outcome(), RejectReason.TIMEOUT);
        assertEquals(g.fencingToken(), ((Effect.GrantEnded) r.effects().get(1)).grant().fencingToken());
        assertTrue(h.status("L").isFree());
    }

    @Test
    void theLogClockNeverRunsBackwards() {
        SessionId a = h.open("a", 5_000);
        h.grant(a, "L", EXCLUSIVE);
        h.time += 4_000;
        h.tick(0);
        h.time -= 60_000; // a new leader with a slow clock
        Outcome.SessionLive live = assertInstanceOf(Outcome.SessionLive.class, h.run(new LockCommand.KeepAlive(a)));
        assertEquals(Harness.START + 4_000 + 5_000, live.expiresAtMillis());
        assertEquals(Harness.START + 4_000, h.machine.clockMillis());
    }
}
