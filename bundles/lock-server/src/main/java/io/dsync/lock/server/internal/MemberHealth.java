package io.dsync.lock.server.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.dsync.lock.server.raft.RaftLockServer;

/**
 * When this node's member of the lock group needs an operator: it failed to start or was removed (at once), or it has
 * not been a member of a group with a leader for longer than an election. An election is allowed {@code grace}: the
 * member's maximal election timeout twice over, as a split vote costs a second round. Plain Java; thread-safe.
 */
final class MemberHealth {

    private final long graceNanos;

    /** When a leader was last known (or the member started). */
    private volatile long leaderSeenNanos;

    /**
     * @param grace how long the member may be without a leader before it is unhealthy
     * @param nowNanos the member's start
     */
    MemberHealth(Duration grace, long nowNanos) {
        this.graceNanos = grace.toNanos();
        this.leaderSeenNanos = nowNanos;
    }

    /** Records that the member knows a leader now (the leader sampler calls it). */
    void leaderSeen(long nowNanos) {
        leaderSeenNanos = nowNanos;
    }

    /**
     * @param state what the member does, as {@link LockMember#state()} says it
     * @param stuck whether the member will not run without an operator (failed, removed, misconfigured)
     * @param status the running member's status, empty while it forms or joins
     * @param nowNanos now
     * @return the problems, empty when healthy
     */
    List<String> problems(String state, boolean stuck, Optional<RaftLockServer.RaftStatus> status, long nowNanos) {
        if (stuck) {
            return List.of(state);
        }
        if (status.isPresent() && status.get().leaderId().isPresent()) {
            leaderSeen(nowNanos);
            return List.of();
        }
        long without = nowNanos - leaderSeenNanos;
        if (without <= graceNanos) {
            return List.of();
        }
        String seconds = String.format("%.1f s", without / 1e9);
        return List.of(status.map(s -> "no leader known for " + seconds + " (" + s.role() + " in term " + s.term()
                + "): is a majority of the lock nodes up and reachable?")
                .orElse("not a member of a running lock group after " + seconds + ": " + state));
    }
}
