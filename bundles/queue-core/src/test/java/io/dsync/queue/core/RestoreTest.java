package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.Entry;
import io.dsync.queue.core.PartitionState.Reason;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;

/** A new owner rebuilds the partition from storage. */
class RestoreTest {

    /** A partition with an entry in every state, and both kinds of open attempt. */
    private static PartitionState everyState() {
        PartitionState p = new PartitionState(2);
        p.append(id(1), "inflight");
        p.append(id(2), "inflight");
        p.append(id(3), "delayed");
        p.append(id(4), "dead");
        p.append(id(5), "dead");
        p.append(id(6), null);
        p.append(id(7), "expired");
        p.append(id(8), null);
        p.append(id(9), null);
        p.take(10, 100, 30);
        p.nack(id(3), 1, false, 500, 110);
        p.nack(id(4), 1, true, 0, 110);
        p.release(id(6), 1);
        p.extend(id(1), 1, 1_000, 110);
        p.extend(id(8), 1, 1_000, 110);
        p.extend(id(9), 1, 1_000, 110);
        p.hasReady(130); // 7 expired, attempt still open
        return p;
    }

    @Test
    void aSnapshotRestoresAnEqualStateThatBehavesTheSame() {
        PartitionState original = everyState();
        PartitionState restored = new PartitionState(2);
        original.snapshot().forEach(restored::restore);

        assertThat(restored.snapshot()).isEqualTo(original.snapshot());
        assertThat(restored.nextDeadline()).isEqualTo(original.nextDeadline());
        assertThat(restored.stats(130)).isEqualTo(original.stats(130));
        assertThat(restored.stats(130).size()).isEqualTo(9);
        for (int i = 1; i <= 9; i++) {
            assertThat(restored.state(id(i), 130)).as("state of %s", id(i)).isEqualTo(original.state(id(i), 130));
        }
        assertThat(original.stats(130)).satisfies(s -> {
            assertThat(s.inFlight()).isEqualTo(3);
            assertThat(s.delayed()).isEqualTo(1);
            assertThat(s.deadLetterDue()).isEqualTo(1);
            assertThat(s.blocked()).isEqualTo(2);
            assertThat(s.ready()).isEqualTo(2);
        });
        restored.checkConsistency();

        // The same further calls give the same results.
        List<Function<PartitionState, Object>> calls = List.of(
                p -> p.ack(id(7), 1),
                p -> p.ack(id(6), 1),
                p -> p.take(10, 140, 30),
                p -> p.extend(id(1), 1, 2_000, 150),
                p -> p.release(id(8), 1),
                p -> p.nack(id(9), 1, false, 0, 160),
                p -> p.deadLetters(170),
                p -> p.remove(id(4)),
                p -> p.take(10, 700, 30),
                p -> p.ack(id(5), 1),
                p -> p.stats(800),
                p -> p.take(10, 3_000, 30),
                p -> p.deadLetters(3_100),
                PartitionState::snapshot);
        List<Object> expected = new ArrayList<>();
        List<Object> actual = new ArrayList<>();
        calls.forEach(c -> expected.add(c.apply(original)));
        calls.forEach(c -> actual.add(c.apply(restored)));
        assertThat(actual).isEqualTo(expected);
        assertThat(expected).contains(Settlement.ACKED, Settlement.RELEASED, Settlement.REQUEUED, Settlement.EXTENDED,
                Settlement.STALE);
    }

    @Test
    void fromAttemptsAndDeadlinesOnlyOpenAttemptsAreAssumedAndDeadLetteringIsDecidedAgain() {
        PartitionState original = everyState();
        PartitionState restored = new PartitionState(2);
        original.snapshot().forEach(e -> restored.restore(e.id(), e.key(), e.attempts(), e.invisibleUntil()));

        assertThat(restored.state(id(3), 130)).as("delayed looks in flight").contains(State.IN_FLIGHT);
        assertThat(restored.ack(id(3), 1)).as("so its attempt is accepted").isEqualTo(Settlement.ACKED);
        assertThat(restored.state(id(4), 130)).as("a nack's decision is lost: delivered again")
                .contains(State.READY);
        assertThat(restored.state(id(6), 130)).as("released, never delivered").contains(State.READY);
        assertThat(restored.ack(id(6), 1)).isEqualTo(Settlement.STALE);
        assertThat(restored.ack(id(7), 1)).as("expired, still open").isEqualTo(Settlement.ACKED);
        restored.checkConsistency();

        PartitionState max = new PartitionState(2);
        max.restore(id(1), null, 2, 0);
        max.restore(id(2), null, 2, 500);
        assertThat(max.deadLetters(100)).extracting(PartitionState.DeadLetter::entry).containsExactly(id(1));
        assertThat(max.deadLetters(500)).extracting(PartitionState.DeadLetter::reason)
                .containsExactly(Reason.MAX_DELIVERIES, Reason.MAX_DELIVERIES);
    }

    @Test
    void anEntryBehindAnOlderOneOfItsKeyIsRestoredBlocked() {
        PartitionState p = new PartitionState(3);
        p.restore(new Entry(id(1), "k", 0, 0, false, null));
        p.restore(new Entry(id(2), "k", 2, 900, true, null));
        p.restore(new Entry(id(3), "k", 1, 0, false, Reason.NACKED));
        assertThat(p.snapshot()).containsExactly(
                new Entry(id(1), "k", 0, 0, false, null),
                new Entry(id(2), "k", 2, 0, false, null),
                new Entry(id(3), "k", 1, 0, false, Reason.NACKED));
        assertThat(p.state(id(2), 100)).contains(State.BLOCKED);
        assertThat(p.ack(id(2), 2)).isEqualTo(Settlement.STALE);
        assertThat(p.deadLetters(100)).extracting(PartitionState.DeadLetter::entry).containsExactly(id(3));
        assertThat(p.remove(id(3))).isTrue();
        p.checkConsistency();
        p.take(1, 100, 30);
        p.ack(id(1), 1);
        assertThat(p.take(1, 100, 30)).extracting(PartitionState.Grant::attempt).as("counting on").containsExactly(3);
    }

    @Test
    void aBlockedEntryThatReachesTheHeadWithItsDeliveriesUsedIsDeadLettered() {
        PartitionState p = new PartitionState(2);
        p.restore(id(1), "k", 0, 0);
        p.restore(id(2), "k", 2, 0);
        p.take(1, 100, 30);
        p.ack(id(1), 1);
        assertThat(p.state(id(2), 100)).contains(State.DEAD_LETTER_DUE);
    }

    @Test
    void restoreRequiresAscendingIdsAndValidEntries() {
        PartitionState p = new PartitionState(2);
        p.restore(id(5), null, 0, 0);
        assertThatThrownBy(() -> p.restore(id(5), null, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("restore of entry 1005-0: ids must be ascending");
        assertThatThrownBy(() -> p.restore(id(6), null, -1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempts must not be negative, was -1 for 1006-0");
        assertThatThrownBy(() -> p.restore(id(6), null, 0, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invisibleUntil must not be negative, was -5 for 1006-0");
        assertThatThrownBy(() -> new Entry(id(6), null, 0, 0, true, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an entry delivered 0 times has no open attempt: 1006-0");
        assertThatThrownBy(() -> new Entry(id(6), null, 1, 10, false, Reason.NACKED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dead-letter-due");
        assertThatThrownBy(() -> new Entry(null, null, 1, 10, false, null)).isInstanceOf(NullPointerException.class);
        assertThat(p.size()).isEqualTo(1);
    }
}
