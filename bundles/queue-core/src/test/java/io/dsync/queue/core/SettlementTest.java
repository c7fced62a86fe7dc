package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.Entry;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Reason;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;

/** Every outcome of {@code ack}, {@code nack}, {@code extend} and {@code release}. */
class SettlementTest {

    private final PartitionState p = new PartitionState(3);

    /** Appends an unkeyed entry and delivers it at time 100 for 30 ms. */
    private Grant delivered(int n) {
        p.append(id(n), null);
        return p.take(1, 100, 30).get(0);
    }

    @Nested
    class Ack {

        @Test
        void removesTheEntry() {
            Grant g = delivered(1);
            assertThat(p.ack(g.entry(), g.attempt())).isEqualTo(Settlement.ACKED);
            assertThat(p.entry(id(1))).isEmpty();
            assertThat(p.ack(g.entry(), g.attempt())).as("again").isEqualTo(Settlement.UNKNOWN);
        }

        @Test
        void ofAnEntryNeverAppendedIsUnknown() {
            assertThat(p.ack(id(9), 1)).isEqualTo(Settlement.UNKNOWN);
        }

        @Test
        void ofAnotherAttemptOrOfAnUndeliveredEntryIsStale() {
            Grant g = delivered(1);
            p.append(id(2), null);
            assertThat(p.ack(id(2), 1)).as("never delivered").isEqualTo(Settlement.STALE);
            assertThat(p.ack(g.entry(), 2)).as("a later attempt").isEqualTo(Settlement.STALE);
            assertThat(p.entry(id(1)).orElseThrow().attemptOpen()).isTrue();
        }

        @Test
        void isAcceptedAfterTheDeadlineUntilTheEntryIsDeliveredAgain() {
            Grant g = delivered(1);
            assertThat(p.hasReady(200)).as("the deadline passed").isTrue();
            assertThat(p.ack(g.entry(), 1)).isEqualTo(Settlement.ACKED);

            Grant h = delivered(2);
            p.take(1, 200, 30);
            assertThat(p.ack(h.entry(), 1)).as("attempt 1 after attempt 2 was delivered").isEqualTo(Settlement.STALE);
            assertThat(p.ack(h.entry(), 2)).isEqualTo(Settlement.ACKED);
        }

        @Test
        void ofARequeuedOrReleasedAttemptIsStale() {
            Grant g = delivered(1);
            p.nack(g.entry(), 1, false, 0, 110);
            assertThat(p.ack(g.entry(), 1)).as("requeued").isEqualTo(Settlement.STALE);
            Grant h = p.take(1, 120, 30).get(0);
            p.release(h.entry(), h.attempt());
            assertThat(p.ack(h.entry(), 2)).as("released").isEqualTo(Settlement.STALE);
            assertThat(p.ack(h.entry(), 1)).as("the attempt before the released one").isEqualTo(Settlement.STALE);
        }
    }

    @Nested
    class Nack {

        @Test
        void requeuesVisibleAtOnceWithoutDelay() {
            Grant g = delivered(1);
            assertThat(p.nack(g.entry(), 1, false, 0, 110)).isEqualTo(Settlement.REQUEUED);
            assertThat(p.entry(id(1))).contains(new Entry(id(1), null, 1, 0, false, null));
            assertThat(p.state(id(1), 110)).contains(State.READY);
            assertThat(p.take(1, 110, 30)).containsExactly(new Grant(id(1), null, 2, 140));
        }

        @Test
        void requeuesInvisibleForTheDelay() {
            Grant g = delivered(1);
            assertThat(p.nack(g.entry(), 1, false, 40, 110)).isEqualTo(Settlement.REQUEUED);
            assertThat(p.entry(id(1))).contains(new Entry(id(1), null, 1, 150, false, null));
            assertThat(p.state(id(1), 110)).contains(State.DELAYED);
            assertThat(p.nextDeadline()).isEqualTo(150);
            assertThat(p.take(1, 149, 30)).isEmpty();
            assertThat(p.take(1, 150, 30)).containsExactly(new Grant(id(1), null, 2, 180));
        }

        @Test
        void withDeadLetterMakesTheEntryDeadLetterDueAtOnce() {
            Grant g = delivered(1);
            assertThat(p.nack(g.entry(), 1, true, 0, 110)).isEqualTo(Settlement.DEAD_LETTER_DUE);
            assertThat(p.entry(id(1)).orElseThrow().deadLetter()).isEqualTo(Reason.NACKED);
        }

        @Test
        void ofTheLastAllowedDeliveryDeadLettersInsteadOfRequeueing() {
            delivered(1);
            p.nack(id(1), 1, false, 0, 110);
            p.take(1, 110, 30);
            p.nack(id(1), 2, false, 0, 120);
            p.take(1, 120, 30);
            assertThat(p.nack(id(1), 3, false, 1000, 130)).isEqualTo(Settlement.DEAD_LETTER_DUE);
            assertThat(p.entry(id(1))).contains(new Entry(id(1), null, 3, 0, false, Reason.MAX_DELIVERIES));
        }

        @Test
        void ofAStaleOrUnknownAttemptChangesNothing() {
            Grant g = delivered(1);
            assertThat(p.nack(g.entry(), 2, false, 0, 110)).isEqualTo(Settlement.STALE);
            assertThat(p.nack(id(7), 1, true, 0, 110)).isEqualTo(Settlement.UNKNOWN);
            assertThat(p.nack(g.entry(), 1, false, 0, 110)).isEqualTo(Settlement.REQUEUED);
            assertThat(p.nack(g.entry(), 1, false, 0, 110)).as("twice").isEqualTo(Settlement.STALE);
        }

        @Test
        void afterTheDeadlineIsAcceptedUntilTheEntryIsDeliveredAgain() {
            Grant g = delivered(1);
            assertThat(p.nack(g.entry(), 1, false, 10, 500)).isEqualTo(Settlement.REQUEUED);
            assertThat(p.entry(id(1))).contains(new Entry(id(1), null, 1, 510, false, null));
        }
    }

    @Nested
    class Extend {

        @Test
        void movesTheDeadlineOfAnAttemptInFlight() {
            Grant g = delivered(1);
            assertThat(p.extend(g.entry(), 1, 200, 120)).isEqualTo(Settlement.EXTENDED);
            assertThat(p.nextDeadline()).isEqualTo(200);
            assertThat(p.take(1, 150, 30)).as("not at the old deadline").isEmpty();
            assertThat(p.take(1, 200, 30)).containsExactly(new Grant(id(1), null, 2, 230));
        }

        @Test
        void canShortenTheDeadline() {
            Grant g = delivered(1);
            assertThat(p.extend(g.entry(), 1, 105, 101)).isEqualTo(Settlement.EXTENDED);
            assertThat(p.take(1, 105, 30)).extracting(Grant::attempt).containsExactly(2);
        }

        @Test
        void afterTheDeadlineTakesTheEntryBackInFlightUntilDeliveredAgain() {
            Grant g = delivered(1);
            assertThat(p.state(id(1), 140)).as("the deadline passed").contains(State.READY);
            assertThat(p.extend(g.entry(), 1, 170, 140)).isEqualTo(Settlement.EXTENDED);
            assertThat(p.state(id(1), 140)).contains(State.IN_FLIGHT);
            assertThat(p.take(1, 150, 30)).isEmpty();
            assertThat(p.take(1, 170, 30)).extracting(Grant::attempt).containsExactly(2);
            assertThat(p.extend(g.entry(), 1, 300, 171)).as("delivered again").isEqualTo(Settlement.STALE);
        }

        @Test
        void ofARequeuedDeadLetteredOrUnknownEntryFails() {
            Grant g = delivered(1);
            p.nack(g.entry(), 1, false, 50, 110);
            assertThat(p.extend(g.entry(), 1, 300, 111)).as("requeued with a delay").isEqualTo(Settlement.STALE);
            assertThat(p.entry(id(1)).orElseThrow().invisibleUntil()).isEqualTo(160);
            Grant h = delivered(2);
            p.nack(h.entry(), 1, true, 0, 110);
            assertThat(p.extend(h.entry(), 1, 300, 111)).as("dead-letter-due").isEqualTo(Settlement.STALE);
            assertThat(p.extend(id(9), 1, 300, 111)).isEqualTo(Settlement.UNKNOWN);
        }

        @Test
        void afterTheLastAllowedDeadlinePassedFails() {
            PartitionState one = new PartitionState(1);
            one.append(id(1), null);
            one.take(1, 100, 30);
            assertThat(one.extend(id(1), 1, 300, 130)).as("the deadline made it dead-letter-due")
                    .isEqualTo(Settlement.STALE);
            assertThat(one.state(id(1), 130)).contains(State.DEAD_LETTER_DUE);
        }
    }

    @Nested
    class Release {

        @Test
        void givesTheAttemptBackWithoutCountingIt() {
            Grant g = delivered(1);
            assertThat(p.release(g.entry(), 1)).isEqualTo(Settlement.RELEASED);
            assertThat(p.entry(id(1))).contains(new Entry(id(1), null, 0, 0, false, null));
            assertThat(p.state(id(1), 100)).contains(State.READY);
            assertThat(p.take(1, 100, 30)).containsExactly(new Grant(id(1), null, 1, 130));
        }

        @Test
        void doesNotCountTowardsMaxDeliveries() {
            PartitionState one = new PartitionState(1);
            one.append(id(1), null);
            for (int i = 0; i < 5; i++) {
                Grant g = one.take(1, 100 + i, 30).get(0);
                assertThat(g.attempt()).isEqualTo(1);
                assertThat(one.release(g.entry(), g.attempt())).isEqualTo(Settlement.RELEASED);
            }
            one.take(1, 200, 30);
            assertThat(one.deadLetters(230)).hasSize(1);
        }

        @Test
        void keepsTheKeyOrder() {
            p.append(id(1), "k");
            p.append(id(2), "k");
            Grant g = p.take(5, 100, 30).get(0);
            p.release(g.entry(), g.attempt());
            assertThat(p.take(5, 101, 30)).extracting(Grant::entry).containsExactly(id(1));
        }

        @Test
        void ofAStaleOrUnknownAttemptChangesNothing() {
            Grant g = delivered(1);
            assertThat(p.release(g.entry(), 2)).isEqualTo(Settlement.STALE);
            assertThat(p.release(id(5), 1)).isEqualTo(Settlement.UNKNOWN);
            assertThat(p.release(g.entry(), 1)).isEqualTo(Settlement.RELEASED);
            assertThat(p.release(g.entry(), 1)).as("twice").isEqualTo(Settlement.STALE);
            assertThat(p.entry(id(1)).orElseThrow().attempts()).isZero();
        }
    }
}
