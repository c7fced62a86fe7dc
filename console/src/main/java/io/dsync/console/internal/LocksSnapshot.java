package io.dsync.console.internal;

import java.time.Instant;
import java.util.List;

/**
 * What the Locks view shows at one poll. Immutable.
 *
 * @param at when the poll ended (the console's clock)
 * @param table the lock table, or {@code null} when no node could answer
 * @param tableProblem why there is no table, or {@code null}
 * @param tableFrom the node whose answer {@code table} is, or {@code null}
 * @param max how many locks were asked for
 * @param raft each lock node's view of the Raft group, by node id
 */
record LocksSnapshot(Instant at, LockTableSnapshot table, String tableProblem, String tableFrom, int max,
        List<RaftMemberStatus> raft) {

    LocksSnapshot {
        raft = List.copyOf(raft);
    }

    static LocksSnapshot empty(Instant at, int max) {
        return new LocksSnapshot(at, null, "not read yet", null, max, List.of());
    }
}
