package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;

/** What {@code take} delivers: oldest first, one entry per key at a time, keys and unkeyed independent. */
class DeliveryTest {

    private final PartitionState p = new PartitionState(5);

    @Test
    void deliversOldestFirstUpToMaxWithTheFirstAttemptAndTheDeadline() {
        p.append(id(1), null);
        p.append(id(2), null);
        p.append(id(3), null);
        assertThat(p.take(2, 100, 30)).containsExactly(new Grant(id(1), null, 1, 130), new Grant(id(2), null, 1, 130));
        assertThat(p.take(5, 101, 30)).containsExactly(new Grant(id(3), null, 1, 131));
        assertThat(p.take(5, 102, 30)).isEmpty();
        assertThat(p.state(id(1), 102)).contains(State.IN_FLIGHT);
        assertThat(p.entry(id(1)).orElseThrow().attempts()).isEqualTo(1);
    }

    @Test
    void takeOfZeroDeliversNothing() {
        p.append(id(1), null);
        assertThat(p.take(0, 100, 30)).isEmpty();
        assertThat(p.state(id(1), 100)).contains(State.READY);
    }

    @Test
    void laterEntriesOfAKeyWaitUntilTheOlderOneIsAcknowledged() {
        p.append(id(1), "k");
        p.append(id(2), "k");
        p.append(id(3), "k");
        assertThat(p.state(id(2), 0)).contains(State.BLOCKED);
        assertThat(p.take(10, 100, 30)).extracting(Grant::entry).containsExactly(id(1));
        assertThat(p.take(10, 101, 30)).isEmpty();
        assertThat(p.hasReady(101)).isFalse();
        assertThat(p.ack(id(1), 1)).isEqualTo(Settlement.ACKED);
        assertThat(p.state(id(2), 102)).contains(State.READY);
        assertThat(p.state(id(3), 102)).contains(State.BLOCKED);
        assertThat(p.take(10, 102, 30)).extracting(Grant::entry).containsExactly(id(2));
        assertThat(p.ack(id(2), 1)).isEqualTo(Settlement.ACKED);
        assertThat(p.take(10, 103, 30)).extracting(Grant::entry).containsExactly(id(3));
    }

    @Test
    void aKeyStaysBlockedWhileItsOldestEntryIsRequeuedDelayedOrExpired() {
        p.append(id(1), "k");
        p.append(id(2), "k");
        p.take(10, 100, 30);
        assertThat(p.nack(id(1), 1, false, 50, 110)).isEqualTo(Settlement.REQUEUED);
        assertThat(p.state(id(1), 110)).contains(State.DELAYED);
        assertThat(p.take(10, 120, 30)).as("delayed: nothing of k").isEmpty();
        assertThat(p.take(10, 160, 30)).as("after the delay, the same entry again")
                .containsExactly(new Grant(id(1), "k", 2, 190));
        // Expired, not yet delivered again: still first of its key.
        assertThat(p.state(id(1), 190)).contains(State.READY);
        assertThat(p.state(id(2), 190)).contains(State.BLOCKED);
        assertThat(p.take(10, 190, 30)).extracting(Grant::entry).containsExactly(id(1));
    }

    @Test
    void differentKeysAndUnkeyedEntriesAreDeliveredTogether() {
        p.append(id(1), "a");
        p.append(id(2), "a");
        p.append(id(3), "b");
        p.append(id(4), null);
        p.append(id(5), null);
        p.append(id(6), "c");
        assertThat(p.take(10, 100, 30)).extracting(Grant::entry).containsExactly(id(1), id(3), id(4), id(5), id(6));
    }

    @Test
    void aTakeHoldsAtMostOneEntryPerKey() {
        for (int i = 1; i <= 20; i++) {
            p.append(id(i), i % 2 == 0 ? "even" : "odd");
        }
        List<Grant> grants = p.take(20, 100, 30);
        assertThat(grants).extracting(Grant::key).containsExactly("odd", "even");
    }

    @Test
    void redeliveriesComeBeforeNewerEntries() {
        p.append(id(1), null);
        p.take(1, 100, 30);
        p.append(id(2), null);
        p.append(id(3), null);
        assertThat(p.take(1, 130, 30)).as("the deadline of 1 passed at 130")
                .containsExactly(new Grant(id(1), null, 2, 160));
        assertThat(p.take(1, 131, 30)).extracting(Grant::entry).containsExactly(id(2));
    }

    @Test
    void aDeadlineIsPassedAtItsMillisecond() {
        p.append(id(1), null);
        p.take(1, 100, 30);
        assertThat(p.take(1, 129, 30)).isEmpty();
        assertThat(p.state(id(1), 129)).contains(State.IN_FLIGHT);
        assertThat(p.take(1, 130, 30)).hasSize(1);
    }

    @Test
    void appendRequiresAscendingIds() {
        p.append(new EntryId(5, 2), null);
        assertThatThrownBy(() -> p.append(new EntryId(5, 2), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("append of entry 5-2: ids must be ascending, but it is not greater than 5-2");
        assertThatThrownBy(() -> p.append(new EntryId(4, 9), "k")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4-9");
        p.append(new EntryId(5, 3), null);
        // Removing the newest entry does not allow its id again.
        p.remove(new EntryId(5, 3));
        assertThatThrownBy(() -> p.append(new EntryId(5, 3), null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(p.size()).isEqualTo(1);
    }
}
