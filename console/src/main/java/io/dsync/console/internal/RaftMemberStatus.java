package io.dsync.console.internal;

import java.util.List;

/**
 * One lock node's view of the lock Raft group, from its {@code GET /lock/raft}, or why it could not be read.
 * Numbers are {@code -1} and strings {@code null} when the member does not run (yet): {@code state} then says what
 * it waits for.
 *
 * @param node the node id (from the registry)
 * @param state the member's state as it reports it, or {@code null} when unreachable
 * @param role LEADER, FOLLOWER, CANDIDATE ..., or {@code null}
 * @param term the current term
 * @param leader the leader's id as this member knows it, or {@code null}
 * @param commitIndex the commit index
 * @param appliedIndex the applied index
 * @param members the group's members as this member knows them
 * @param problem why the node could not be read, or {@code null}
 */
record RaftMemberStatus(String node, String state, String role, long term, String leader, long commitIndex,
        long appliedIndex, List<String> members, String problem) {

    RaftMemberStatus {
        members = List.copyOf(members);
    }

    /** @return a member that could not be read */
    static RaftMemberStatus unreachable(String node, String problem) {
        return new RaftMemberStatus(node, null, null, -1, null, -1, -1, List.of(), problem);
    }
}
