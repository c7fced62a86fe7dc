package io.dsync.lock.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * A seeded random client population: opens and closes sessions, acquires, releases, renews, up- and
 * downgrades, cancels, retries earlier commands, sends invalid commands and lets time pass; and a
 * cross-group deadlock detector that breaks waits, some of them ended already. Choices
 * look at the machine's state (to pick real holders and tokens most of the time) but the sequence is a
 * pure function of the seed and the machine's answers, so it can be replayed on other machines.
 */
final class Workload {

    static final List<String> LOCKS = List.of("a", "b", "c", "d");

    private final Random random;
    private final LockStateMachine machine;
    private final boolean timeOnlyOnTicks;
    private final List<LockCommand> history = new ArrayList<>();
    private final List<long[]> waitingCalls = new ArrayList<>(); // [session index, call id]
    private final List<SessionId> everOpened = new ArrayList<>();
    private final List<Grant> oldHandles = new ArrayList<>();
    private final List<WaitEdge> seenEdges = new ArrayList<>();
    private int sessionCounter;
    private long nextCall = 1;

    long index;
    long time = Harness.START;

    /** Whether the last command returned by {@link #next()} re-sent an earlier one. */
    boolean lastWasRetry;

    Workload(long seed, LockStateMachine machine, boolean timeOnlyOnTicks) {
        this.random = new Random(seed);
        this.machine = machine;
        this.timeOnlyOnTicks = timeOnlyOnTicks;
    }

    /** Advances the log index and, unless only ticks move time, the clock; returns the next command. */
    LockCommand next() {
        index++;
        lastWasRetry = false;
        LockCommand command = choose();
        if (command instanceof LockCommand.Tick) {
            time += random.nextInt(4_000);
        } else if (!timeOnlyOnTicks) {
            int r = random.nextInt(20);
            time += r == 0 ? -random.nextInt(3_000) : r < 10 ? random.nextInt(600) : 0;
        }
        if (!lastWasRetry && !(command instanceof LockCommand.Tick)) {
            history.add(command);
        }
        return command;
    }

    /** Feeds the answer back, to know which calls wait. */
    void observe(LockCommand command, ApplyResult result) {
        if (result.outcome() instanceof Outcome.Queued) {
            long callId = command instanceof LockCommand.Acquire a ? a.callId()
                    : ((LockCommand.Upgrade) command).callId();
            SessionId s = command instanceof LockCommand.Acquire a ? a.sessionId()
                    : ((LockCommand.Upgrade) command).sessionId();
            waitingCalls.add(new long[] {everOpened.indexOf(s), callId});
        }
        if (waitingCalls.size() > 50) {
            waitingCalls.remove(0);
        }
    }

    private LockCommand choose() {
        List<SessionId> live = machine.sessions();
        int dice = random.nextInt(100);
        if (live.isEmpty() || dice < 5 && live.size() < 7) {
            return open();
        }
        SessionId s = live.get(random.nextInt(live.size()));
        if (dice < 8) {
            return new LockCommand.CloseSession(s);
        }
        if (dice < 15) {
            return new LockCommand.KeepAlive(s);
        }
        if (dice < 18) {
            return new LockCommand.Settle(s, settleMark());
        }
        if (dice < 42) {
            return acquire(s);
        }
        if (dice < 72) {
            LockCommand onHold = onHold();
            if (onHold != null) {
                return onHold;
            }
            return acquire(s);
        }
        if (dice < 77 && !waitingCalls.isEmpty()) {
            long[] call = waitingCalls.get(random.nextInt(waitingCalls.size()));
            return new LockCommand.CancelWait(everOpened.get((int) call[0]), call[1]);
        }
        if (dice < 86 && !history.isEmpty()) {
            lastWasRetry = true;
            return history.get(history.size() - 1 - random.nextInt(Math.min(history.size(), 40)));
        }
        if (dice < 89) {
            return invalid(s);
        }
        if (dice < 92) {
            LockCommand breaking = breakDeadlock();
            if (breaking != null) {
                return breaking;
            }
        }
        return new LockCommand.Tick();
    }

    /**
     * A settle mark as a client sends it: below every call that the workload may still retry (the last 40 commands)
     * or withdraw (the waiting calls it knows), sometimes lower.
     */
    private long settleMark() {
        long mark = nextCall;
        for (int i = Math.max(0, history.size() - 40); i < history.size(); i++) {
            LockCommand c = history.get(i);
            long callId = c instanceof LockCommand.Acquire x ? x.callId() : c instanceof LockCommand.Release x
                    ? x.callId() : c instanceof LockCommand.Renew x ? x.callId() : c instanceof LockCommand.Upgrade x
                    ? x.callId() : c instanceof LockCommand.Downgrade x ? x.callId() : Long.MAX_VALUE;
            mark = Math.min(mark, callId);
        }
        for (long[] call : waitingCalls) {
            mark = Math.min(mark, call[1]);
        }
        return Math.max(1, mark - random.nextInt(10));
    }

    /**
     * What the cross-group detector commits: a break of a wait seen now or, a third of the time, seen earlier (granted,
     * cancelled, expired or waiting for someone else since), closed into a cycle by an edge of another group.
     */
    private LockCommand breakDeadlock() {
        List<WaitEdge> current = machine.waitForGraph().edges();
        WaitEdge edge;
        if (!seenEdges.isEmpty() && (current.isEmpty() || random.nextInt(3) == 0)) {
            edge = seenEdges.get(random.nextInt(seenEdges.size()));
        } else if (!current.isEmpty()) {
            edge = current.get(random.nextInt(current.size()));
            seenEdges.add(edge);
            if (seenEdges.size() > 30) {
                seenEdges.remove(0);
            }
        } else {
            return null;
        }
        WaitForCycle cycle = new WaitForCycle(List.of(edge,
                new WaitEdge(edge.holder(), "other-group", LockMode.EXCLUSIVE, edge.waiter())));
        // Half of them name the call as the detector does (the call waiting with the edge now, 0 if none).
        return new LockCommand.BreakDeadlock(edge.waiter(), edge.lockName(), cycle,
                random.nextBoolean() ? machine.waitingCall(edge) : 0);
    }

    private LockCommand open() {
        if (random.nextInt(10) == 0 && !everOpened.isEmpty()) {
            // re-open an old id: a retry if it is live, a rejection if it ended
            SessionId old = everOpened.get(random.nextInt(everOpened.size()));
            return new LockCommand.OpenSession(old, "client-" + old, 3_000 + 1_000L * (everOpened.indexOf(old) % 8));
        }
        SessionId id = new SessionId("s" + sessionCounter++);
        everOpened.add(id);
        return new LockCommand.OpenSession(id, "client-" + id, 3_000 + 1_000L * ((everOpened.size() - 1) % 8));
    }

    private LockCommand acquire(SessionId s) {
        String lock = LOCKS.get(random.nextInt(LOCKS.size()));
        LockMode mode = random.nextInt(3) == 0 ? LockMode.EXCLUSIVE : LockMode.SHARED;
        long lease = 1_000 + random.nextInt(7_000);
        int kind = random.nextInt(10);
        boolean tryOnly = kind == 0;
        long wait = kind == 1 ? 0 : 500 + random.nextInt(20_000);
        return new LockCommand.Acquire(s, nextCall++, lock, mode, lease, wait, tryOnly);
    }

    private LockCommand onHold() {
        List<LockStatus> locks = machine.locks();
        List<LockStatus> held = new ArrayList<>();
        for (LockStatus status : locks) {
            if (!status.holders().isEmpty()) {
                held.add(status);
            }
        }
        if (held.isEmpty()) {
            return null;
        }
        LockStatus status = held.get(random.nextInt(held.size()));
        LockHolder holder = status.holders().get(random.nextInt(status.holders().size()));
        String name = status.name();
        long token = random.nextInt(12) == 0 ? Math.max(1, holder.fencingToken() - 1 - random.nextInt(3))
                : holder.fencingToken();
        SessionId s = holder.sessionId();
        oldHandles.add(new Grant(name, s, holder.mode(), holder.fencingToken(), 1, 1_000, 0));
        if (oldHandles.size() > 30) {
            oldHandles.remove(0);
        }
        if (random.nextInt(6) == 0) {
            // a handle seen earlier: maybe released, re-granted, lost to lease or session expiry
            Grant old = oldHandles.get(random.nextInt(oldHandles.size()));
            name = old.lockName();
            s = old.sessionId();
            token = old.fencingToken();
        }
        int op = random.nextInt(10);
        if (op < 5) {
            return new LockCommand.Release(s, nextCall++, name, token);
        }
        if (op < 7) {
            return new LockCommand.Upgrade(s, nextCall++, name, token,
                    random.nextInt(5) == 0 ? 0 : 500 + random.nextInt(15_000));
        }
        if (op < 8) {
            return new LockCommand.Downgrade(s, nextCall++, name, token);
        }
        return new LockCommand.Renew(s, nextCall++, name, token, 1_000 + random.nextInt(7_000));
    }

    private LockCommand invalid(SessionId s) {
        switch (random.nextInt(6)) {
            case 0:
                return new LockCommand.Acquire(s, nextCall++, "", LockMode.SHARED, 5_000, 1_000, false);
            case 1:
                return new LockCommand.Acquire(s, nextCall++, "a", LockMode.SHARED, 10, 1_000, false);
            case 2:
                return new LockCommand.Acquire(new SessionId("nobody"), nextCall++, "a", LockMode.SHARED, 5_000, 1_000,
                        false);
            case 3:
                return new LockCommand.Release(s, nextCall++, "a", 0);
            case 4:
                return new LockCommand.Upgrade(s, nextCall++, "b", 1, -1);
            default:
                return new LockCommand.OpenSession(new SessionId("x" + sessionCounter), "c", 10);
        }
    }
}
