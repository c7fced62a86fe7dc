package io.dsync.lock.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.server.raft.RaftLockServer;

/** When the lock server tells {@code /health} that an operator must look. */
class MemberHealthTest {

    private static final long S = 1_000_000_000L;

    private final MemberHealth health = new MemberHealth(Duration.ofSeconds(4), 0);

    private static Optional<RaftLockServer.RaftStatus> status(String role, String leader) {
        return Optional.of(new RaftLockServer.RaftStatus("n1", role, 3, Optional.ofNullable(leader), 10, 10));
    }

    @Test
    void aMemberThatKnowsALeaderIsHealthy() {
        assertEquals(List.of(), health.problems("running", false, status("FOLLOWER", "n2"), 100 * S));
    }

    @Test
    void anElectionIsGivenItsTimeThenTheMissingLeaderIsAProblem() {
        health.problems("running", false, status("FOLLOWER", "n2"), 10 * S);
        assertEquals(List.of(), health.problems("running", false, status("CANDIDATE", null), 13 * S));
        List<String> problems = health.problems("running", false, status("CANDIDATE", null), 15 * S);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("no leader known for 5.0 s (CANDIDATE in term 3)"), problems.get(0));
        assertEquals(List.of(), health.problems("running", false, status("FOLLOWER", "n3"), 16 * S), "a leader again");
    }

    @Test
    void aMemberStillFormingAfterTheGraceIsAProblem() {
        assertEquals(List.of(), health.problems("waiting for 3 lock nodes", false, Optional.empty(), 3 * S));
        List<String> problems = health.problems("waiting for 3 lock nodes in the registry, found [n1]", false,
                Optional.empty(), 6 * S);
        assertTrue(problems.get(0).contains("not a member of a running lock group after 6.0 s: waiting for 3 lock nodes"),
                problems.get(0));
    }

    @Test
    void aFailedOrRemovedMemberIsAProblemAtOnce() {
        assertEquals(List.of("removed from the lock group [n2, n3]"),
                health.problems("removed from the lock group [n2, n3]", true, Optional.empty(), 0));
    }

    @Test
    void theLeaderSamplerKeepsTheMemberHealthyBetweenChecks() {
        health.leaderSeen(20 * S);
        assertEquals(List.of(), health.problems("running", false, status("CANDIDATE", null), 23 * S));
    }
}
