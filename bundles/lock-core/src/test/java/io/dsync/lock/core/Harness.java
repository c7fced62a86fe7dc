package io.dsync.lock.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitForCycle;

/**
 * Drives a {@link LockStateMachine} like the Raft adapter would: consecutive log indexes, a log clock
 * that the test advances explicitly, unique call ids. Helpers assert the shape of outcomes so that
 * tests read like scenarios.
 */
final class Harness {

    static final long START = 1_700_000_000_000L;
    static final long TTL = 10_000;
    static final long LEASE = 30_000;
    static final long WAIT = 60_000;

    final LockStateMachine machine;
    long index;
    long time = START;
    long nextCall = 1;
    ApplyResult last;

    Harness() {
        this(new LockStateMachine());
    }

    Harness(LockStateMachine machine) {
        this.machine = machine;
    }

    ApplyResult apply(LockCommand command) {
        last = machine.apply(++index, time, command);
        return last;
    }

    Outcome run(LockCommand command) {
        return apply(command).outcome();
    }

    ApplyResult tick(long millis) {
        time += millis;
        return apply(new LockCommand.Tick());
    }

    SessionId open(String id) {
        return open(id, TTL);
    }

    SessionId open(String id, long ttl) {
        SessionId sid = new SessionId(id);
        Outcome outcome = run(new LockCommand.OpenSession(sid, "client-" + id, ttl));
        assertInstanceOf(Outcome.SessionLive.class, outcome, () -> "open " + id);
        return sid;
    }

    long call() {
        return nextCall++;
    }

    LockCommand.Acquire acquireCommand(SessionId s, String lock, LockMode mode, long wait) {
        return new LockCommand.Acquire(s, call(), lock, mode, LEASE, wait, false);
    }

    Outcome acquire(SessionId s, String lock, LockMode mode) {
        return acquire(s, lock, mode, WAIT);
    }

    Outcome acquire(SessionId s, String lock, LockMode mode, long wait) {
        return run(acquireCommand(s, lock, mode, wait));
    }

    Outcome acquire(SessionId s, String lock, LockMode mode, long wait, long lease) {
        return run(new LockCommand.Acquire(s, call(), lock, mode, lease, wait, false));
    }

    Outcome tryAcquire(SessionId s, String lock, LockMode mode) {
        return run(new LockCommand.Acquire(s, call(), lock, mode, LEASE, 0, true));
    }

    Grant grant(SessionId s, String lock, LockMode mode) {
        return granted(acquire(s, lock, mode));
    }

    int queue(SessionId s, String lock, LockMode mode) {
        return queued(acquire(s, lock, mode));
    }

    Outcome release(Grant g) {
        return run(new LockCommand.Release(g.sessionId(), call(), g.lockName(), g.fencingToken()));
    }

    Outcome renew(Grant g, long lease) {
        return run(new LockCommand.Renew(g.sessionId(), call(), g.lockName(), g.fencingToken(), lease));
    }

    Outcome upgrade(Grant g) {
        return upgrade(g, WAIT);
    }

    Outcome upgrade(Grant g, long wait) {
        return run(new LockCommand.Upgrade(g.sessionId(), call(), g.lockName(), g.fencingToken(), wait));
    }

    Outcome downgrade(Grant g) {
        return run(new LockCommand.Downgrade(g.sessionId(), call(), g.lockName(), g.fencingToken()));
    }

    LockStatus status(String lock) {
        return machine.status(lock);
    }

    /** The grants reported by the last apply's effects, in order. */
    List<Grant> grantedEffects() {
        List<Grant> grants = new ArrayList<>();
        for (Effect effect : last.effects()) {
            if (effect instanceof Effect.WaitCompleted w && w.outcome() instanceof Outcome.Granted g) {
                grants.add(g.grant());
            }
        }
        return grants;
    }

    /** The single grant reported for a session by the last apply's effects. */
    Grant grantedEffect(SessionId s) {
        Grant found = null;
        for (Grant g : grantedEffects()) {
            if (g.sessionId().equals(s)) {
                if (found != null) {
                    fail("two grants for " + s + " in " + last);
                }
                found = g;
            }
        }
        if (found == null) {
            fail("no grant for " + s + " in " + last);
        }
        return found;
    }

    static Grant granted(Outcome outcome) {
        return assertInstanceOf(Outcome.Granted.class, outcome, () -> "expected a grant, got " + outcome).grant();
    }

    static int queued(Outcome outcome) {
        return assertInstanceOf(Outcome.Queued.class, outcome, () -> "expected queued, got " + outcome).position();
    }

    static Outcome.Rejected rejected(Outcome outcome, RejectReason reason) {
        Outcome.Rejected r = assertInstanceOf(Outcome.Rejected.class, outcome,
                () -> "expected " + reason + ", got " + outcome);
        assertEquals(reason, r.reason(), () -> "wrong reason: " + r);
        return r;
    }

    static WaitForCycle deadlock(Outcome outcome) {
        return rejected(outcome, RejectReason.DEADLOCK).cycle().orElseThrow();
    }

    static int released(Outcome outcome) {
        return assertInstanceOf(Outcome.Released.class, outcome, () -> "expected released, got " + outcome)
                .remainingHoldCount();
    }

    static List<SessionId> holders(LockStatus status) {
        List<SessionId> ids = new ArrayList<>();
        status.holders().forEach(h -> ids.add(h.sessionId()));
        return ids;
    }

    static List<SessionId> waiters(LockStatus status) {
        List<SessionId> ids = new ArrayList<>();
        status.waiters().forEach(w -> ids.add(w.sessionId()));
        return ids;
    }
}
