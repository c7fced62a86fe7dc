package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;
import io.dsync.queue.core.PartitionState.Stats;

/** Deadlines, the owner's timer, time going backwards, and the counts. */
class TimeAndStatsTest {

    private final PartitionState p = new PartitionState(2);

    @Test
    void nextDeadlineIsTheEarliestOfInFlightAndDelayedEntries() {
        assertThat(p.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        p.append(id(1), null);
        p.append(id(2), null);
        p.take(1, 100, 30);
        assertThat(p.nextDeadline()).isEqualTo(130);
        p.take(1, 101, 10);
        assertThat(p.nextDeadline()).isEqualTo(111);
        p.nack(id(2), 1, false, 50, 105);
        assertThat(p.nextDeadline()).isEqualTo(130);
        // A passed deadline is reported until a call applies it, so a late timer fires at once.
        p.ack(id(1), 1);
        assertThat(p.nextDeadline()).isEqualTo(155);
        p.hasReady(155);
        assertThat(p.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void timeGoingBackwardsNeitherHidesVisibleEntriesNorBreaksOrder() {
        p.append(id(1), "k");
        p.append(id(2), "k");
        p.take(5, 1_000, 100);
        assertThat(p.take(5, 500, 100)).as("earlier: still in flight").isEmpty();
        assertThat(p.state(id(1), 1_100)).contains(State.READY);
        assertThat(p.state(id(1), 900)).as("visible stays visible").contains(State.READY);
        assertThat(p.take(5, 900, 100)).containsExactly(new Grant(id(1), "k", 2, 1_000));
        assertThat(p.nack(id(1), 2, false, 30, 800)).isEqualTo(Settlement.DEAD_LETTER_DUE);
        p.remove(id(1));
        assertThat(p.take(5, 0, 100)).extracting(Grant::entry).containsExactly(id(2));
        p.checkConsistency();
    }

    @Test
    void statsCountEveryState() {
        PartitionState q = new PartitionState(1);
        q.append(new EntryId(40, 0), "a");
        q.append(new EntryId(41, 0), "a");
        q.append(new EntryId(42, 0), "b");
        q.append(new EntryId(43, 0), "c");
        q.append(new EntryId(44, 0), null);
        q.append(new EntryId(45, 0), null);
        assertThat(q.stats(100)).isEqualTo(new Stats(6, 5, 0, 0, 1, 0, 40));
        q.take(3, 100, 30);
        q.release(new EntryId(43, 0), 1);
        q.take(1, 100, 30);
        q.nack(new EntryId(43, 0), 1, false, 0, 101);
        q.take(1, 101, 30);
        // 40 in flight, 41 blocked, 42 in flight, 43 dead-letter-due (requeued at max), 44 in flight, 45 ready.
        Stats stats = q.stats(110);
        assertThat(stats).isEqualTo(new Stats(6, 1, 3, 0, 1, 1, 40));
        assertThat(stats.oldestAgeMillis(110)).isEqualTo(70);
        assertThat(new Stats(0, 0, 0, 0, 0, 0, 0).oldestAgeMillis(110)).isZero();
    }

    @Test
    void statsSeparateInFlightFromDelayed() {
        p.append(id(1), null);
        p.append(id(2), null);
        p.append(id(3), "k");
        p.append(id(4), "k");
        p.take(5, 100, 30);
        p.nack(id(2), 1, false, 100, 110);
        Stats stats = p.stats(110);
        assertThat(stats.inFlight()).isEqualTo(2);
        assertThat(stats.delayed()).isEqualTo(1);
        assertThat(stats.blocked()).isEqualTo(1);
        // Expired with the attempt still open: ready, no longer in flight.
        assertThat(p.stats(130)).isEqualTo(new Stats(4, 2, 0, 1, 1, 0, 1_001));
    }
}
