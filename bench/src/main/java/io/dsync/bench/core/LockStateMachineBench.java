package io.dsync.bench.core;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.core.Outcome;

/**
 * The lock state machine alone (what every replica does per log entry, no Raft, no I/O): how many entries per second
 * one core applies. {@code dsync bench core} runs it.
 *
 * <ul>
 *   <li>{@code acquireRelease}: an uncontended exclusive acquire and its release, over {@code locks} lock names held
 *       by as many sessions (two entries);</li>
 *   <li>{@code handOver}: the holder of a lock with {@code waiters} queued sessions releases, the head of the queue is
 *       granted, and the released session queues again (two entries; the wait-for graph is checked for a cycle on
 *       the new wait).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LockStateMachineBench {

    @Param({"1000"})
    int locks;

    @Param({"16"})
    int waiters;

    private LockStateMachine machine;
    private SessionId[] sessions;
    private long index;
    private long call;
    private long time = 1_000_000;
    private int next;

    private SessionId[] queue;
    private long holderToken;
    private int holder;

    @Setup(Level.Trial)
    public void setUp() {
        machine = new LockStateMachine();
        sessions = new SessionId[locks];
        for (int i = 0; i < locks; i++) {
            sessions[i] = new SessionId("s-" + i);
            apply(new LockCommand.OpenSession(sessions[i], "bench", 3_600_000));
        }
        queue = new SessionId[waiters + 1];
        for (int i = 0; i <= waiters; i++) {
            queue[i] = new SessionId("q-" + i);
            apply(new LockCommand.OpenSession(queue[i], "bench", 3_600_000));
        }
        holderToken = ((Outcome.Granted) apply(acquire(queue[0], "hot"))).grant().fencingToken();
        for (int i = 1; i <= waiters; i++) {
            apply(acquire(queue[i], "hot"));
        }
        holder = 0;
    }

    private Outcome apply(LockCommand c) {
        return machine.apply(++index, time, c).outcome();
    }

    private LockCommand.Acquire acquire(SessionId s, String lock) {
        return new LockCommand.Acquire(s, ++call, lock, LockMode.EXCLUSIVE, 3_600_000, 3_600_000, false);
    }

    @Benchmark
    public Object acquireRelease() {
        int i = next++ % locks;
        Outcome.Granted g = (Outcome.Granted) apply(acquire(sessions[i], "lock-" + i));
        return apply(new LockCommand.Release(sessions[i], ++call, "lock-" + i, g.grant().fencingToken()));
    }

    @Benchmark
    public Object handOver() {
        SessionId releasing = queue[holder];
        var result = machine.apply(++index, time, new LockCommand.Release(releasing, ++call, "hot", holderToken));
        // The next in the queue is granted by the release: its grant is an effect.
        holder = (holder + 1) % queue.length;
        for (var e : result.effects()) {
            if (e instanceof io.dsync.lock.core.Effect.WaitCompleted w && w.outcome() instanceof Outcome.Granted g) {
                holderToken = g.grant().fencingToken();
            }
        }
        return apply(acquire(releasing, "hot"));
    }
}
