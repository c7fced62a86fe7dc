package io.dsync.lock.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * Property test: random schedules of a few thousand commands, several seeds, with invariants checked
 * after every step against an independent model built only from the machine's outcomes, effects and
 * public views.
 * <p>
 * Time moves only on ticks here, so a non-tick command has no expiry to apply first and the state
 * right before it is the state after the previous step; that lets the test check that rejected
 * commands change nothing and that deadlock cycles existed at that very moment.
 */
class RandomScheduleTest {

    private static final int STEPS = 4_000;

    /** Key of a call: session and call id. */
    private record Call(SessionId session, long callId) {
    }

    /** A hold as the model sees it. */
    private record ModelHold(LockMode mode, long token, int count) {
    }

    private LockStateMachine machine;
    private final Map<String, Map<SessionId, ModelHold>> model = new TreeMap<>();
    private final Map<String, Long> maxToken = new HashMap<>();
    private final Map<String, Set<Long>> seenTokens = new HashMap<>();
    private final Map<Call, Outcome> finalOutcomes = new HashMap<>();
    private final Set<Call> waiting = new HashSet<>();
    private final Map<RejectReason, Integer> rejections = new EnumMap<>(RejectReason.class);
    private int grants;
    private int deadlocks;
    private int breaks;
    private int staleBreaks;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 1234, 98765})
    void invariantsHoldAfterEveryStep(long seed) {
        // Few free locks kept: locks are forgotten and come back all the time, under the same invariants.
        machine = new LockStateMachine(new LockStateMachine.Limits(1_000_000, 1_000, 1_000, 2));
        Workload workload = new Workload(seed, machine, true);
        for (int step = 0; step < STEPS; step++) {
            List<LockStatus> before = machine.locks();
            byte[] snapshotBefore = machine.snapshot();
            long deadlineBefore = machine.nextDeadlineMillis();
            LockCommand command = workload.next();
            ApplyResult result = machine.apply(workload.index, workload.time, command);
            workload.observe(command, result);
            try {
                if (command instanceof LockCommand.Tick && workload.time < deadlineBefore) {
                    // What lets a leader skip ticks until the next deadline: one before it changes nothing.
                    assertEquals(List.of(), result.effects(), "a tick before the next deadline");
                    assertEquals(before, machine.locks(), "a tick before the next deadline");
                }
                checkStep(command, workload.lastWasRetry, result, before, snapshotBefore, workload.index);
                checkState();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", step " + step + ", command " + command + " -> "
                        + result + "\nbefore: " + before + "\nafter: " + machine.locks() + "\n" + e.getMessage(), e);
            }
        }
        checkCompletedCalls();
        // The schedule must exercise what it claims to test, or passing proves little.
        assertTrue(grants > 300, "grants: " + grants);
        assertTrue(deadlocks > 5, "deadlocks: " + deadlocks);
        assertTrue(breaks > 5, "waits broken by BreakDeadlock: " + breaks);
        assertTrue(staleBreaks > 5, "BreakDeadlock of waits gone: " + staleBreaks);
        for (RejectReason reason : List.of(RejectReason.TIMEOUT, RejectReason.NOT_HELD, RejectReason.INVALID,
                RejectReason.NOT_GRANTABLE, RejectReason.SESSION_EXPIRED, RejectReason.LEASE_EXPIRED)) {
            assertTrue(rejections.getOrDefault(reason, 0) > 0, () -> "never saw " + reason + ": " + rejections);
        }
    }

    private void checkStep(LockCommand command, boolean retry, ApplyResult result, List<LockStatus> before,
            byte[] snapshotBefore, long index) {
        Outcome outcome = result.outcome();
        Call call = callOf(command);
        boolean tick = command instanceof LockCommand.Tick;
        if (outcome instanceof Outcome.Rejected r) {
            rejections.merge(r.reason(), 1, Integer::sum);
        }
        for (Effect effect : result.effects()) {
            if (effect instanceof Effect.WaitCompleted w && w.outcome() instanceof Outcome.Rejected r) {
                rejections.merge(r.reason(), 1, Integer::sum);
            }
        }
        if (!tick) {
            // Nothing is due between ticks, so a command's effects all stem from the command itself.
            if (outcome instanceof Outcome.Rejected r) {
                assertArrayEquals(snapshotBefore, machine.snapshot(), "rejected command changed the state: " + r);
                assertEquals(List.of(), result.effects());
            }
        }
        // Retries of calls whose outcome is final return that outcome and change nothing.
        boolean cancel = command instanceof LockCommand.CancelWait;
        boolean replay = call != null && !cancel && finalOutcomes.containsKey(call);
        if (replay) {
            assertTrue(retry, "a fresh call id hit a remembered outcome");
            assertEquals(finalOutcomes.get(call), outcome, "retry must return the original outcome");
            assertArrayEquals(snapshotBefore, machine.snapshot(), "retry changed the state");
        } else if (call != null && !cancel && waiting.contains(call)) {
            assertInstanceOf(Outcome.Queued.class, outcome, "retry of a waiting call");
            assertArrayEquals(snapshotBefore, machine.snapshot(), "retry of a waiting call changed the state");
        }
        if (cancel && finalOutcomes.containsKey(call)) {
            assertEquals(finalOutcomes.get(call), outcome, "cancel of a completed call returns its outcome");
        }
        // A deadlock answered now was found now, unless it is the remembered end of a wait that BreakDeadlock failed.
        boolean remembered = call != null && finalOutcomes.containsKey(call);
        if (outcome instanceof Outcome.Rejected r && r.reason() == RejectReason.DEADLOCK && !remembered) {
            deadlocks++;
            checkDeadlock(command, r.cycle().orElseThrow(), before);
        }
        if (command instanceof LockCommand.BreakDeadlock b) {
            checkBreak(b, result, before, snapshotBefore);
        }
        if (!replay) {
            applyToModel(command, call, outcome, index);
        }
        Set<SessionId> ended = new HashSet<>();
        for (Effect effect : result.effects()) {
            if (effect instanceof Effect.SessionEnded e) {
                ended.add(e.sessionId());
            }
            applyEffect(effect, index);
        }
        ended.forEach(this::forget);
    }

    private void checkDeadlock(LockCommand command, WaitForCycle cycle, List<LockStatus> before) {
        Set<WaitEdge> graph = IndependentGraph.edges(before);
        WaitEdge first = cycle.edges().get(0);
        Set<WaitEdge> wouldBe;
        if (command instanceof LockCommand.Acquire a) {
            LockStatus status = statusIn(before, a.lockName());
            boolean holdsShared = status.holders().stream()
                    .anyMatch(h -> h.sessionId().equals(a.sessionId()) && h.mode() == LockMode.SHARED);
            wouldBe = holdsShared && a.mode() == LockMode.EXCLUSIVE
                    ? Set.of(new WaitEdge(a.sessionId(), a.lockName(), LockMode.EXCLUSIVE, a.sessionId()))
                    : IndependentGraph.wouldBeAcquireEdges(status, a.sessionId(), a.mode());
            assertEquals(a.sessionId(), first.waiter(), "the victim is the requester");
        } else {
            LockCommand.Upgrade u = assertInstanceOf(LockCommand.Upgrade.class, command);
            wouldBe = IndependentGraph.wouldBeUpgradeEdges(statusIn(before, u.lockName()), u.sessionId());
            assertEquals(u.sessionId(), first.waiter(), "the victim is the requester");
        }
        assertTrue(wouldBe.contains(first), () -> "first edge " + first + " is not a wait of the request " + wouldBe);
        for (WaitEdge edge : cycle.edges().subList(1, cycle.edges().size())) {
            assertTrue(graph.contains(edge), () -> "edge " + edge + " of " + cycle + " was not in the graph " + graph);
        }
    }

    /**
     * A break ends the victim's wait that had the cycle's first edge right before, as a deadlock, then only grants
     * on that lock follow; with no such edge it changes nothing.
     */
    private void checkBreak(LockCommand.BreakDeadlock b, ApplyResult result, List<LockStatus> before,
            byte[] snapshotBefore) {
        assertEquals(new Outcome.Done(), result.outcome());
        WaitEdge edge = b.cycle().edges().get(0);
        boolean namedCallGone = false;
        if (b.callId() != 0) {
            LockStateMachine was = new LockStateMachine(machine.limits);
            was.restore(snapshotBefore);
            namedCallGone = !was.waitsWith(b.victim(), b.callId(), edge);
        }
        if (!IndependentGraph.edges(before).contains(edge) || namedCallGone) {
            staleBreaks++;
            assertEquals(List.of(), result.effects(), "a break of a wait that is gone");
            assertArrayEquals(snapshotBefore, machine.snapshot(), "a break of a wait that is gone changed the state");
            return;
        }
        breaks++;
        Effect.WaitCompleted ended = assertInstanceOf(Effect.WaitCompleted.class, result.effects().get(0));
        assertEquals(b.victim(), ended.sessionId());
        assertEquals(Outcome.Rejected.deadlock(b.cycle()), ended.outcome());
        for (Effect effect : result.effects().subList(1, result.effects().size())) {
            Effect.WaitCompleted granted = assertInstanceOf(Effect.WaitCompleted.class, effect);
            assertEquals(b.lockName(), assertInstanceOf(Outcome.Granted.class, granted.outcome()).grant().lockName());
        }
    }

    private void applyToModel(LockCommand command, Call call, Outcome outcome, long index) {
        if (call == null) {
            return;
        }
        if (command instanceof LockCommand.CancelWait) {
            if (outcome instanceof Outcome.Cancelled) {
                waiting.remove(call);
                finalOutcomes.put(call, outcome);
            }
            return;
        }
        if (outcome instanceof Outcome.Queued) {
            waiting.add(call);
        } else if (outcome instanceof Outcome.Granted g) {
            finalOutcomes.put(call, outcome);
            recordGrant(g.grant(), index);
        } else if (outcome instanceof Outcome.Released r) {
            finalOutcomes.put(call, outcome);
            String lock = ((LockCommand.Release) command).lockName();
            Map<SessionId, ModelHold> holds = model.get(lock);
            ModelHold hold = holds.get(call.session());
            assertEquals(hold.count() - 1, r.remainingHoldCount(), "released count");
            if (r.remainingHoldCount() == 0) {
                holds.remove(call.session());
            } else {
                holds.put(call.session(), new ModelHold(hold.mode(), hold.token(), r.remainingHoldCount()));
            }
        }
    }

    private void applyEffect(Effect effect, long index) {
        if (effect instanceof Effect.WaitCompleted w) {
            Call call = new Call(w.sessionId(), w.callId());
            assertTrue(waiting.remove(call), () -> "completion of a call that was not waiting: " + w);
            finalOutcomes.put(call, w.outcome());
            if (w.outcome() instanceof Outcome.Granted g) {
                recordGrant(g.grant(), index);
            }
        } else if (effect instanceof Effect.GrantEnded e) {
            ModelHold hold = model.getOrDefault(e.grant().lockName(), Map.of()).get(e.grant().sessionId());
            assertEquals(new ModelHold(e.grant().mode(), e.grant().fencingToken(), e.grant().holdCount()), hold,
                    "ended grant");
            model.get(e.grant().lockName()).remove(e.grant().sessionId());
        }
    }

    private void forget(SessionId session) {
        finalOutcomes.keySet().removeIf(c -> c.session().equals(session));
        waiting.removeIf(c -> c.session().equals(session));
        // Holds are removed by the GrantEnded effects; checkState verifies that they all came.
    }

    private void recordGrant(Grant grant, long index) {
        grants++;
        String lock = grant.lockName();
        Set<Long> seen = seenTokens.computeIfAbsent(lock, k -> new HashSet<>());
        ModelHold previous = model.computeIfAbsent(lock, k -> new TreeMap<>(
                (x, y) -> x.value().compareTo(y.value()))).get(grant.sessionId());
        if (!seen.contains(grant.fencingToken())) {
            long max = maxToken.getOrDefault(lock, 0L);
            assertTrue(grant.fencingToken() > max, () -> "new token " + grant.fencingToken()
                    + " not larger than " + max + " for lock " + lock);
            assertTrue(grant.fencingToken() >= index, "a new token is at least the log index of its grant");
            seen.add(grant.fencingToken());
            maxToken.put(lock, grant.fencingToken());
            if (previous != null) {
                assertEquals(LockMode.EXCLUSIVE, grant.mode(), "only an upgrade changes the token of a held lock");
            }
        } else {
            assertFalse(previous != null && previous.mode() == LockMode.SHARED && grant.mode() == LockMode.EXCLUSIVE,
                    () -> "an upgrade kept the token of the shared grant: " + grant);
            assertTrue(previous != null && previous.token() == grant.fencingToken(),
                    () -> "an old token " + grant.fencingToken() + " reappeared for a different grant " + grant);
        }
        model.get(lock).put(grant.sessionId(), new ModelHold(grant.mode(), grant.fencingToken(), grant.holdCount()));
    }

    private void checkState() {
        List<LockStatus> locks = machine.locks();
        Map<String, LockStatus> byName = new HashMap<>();
        for (LockStatus status : locks) {
            byName.put(status.name(), status);
            List<LockHolder> holders = status.holders();
            long exclusive = holders.stream().filter(h -> h.mode() == LockMode.EXCLUSIVE).count();
            assertTrue(exclusive <= 1, "two exclusive holders");
            assertTrue(exclusive == 0 || holders.size() == 1, "shared and exclusive holders together");
            assertEquals(maxToken.getOrDefault(status.name(), 0L), status.lastFencingToken(), "lastFencingToken");
            Set<Long> tokens = new HashSet<>();
            for (LockHolder h : holders) {
                assertTrue(tokens.add(h.fencingToken()), "two holders share a token");
            }
            checkNothingGrantable(status);
        }
        // The model built from outcomes and effects matches the table: every lost hold was reported.
        for (Map.Entry<String, Map<SessionId, ModelHold>> entry : model.entrySet()) {
            LockStatus status = byName.get(entry.getKey());
            Map<SessionId, ModelHold> actual = new HashMap<>();
            if (status != null) {
                for (LockHolder h : status.holders()) {
                    actual.put(h.sessionId(), new ModelHold(h.mode(), h.fencingToken(), h.holdCount()));
                }
            }
            assertEquals(entry.getValue(), actual, "holders of " + entry.getKey());
        }
        Set<WaitEdge> independent = IndependentGraph.edges(locks);
        assertEquals(independent, new HashSet<>(machine.waitForGraph().edges()), "wait-for graph");
        assertFalse(IndependentGraph.hasCycle(independent), "the wait-for graph has a cycle");
        assertTrue(machine.waitForGraph().findCycle().isEmpty());
        int queued = 0;
        for (LockStatus status : locks) {
            queued += status.waiters().size();
        }
        assertEquals(waiting.size(), queued, "waiting calls known from outcomes vs queued requests");
        // What a long-poll asks, without applying anything, agrees with the outcomes and effects seen.
        assertEquals(waiting.size(), machine.waitingCalls(), "waiting calls counted by the machine");
        for (Call call : waiting) {
            assertTrue(machine.isWaiting(call.session(), call.callId()), () -> call + " waits");
            assertTrue(machine.completedCall(call.session(), call.callId()).isEmpty(), () -> call + " has no outcome yet");
        }
    }

    /** Every final outcome seen is the one the machine answers about the call (the limits here forget none). */
    private void checkCompletedCalls() {
        finalOutcomes.forEach((call, outcome) -> {
            assertEquals(Optional.of(outcome), machine.completedCall(call.session(), call.callId()), call::toString);
            assertFalse(machine.isWaiting(call.session(), call.callId()), call::toString);
        });
    }

    private static void checkNothingGrantable(LockStatus status) {
        List<LockWaiter> waiters = status.waiters();
        if (waiters.isEmpty()) {
            return;
        }
        Set<SessionId> holders = new HashSet<>();
        status.holders().forEach(h -> holders.add(h.sessionId()));
        LockWaiter head = waiters.get(0);
        if (head.upgrade()) {
            assertFalse(holders.size() == 1, "a pending upgrade whose session is the only holder");
            return;
        }
        for (LockWaiter w : waiters) {
            assertFalse(holders.contains(w.sessionId()), "a holder waits in the queue of its own lock");
        }
        boolean compatible = status.holders().stream()
                .allMatch(h -> h.mode() == LockMode.SHARED && head.mode() == LockMode.SHARED);
        if (compatible) {
            fail("the head of the queue is grantable but waits: " + status);
        }
    }

    private static LockStatus statusIn(List<LockStatus> locks, String name) {
        for (LockStatus status : locks) {
            if (status.name().equals(name)) {
                return status;
            }
        }
        return new LockStatus(name, List.of(), List.of(), 0);
    }

    private static Call callOf(LockCommand command) {
        if (command instanceof LockCommand.Acquire c) {
            return new Call(c.sessionId(), c.callId());
        } else if (command instanceof LockCommand.Release c) {
            return new Call(c.sessionId(), c.callId());
        } else if (command instanceof LockCommand.Renew c) {
            return new Call(c.sessionId(), c.callId());
        } else if (command instanceof LockCommand.Upgrade c) {
            return new Call(c.sessionId(), c.callId());
        } else if (command instanceof LockCommand.Downgrade c) {
            return new Call(c.sessionId(), c.callId());
        } else if (command instanceof LockCommand.CancelWait c) {
            return new Call(c.sessionId(), c.callId());
        }
        return null;
    }
}
