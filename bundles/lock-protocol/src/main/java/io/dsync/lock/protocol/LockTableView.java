package io.dsync.lock.protocol;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * What an operator sees of the lock table: the locks that are held or waited for, the wait-for graph and the latest
 * deadlocks, as applied at one log index. Read through the leader (a {@link LockQuery.Table} query), it is
 * linearizable; read from one replica (the lock server's {@code /lock/replica}), it is that replica's applied state.
 *
 * @param appliedIndex the log index this view reflects
 * @param logTime the log clock (the leader's time stamped into the latest entry), or {@link Instant#EPOCH} before any
 * @param sessions the number of live sessions
 * @param lockCount how many locks are held or waited for, which may exceed {@code locks.size()}
 * @param locks the first of those locks by name, up to the limit asked for
 * @param waitFor the wait-for graph's edges (never a cycle)
 * @param deadlocks the latest deadlocks, oldest first
 */
public record LockTableView(long appliedIndex, Instant logTime, int sessions, int lockCount, List<LockStatus> locks,
        List<WaitEdge> waitFor, List<Deadlock> deadlocks) {

    /** How many deadlocks each replica remembers. */
    public static final int RECENT_DEADLOCKS = 32;

    /**
     * A deadlock as the state machine broke it: the request that would have closed the cycle failed.
     *
     * @param index the log index of the entry that closed the cycle
     * @param at the log time of that entry
     * @param lockName the lock the victim asked for
     * @param victim the session whose request failed with {@link io.dsync.lock.DeadlockException}
     * @param cycle the cycle, starting with the victim's edge
     */
    public record Deadlock(long index, Instant at, String lockName, SessionId victim, WaitForCycle cycle) {

        /**
         * Checks for {@code null}.
         *
         * @param index log index
         * @param at log time
         * @param lockName lock asked for
         * @param victim the failed session
         * @param cycle the cycle
         */
        public Deadlock {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(lockName, "lockName");
            Objects.requireNonNull(victim, "victim");
            Objects.requireNonNull(cycle, "cycle");
        }
    }

    /**
     * Copies the lists.
     *
     * @param appliedIndex applied index
     * @param logTime log clock
     * @param sessions live sessions
     * @param lockCount locks in use
     * @param locks the locks shown
     * @param waitFor the graph
     * @param deadlocks latest deadlocks
     */
    public LockTableView {
        Objects.requireNonNull(logTime, "logTime");
        locks = List.copyOf(locks);
        waitFor = List.copyOf(waitFor);
        deadlocks = List.copyOf(deadlocks);
    }

    /**
     * The union of the groups' tables: the first {@code maxLocks} locks by name, every edge, the latest deadlocks;
     * the applied index is the sum of the groups' (it grows with every commit of any group), the log time the latest,
     * the session count the largest (every session lives in every group).
     *
     * @param views the tables of the groups, at least one
     * @param maxLocks how many locks to list at most
     * @return the union
     */
    public static LockTableView union(List<LockTableView> views, int maxLocks) {
        if (views.size() == 1) {
            return views.get(0);
        }
        long applied = 0;
        Instant logTime = Instant.EPOCH;
        int sessions = 0;
        int lockCount = 0;
        List<LockStatus> locks = new ArrayList<>();
        List<WaitEdge> edges = new ArrayList<>();
        List<Deadlock> deadlocks = new ArrayList<>();
        for (LockTableView v : views) {
            applied += v.appliedIndex();
            logTime = v.logTime().isAfter(logTime) ? v.logTime() : logTime;
            sessions = Math.max(sessions, v.sessions());
            lockCount += v.lockCount();
            locks.addAll(v.locks());
            edges.addAll(v.waitFor());
            deadlocks.addAll(v.deadlocks());
        }
        locks.sort(Comparator.comparing(LockStatus::name));
        deadlocks.sort(Comparator.comparing(Deadlock::at));
        return new LockTableView(applied, logTime, sessions, lockCount, locks.subList(0, Math.min(maxLocks, locks.size())),
                edges, deadlocks.subList(Math.max(0, deadlocks.size() - RECENT_DEADLOCKS), deadlocks.size()));
    }
}
