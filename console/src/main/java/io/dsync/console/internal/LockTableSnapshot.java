package io.dsync.console.internal;

import java.time.Instant;
import java.util.List;

/**
 * The lock table as {@code GET /lock/table} answers it (read through the lock group's leader, so linearizable), in
 * plain values for the Locks view. Immutable.
 *
 * @param appliedIndex the Raft index the answer reflects
 * @param logTime the lock group's time at that index (leases are in this time), or {@code null} before the first tick
 * @param sessions how many sessions are open in the whole table
 * @param lockCount how many locks are in use in the whole table (may exceed {@code locks.size()})
 * @param locks the locks listed, at most the {@code max} asked for
 * @param waitFor the wait-for graph's edges: a waiting session, the lock, the session it waits for
 * @param deadlocks the latest deadlocks the lock group broke, newest last as the node lists them
 */
record LockTableSnapshot(long appliedIndex, Instant logTime, int sessions, int lockCount, List<Lock> locks, List<Edge> waitFor,
        List<Deadlock> deadlocks) {

    LockTableSnapshot {
        locks = List.copyOf(locks);
        waitFor = List.copyOf(waitFor);
        deadlocks = List.copyOf(deadlocks);
    }

    /** @return whether the table has more locks in use than were listed */
    boolean truncated() {
        return lockCount > locks.size();
    }

    /** A lock in use. */
    record Lock(String name, long lastFencingToken, List<Holder> holders, List<Waiter> waiters) {
        Lock {
            holders = List.copyOf(holders);
            waiters = List.copyOf(waiters);
        }
    }

    /** A session holding a lock; {@code leaseExpiresAt} in the lock group's log time. */
    record Holder(String session, String mode, long fencingToken, int holdCount, Instant leaseExpiresAt) {
    }

    /** A session waiting for a lock, in FIFO order. */
    record Waiter(String session, String mode, boolean upgrade, Instant enqueuedAt, Instant waitDeadline) {
    }

    /** {@code waiter} waits for {@code lock} (in {@code mode}), which {@code holder} holds. */
    record Edge(String waiter, String lock, String mode, String holder) {
    }

    /** A deadlock the lock group broke at {@code index} by refusing {@code victim}'s request. */
    record Deadlock(long index, Instant at, String lock, String victim, List<Edge> cycle) {
        Deadlock {
            cycle = List.copyOf(cycle);
        }
    }
}
