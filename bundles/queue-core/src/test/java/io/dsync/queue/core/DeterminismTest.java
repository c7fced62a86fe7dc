package io.dsync.queue.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Equal call sequences give equal results and equal states: two partitions fed the same schedule (with
 * crashes, restores and time going backwards) agree at every step and end with equal snapshots, and so
 * does a third one rebuilt from the first one's snapshot halfway and fed the rest.
 */
class DeterminismTest {

    private static final int STEPS = 3_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void theSameCallsGiveTheSameResultsAndState(long seed) {
        Driver first = new Driver(() -> Partition.real(3));
        Workload workload = new Workload(seed, true);
        List<Op> ops = new ArrayList<>();
        List<Object> results = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            Op op = workload.next();
            Object result = first.run(op);
            workload.observe(op, result);
            ops.add(op);
            results.add(result);
        }

        Driver second = new Driver(() -> Partition.real(3));
        Driver late = new Driver(() -> Partition.real(3));
        for (int step = 0; step < STEPS; step++) {
            Op op = ops.get(step);
            assertThat(second.run(op)).as("step %d: %s", step, op).isEqualTo(results.get(step));
            if (step == STEPS / 2) {
                // A new owner takes over from the storage and continues.
                for (PartitionState.Entry e : second.partition().snapshot()) {
                    late.partition().restore(e);
                }
            } else if (step > STEPS / 2) {
                assertThat(late.run(op)).as("restored, step %d: %s", step, op).isEqualTo(results.get(step));
            }
        }
        assertThat(second.partition().snapshot()).isEqualTo(first.partition().snapshot());
        assertThat(late.partition().snapshot()).isEqualTo(first.partition().snapshot());
        assertThat(first.partition().snapshot()).as("the schedule leaves something to compare").isNotEmpty();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21})
    void aDifferentSequenceGivesADifferentState(long seed) {
        // Guards the comparison above against a snapshot that ignores the state.
        Driver a = new Driver(() -> Partition.real(3));
        Driver b = new Driver(() -> Partition.real(3));
        Workload workload = new Workload(seed, false);
        for (int step = 0; step < 300; step++) {
            Op op = workload.next();
            workload.observe(op, a.run(op));
            b.run(op);
        }
        assertThat(b.partition().snapshot()).isEqualTo(a.partition().snapshot());
        // Only a deadline differs: one entry delivered 1 ms later.
        Op append = new Op.Append(new EntryId(Long.MAX_VALUE / 2, 0), "fresh-key");
        a.run(append);
        b.run(append);
        a.run(new Op.Take(1000, workload.now, 10));
        b.run(new Op.Take(1000, workload.now + 1, 10));
        assertThat(b.partition().snapshot()).isNotEqualTo(a.partition().snapshot());
    }
}
