package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Reason;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;

/** maxDeliveries, dead-letter decisions, and what the owner does with them. */
class DeadLetterTest {

    @Test
    void anEntryWhoseLastAllowedDeliveryExpiresIsDeadLetterDue() {
        PartitionState p = new PartitionState(2);
        p.append(id(1), "k");
        p.append(id(2), "k");
        assertThat(p.take(5, 100, 30)).extracting(Grant::attempt).containsExactly(1);
        assertThat(p.take(5, 130, 30)).extracting(Grant::attempt).containsExactly(2);
        assertThat(p.hasDeadLetters()).isFalse();
        assertThat(p.take(5, 160, 30)).as("neither delivered a third time nor is the key unblocked").isEmpty();
        assertThat(p.hasDeadLetters()).isTrue();
        assertThat(p.deadLetters(160)).containsExactly(new DeadLetter(id(1), "k", 2, Reason.MAX_DELIVERIES));
        assertThat(p.state(id(1), 160)).contains(State.DEAD_LETTER_DUE);
        assertThat(p.state(id(2), 160)).contains(State.BLOCKED);
    }

    @Test
    void withMaxDeliveriesOneTheFirstExpiryDeadLetters() {
        PartitionState p = new PartitionState(1);
        p.append(id(1), null);
        p.take(1, 100, 30);
        assertThat(p.deadLetters(129)).isEmpty();
        assertThat(p.deadLetters(130)).containsExactly(new DeadLetter(id(1), null, 1, Reason.MAX_DELIVERIES));
    }

    @Test
    void aRequeueAfterTheLastAllowedDeliveryDeadLetters() {
        PartitionState p = new PartitionState(1);
        p.append(id(1), null);
        p.take(1, 100, 30);
        assertThat(p.nack(id(1), 1, false, 0, 110)).isEqualTo(Settlement.DEAD_LETTER_DUE);
        assertThat(p.deadLetters(110)).containsExactly(new DeadLetter(id(1), null, 1, Reason.MAX_DELIVERIES));
    }

    @Test
    void aNackWithDeadLetterIgnoresTheCount() {
        PartitionState p = new PartitionState(10);
        p.append(id(1), null);
        p.take(1, 100, 30);
        assertThat(p.nack(id(1), 1, true, 0, 110)).isEqualTo(Settlement.DEAD_LETTER_DUE);
        assertThat(p.deadLetters(110)).containsExactly(new DeadLetter(id(1), null, 1, Reason.NACKED));
    }

    @Test
    void deadLettersStayListedAndBlockTheirKeyUntilRemoved() {
        PartitionState p = new PartitionState(3);
        p.append(id(1), "k");
        p.append(id(2), "k");
        p.append(id(3), null);
        p.take(5, 100, 30);
        p.nack(id(1), 1, true, 0, 110);
        p.nack(id(3), 1, true, 0, 110);
        assertThat(p.deadLetters(120)).extracting(DeadLetter::entry).containsExactly(id(1), id(3));
        assertThat(p.deadLetters(500)).as("still there later").extracting(DeadLetter::entry)
                .containsExactly(id(1), id(3));
        assertThat(p.take(5, 500, 30)).isEmpty();
        assertThat(p.ack(id(1), 1)).as("the owner dead-letters it; no attempt can settle it")
                .isEqualTo(Settlement.STALE);
        assertThat(p.release(id(1), 1)).isEqualTo(Settlement.STALE);

        assertThat(p.remove(id(1))).isTrue();
        assertThat(p.remove(id(1))).isFalse();
        assertThat(p.ack(id(1), 1)).isEqualTo(Settlement.UNKNOWN);
        assertThat(p.deadLetters(500)).extracting(DeadLetter::entry).containsExactly(id(3));
        assertThat(p.take(5, 500, 30)).extracting(Grant::entry).containsExactly(id(2));
        p.remove(id(3));
        assertThat(p.hasDeadLetters()).isFalse();
    }

    @Test
    void anAckBeforeAnyCallAppliesTheLastDeadlineStillCounts() {
        // ack takes no time: until a call with a later now applies the deadline, the attempt is current.
        PartitionState p = new PartitionState(1);
        p.append(id(1), null);
        p.take(1, 100, 30);
        assertThat(p.ack(id(1), 1)).isEqualTo(Settlement.ACKED);
        assertThat(p.deadLetters(1_000)).isEmpty();
    }

    @Test
    void removeWorksInEveryState() {
        PartitionState p = new PartitionState(3);
        p.append(id(1), "k");
        p.append(id(2), "k");
        p.append(id(3), "k");
        p.append(id(4), null);
        p.take(1, 100, 30);
        assertThat(p.remove(id(2))).as("blocked").isTrue();
        assertThat(p.remove(id(1))).as("in flight").isTrue();
        assertThat(p.state(id(3), 100)).contains(State.READY);
        assertThat(p.remove(id(4))).as("ready").isTrue();
        assertThat(p.take(5, 100, 30)).extracting(Grant::entry).containsExactly(id(3));
        p.nack(id(3), 1, false, 50, 100);
        assertThat(p.remove(id(3))).as("delayed").isTrue();
        assertThat(p.size()).isZero();
        assertThat(p.nextDeadline()).isEqualTo(Long.MAX_VALUE);
        p.checkConsistency();
    }
}
