package io.dsync.lock.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.server.raft.RaftLockServer.ReplicaProgress;

/**
 * When the cross-group deadlock detector trusts its own replicas: a replica cut off from its leader, or lagging by
 * more than a scan, keeps edges that may be long gone, and a cycle made with one of them may not exist.
 */
class CrossGroupDetectorTest {

    private static final long SILENCE = 300;

    private static Optional<ReplicaProgress> leader(long index) {
        return Optional.of(new ReplicaProgress(true, 0, index, index));
    }

    private static Optional<ReplicaProgress> follower(long silence, long applied, long committed) {
        return Optional.of(new ReplicaProgress(false, silence, applied, committed));
    }

    private static long[] firstLook(int groups) {
        long[] before = new long[groups];
        Arrays.fill(before, Long.MAX_VALUE);
        return before;
    }

    @Test
    void followersAreTrustedFromTheSecondScanWhenTheyHeardFromTheirLeaderAndKeepUp() {
        long[] before = firstLook(2);
        assertThat(CrossGroupDetector.stale(List.of(leader(10), follower(50, 20, 22)), before, SILENCE))
                .as("a follower not looked at before").isTrue();
        assertThat(before).containsExactly(10, 22);
        assertThat(CrossGroupDetector.stale(List.of(leader(11), follower(80, 22, 25)), before, SILENCE))
                .as("it applied what it knew committed a scan ago").isFalse();
        assertThat(CrossGroupDetector.stale(List.of(leader(12), follower(60, 24, 25)), before, SILENCE))
                .as("a lag of more than a scan").isTrue();
    }

    @Test
    void aFollowerCutOffFromItsLeaderIsNotTrustedWhateverItApplied() {
        long[] before = {5, 20};
        assertThat(CrossGroupDetector.stale(List.of(leader(6), follower(SILENCE, 20, 20)), before, SILENCE)).isTrue();
        assertThat(CrossGroupDetector.stale(List.of(leader(6), follower(Long.MAX_VALUE, 20, 20)), before, SILENCE))
                .as("no leader known").isTrue();
        assertThat(CrossGroupDetector.stale(List.of(leader(6), Optional.empty()), before, SILENCE))
                .as("closed").isTrue();
        assertThat(before[1]).as("looked at again from scratch").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void groupsThisMemberLeadsAreAlwaysCurrent() {
        assertThat(CrossGroupDetector.stale(List.of(leader(1), leader(2)), firstLook(2), SILENCE)).isFalse();
    }
}
