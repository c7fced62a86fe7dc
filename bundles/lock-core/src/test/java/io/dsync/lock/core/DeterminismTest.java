package io.dsync.lock.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.dsync.lock.SessionId;

/**
 * Replicas fed the same commands in the same order end identical: equal results at every step and
 * equal snapshots. Time moves inside commands here, sometimes backwards (a new leader with a slower
 * clock), so expiries interleave with every kind of command.
 */
class DeterminismTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void twoReplicasFedTheSameLogEndIdentical(long seed) {
        LockStateMachine leader = new LockStateMachine();
        LockStateMachine follower = new LockStateMachine();
        Workload workload = new Workload(seed, leader, false);
        List<LockCommand> log = new ArrayList<>();
        List<long[]> times = new ArrayList<>();
        for (int step = 0; step < 3_000; step++) {
            LockCommand command = workload.next();
            log.add(command);
            times.add(new long[] {workload.index, workload.time});
            ApplyResult a = leader.apply(workload.index, workload.time, command);
            workload.observe(command, a);
            assertEquals(a, follower.apply(workload.index, workload.time, command), "step " + step);
            if (step % 100 == 0) {
                assertArrayEquals(leader.snapshot(), follower.snapshot(), "step " + step);
            }
        }
        assertArrayEquals(leader.snapshot(), follower.snapshot());
        // A third replica replaying the recorded log later, in one go, ends identical too.
        LockStateMachine late = new LockStateMachine();
        for (int i = 0; i < log.size(); i++) {
            late.apply(times.get(i)[0], times.get(i)[1], log.get(i));
        }
        assertArrayEquals(leader.snapshot(), late.snapshot());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21})
    void aDifferentLogGivesADifferentState(long seed) {
        // Guards the comparison above against a snapshot that ignores the state.
        LockStateMachine a = new LockStateMachine();
        Workload workload = new Workload(seed, a, false);
        for (int step = 0; step < 200; step++) {
            LockCommand command = workload.next();
            workload.observe(command, a.apply(workload.index, workload.time, command));
        }
        byte[] before = a.snapshot();
        a.apply(workload.index + 1, workload.time, new LockCommand.OpenSession(
                new SessionId("extra"), "c", 5_000));
        assertNotEquals(Arrays.toString(before), Arrays.toString(a.snapshot()));
    }
}
