package io.dsync.lock.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.ApplyResult;
import io.dsync.lock.core.Effect;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;

/**
 * A {@link LockTransport} over one in-memory {@link LockStateMachine}: what a Raft group of one that never fails would
 * be, with faults a test switches on. Commands apply in submission order at the wall clock (consecutive log indexes);
 * waits for queued calls complete when an applied command resolves them (a tick every 50 ms advances expiries);
 * futures complete on a thread of the transport, as a real one's do.
 *
 * <p>Faults: {@link #partition(boolean)} fails every request with {@link NoQuorumException} and applies nothing, as
 * when no majority answers; {@link #loseAnswers(boolean)} applies commands but fails their futures the same way, as
 * when the answer is lost on the way back; {@link #dropHeldPolls(boolean)} never answers the polls waiting when a call
 * resolves (they end on their timeout with {@link PollReply.StillWaiting}), as when the leader that held them dies.
 * {@link #record()} lists every command the transport applied.
 */
final class InMemoryLockTransport implements LockTransport, AutoCloseable {

    static final Duration QUORUM_TIMEOUT = Duration.ofMillis(500);

    private final LockStateMachine machine = new LockStateMachine();
    private final Map<LockQuery.CallRef, List<CompletableFuture<PollReply>>> waits = new HashMap<>();
    private final List<LockCommand> applied = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "in-memory-lock-transport");
        t.setDaemon(true);
        return t;
    });
    private final Executor completions = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "in-memory-lock-completions");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean partitioned = new AtomicBoolean();
    private final AtomicBoolean answersLost = new AtomicBoolean();
    private final AtomicBoolean heldPollsDropped = new AtomicBoolean();
    private long index;

    InMemoryLockTransport() {
        thread.scheduleWithFixedDelay(() -> apply(new LockCommand.Tick()), 50, 50, TimeUnit.MILLISECONDS);
    }

    /** Cuts the transport off the lock table (every request fails with no quorum), or heals it. */
    void partition(boolean cut) {
        partitioned.set(cut);
    }

    /** Applies commands but loses their answers (the caller sees no quorum), or stops doing so. */
    void loseAnswers(boolean lose) {
        answersLost.set(lose);
    }

    /** Leaves the polls that wait for a call unanswered when it resolves (they time out), or stops doing so. */
    void dropHeldPolls(boolean drop) {
        heldPollsDropped.set(drop);
    }

    /** @return the commands applied so far, ticks left out */
    synchronized List<LockCommand> record() {
        return List.copyOf(applied);
    }

    @Override
    public CompletableFuture<Outcome> submit(LockCommand command) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        thread.execute(() -> {
            if (partitioned.get()) {
                completions.execute(() -> result.completeExceptionally(noQuorum()));
                return;
            }
            Outcome outcome = apply(command);
            if (answersLost.get()) {
                completions.execute(() -> result.completeExceptionally(noQuorum()));
            } else {
                completions.execute(() -> result.complete(outcome));
            }
        });
        return result;
    }

    private synchronized Outcome apply(LockCommand command) {
        ApplyResult r = machine.apply(++index, System.currentTimeMillis(), command);
        if (!(command instanceof LockCommand.Tick)) {
            applied.add(command);
        }
        if (command instanceof LockCommand.CancelWait c && r.outcome() instanceof Outcome.Cancelled) {
            resolve(new LockQuery.CallRef(c.sessionId(), c.callId()), r.outcome());
        }
        for (Effect e : r.effects()) {
            if (e instanceof Effect.WaitCompleted w) {
                resolve(new LockQuery.CallRef(w.sessionId(), w.callId()), w.outcome());
            }
        }
        return r.outcome();
    }

    private void resolve(LockQuery.CallRef call, Outcome outcome) {
        List<CompletableFuture<PollReply>> ws = waits.remove(call);
        if (ws != null && !heldPollsDropped.get()) {
            ws.forEach(f -> completions.execute(() -> f.complete(new PollReply.Resolved(outcome))));
        }
    }

    @Override
    public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
        CompletableFuture<PollReply> result = new CompletableFuture<>();
        thread.execute(() -> {
            if (partitioned.get()) {
                completions.execute(() -> result.completeExceptionally(noQuorum()));
                return;
            }
            synchronized (this) {
                Outcome done = machine.completedCall(sessionId, callId).orElse(null);
                if (done != null) {
                    completions.execute(() -> result.complete(new PollReply.Resolved(done)));
                } else if (!machine.isWaiting(sessionId, callId)) {
                    completions.execute(() -> result.complete(new PollReply.Unknown()));
                } else {
                    waits.computeIfAbsent(new LockQuery.CallRef(sessionId, callId), c -> new ArrayList<>()).add(result);
                    result.completeOnTimeout(new PollReply.StillWaiting(), timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        });
        return result;
    }

    @Override
    public CompletableFuture<LockStatus> status(String lockName) {
        return CompletableFuture.supplyAsync(() -> {
            if (partitioned.get()) {
                throw noQuorum();
            }
            synchronized (this) {
                return machine.status(lockName);
            }
        }, thread);
    }

    @Override
    public CompletableFuture<LockTableView> table(int maxLocks) {
        return CompletableFuture.supplyAsync(() -> {
            synchronized (this) {
                List<LockStatus> locks = machine.locks();
                long clock = machine.clockMillis();
                return new LockTableView(index, clock == Long.MIN_VALUE ? Instant.EPOCH : Instant.ofEpochMilli(clock),
                        machine.sessions().size(),
                        locks.size(), locks.subList(0, Math.min(maxLocks, locks.size())),
                        machine.waitForGraph().edges(), List.of());
            }
        }, thread);
    }

    @Override
    public Duration quorumTimeout() {
        return QUORUM_TIMEOUT;
    }

    private NoQuorumException noQuorum() {
        return new NoQuorumException(QUORUM_TIMEOUT, "partitioned from the lock table (test fault)");
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
