package io.dsync.queue.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.LongStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Entry;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Reason;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;
import io.dsync.queue.core.PartitionState.Stats;

/**
 * Property test: random schedules of a few thousand calls, many seeds. After every call the result and
 * the whole state are compared with the {@link ReferencePartition}, an independent list-based reading
 * of the rules, and invariants are checked from the outside (results and snapshots only):
 * <ul>
 *   <li>nothing is lost or resurrected: the entries are exactly those appended and not yet acknowledged
 *       or removed; at the end, a drain (time advanced, everything taken and acknowledged, dead letters
 *       removed) empties the partition and accounts for every entry exactly once;</li>
 *   <li>per-key ordering: only the oldest entry of a key has ever been delivered or is invisible, a take
 *       holds at most one entry per key, and an entry is granted only once every older entry of its key
 *       is settled;</li>
 *   <li>attempts never decrease except by one on a release, each grant is the next attempt, only the
 *       current open attempt is settled, stale and unknown settlements change nothing, and dead letters
 *       are reported with a truthful reason;</li>
 *   <li>a crash restored from the full snapshot gives back an equal state; the internal indexes agree
 *       with the entries.</li>
 * </ul>
 * The test asserts its own coverage, and negative controls run the same checker against deliberately
 * broken variants to show that it can fail.
 */
class RandomScheduleTest {

    private static final int STEPS = 2_500;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 24);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesTheReferenceAndKeepsTheInvariants(long seed) {
        int max = maxDeliveries(seed);
        Run run = run(seed, () -> Partition.real(max), () -> new ReferencePartition(max));
        // The schedule must exercise what it claims to test, or passing proves little.
        assertThat(run.settlements.keySet()).as("settlements seen").isEqualTo(EnumSet.allOf(Settlement.class));
        assertThat(run.deadLetterReports.keySet()).as("dead-letter reasons seen").isEqualTo(EnumSet.allOf(Reason.class));
        assertThat(run.states).as("states seen").isEqualTo(EnumSet.allOf(State.class));
        assertThat(run.grants).as("grants").isGreaterThan(300);
        assertThat(run.redeliveries).as("redeliveries").isGreaterThan(20);
        assertThat(run.deliveredOnAppend).as("first deliveries stored with the message").isGreaterThan(20);
        assertThat(run.refusedOnAppend).as("first deliveries with the message refused (key taken, not new)")
                .isGreaterThan(5);
        assertThat(run.crashes).as("full restores").isGreaterThan(0);
        assertThat(run.lossyCrashes).as("restores from attempts and deadlines").isGreaterThan(0);
        assertThat(run.ackAfterDeadline).as("acks after the deadline, not delivered again").isGreaterThan(0);
        assertThat(run.extendAfterExpiry).as("extensions after the deadline, not delivered again").isGreaterThan(0);
        assertThat(run.staleAfterRedelivery).as("acks of an attempt superseded by a redelivery").isGreaterThan(0);
        assertThat(run.workload.backwards).as("time going backwards").isGreaterThan(0);
        assertThat(run.acked.size() + run.deadLettered.size()).as("settled entries").isGreaterThan(200);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 4})
    void negativeControlDeliveringBlockedEntriesIsCaught(long seed) {
        int max = maxDeliveries(seed);
        assertThatThrownBy(() -> run(seed, () -> new ReferencePartition(max, ReferencePartition.Mutation.IGNORE_KEYS),
                null)).isInstanceOf(AssertionError.class).hasMessageContaining("of key");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 4})
    void negativeControlAcceptingStaleAcksIsCaught(long seed) {
        int max = maxDeliveries(seed);
        Supplier<Partition> broken = () -> new ReferencePartition(max, ReferencePartition.Mutation.ACCEPT_STALE_ACK);
        assertThatThrownBy(() -> run(seed, broken, null))
                .isInstanceOf(AssertionError.class).hasMessageContaining("acknowledged an attempt that was not");
        // The comparison alone catches it too, with the broken variant as the reference.
        assertThatThrownBy(() -> run(seed, () -> Partition.real(max), broken))
                .isInstanceOf(AssertionError.class).hasMessageContaining("differs from the reference");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 4})
    void negativeControlLosingExpiredEntriesIsCaught(long seed) {
        int max = maxDeliveries(seed);
        assertThatThrownBy(() -> run(seed, () -> new ReferencePartition(max,
                ReferencePartition.Mutation.DROP_EXPIRED_AT_MAX), null))
                .isInstanceOf(AssertionError.class).hasMessageContaining("lost or resurrected");
    }

    private static int maxDeliveries(long seed) {
        return 2 + (int) (seed % 3);
    }

    /**
     * Runs a schedule, then drains the partition.
     *
     * @param seed the seed of the workload
     * @param sut makes the partition under test
     * @param reference makes the reference, or {@code null} to check invariants only
     * @return the run, with its coverage counters
     */
    private static Run run(long seed, Supplier<Partition> sut, Supplier<Partition> reference) {
        Run run = new Run(maxDeliveries(seed), seed, sut, reference);
        for (int step = 0; step < STEPS; step++) {
            Op op = run.workload.next();
            run.workload.observe(op, run.step(op, step));
        }
        run.drain(run.workload.now);
        return run;
    }

    /** One schedule: the partitions, what the checker knows from the outside, and coverage counters. */
    private static final class Run {
        final int max;
        final long seed;
        final Workload workload;
        final Driver sut;
        final Driver reference;
        /** Appended ids by key, in order; unkeyed ones under {@code null}. */
        final Map<String, List<EntryId>> appendedByKey = new HashMap<>();
        final Map<EntryId, String> appended = new LinkedHashMap<>();
        final Set<EntryId> acked = new HashSet<>();
        final Set<EntryId> deadLettered = new HashSet<>();
        final Set<EntryId> purged = new HashSet<>();
        final Set<EntryId> nackedToDeadLetter = new HashSet<>();
        final Map<Settlement, Integer> settlements = new EnumMap<>(Settlement.class);
        final Map<Reason, Integer> deadLetterReports = new EnumMap<>(Reason.class);
        final Set<State> states = EnumSet.noneOf(State.class);
        int grants;
        int deliveredOnAppend;
        int refusedOnAppend;
        int redeliveries;
        int crashes;
        int lossyCrashes;
        int ackAfterDeadline;
        int extendAfterExpiry;
        int staleAfterRedelivery;
        int step;

        Run(int max, long seed, Supplier<Partition> sut, Supplier<Partition> reference) {
            this.max = max;
            this.seed = seed;
            this.workload = new Workload(seed, true);
            this.sut = new Driver(sut);
            this.reference = reference == null ? null : new Driver(reference);
        }

        Object step(Op op, int stepNumber) {
            step = stepNumber;
            Map<EntryId, Entry> before = byId(sut.partition().snapshot());
            Object result = null;
            try {
                result = sut.run(op);
                if (reference != null) {
                    Object expected = reference.run(op);
                    assertThat(result).as("result differs from the reference").isEqualTo(expected);
                    assertThat(sut.partition().snapshot()).as("state differs from the reference")
                            .isEqualTo(reference.partition().snapshot());
                    assertThat(sut.partition().nextDeadline()).as("next deadline differs from the reference")
                            .isEqualTo(reference.partition().nextDeadline());
                }
                observe(op, result, before);
                checkState(op, result, before);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + ", step " + step + ", " + sut.partition() + ": " + op
                        + " -> " + result + "\nbefore: " + before.values() + "\nafter: " + sut.partition().snapshot()
                        + "\n" + e.getMessage(), e);
            }
            return result;
        }

        @SuppressWarnings("unchecked")
        private void observe(Op op, Object result, Map<EntryId, Entry> before) {
            if (result instanceof Settlement s) {
                settlements.merge(s, 1, Integer::sum);
            }
            if (op instanceof Op.Append a) {
                appended.put(a.id(), a.key());
                appendedByKey.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.id());
            } else if (op instanceof Op.DeliverAppended d) {
                Entry b = before.get(d.id());
                if (result == null) {
                    refusedOnAppend++;
                } else {
                    deliveredOnAppend++;
                    Grant g = (Grant) result;
                    assertThat(b.attempts()).as("delivered on append after an earlier delivery").isZero();
                    assertThat(g.attempt()).isEqualTo(1);
                    assertThat(g.visibleUntil()).isEqualTo(d.deadline());
                    checkKeyOrder(g);
                }
            } else if (op instanceof Op.Take t) {
                Set<String> keys = new HashSet<>();
                for (Grant g : (List<Grant>) result) {
                    checkGrant(t, g, before.get(g.entry()), keys);
                }
            } else if (op instanceof Op.Ack a) {
                Entry b = before.get(a.id());
                checkSettlement(a.id(), a.attempt(), (Settlement) result, b, Settlement.ACKED);
                if (result == Settlement.ACKED) {
                    assertThat(acked.add(a.id())).as("acknowledged twice").isTrue();
                    if (b.invisibleUntil() == 0) {
                        ackAfterDeadline++;
                    }
                } else if (result == Settlement.STALE && b.attempts() > a.attempt()) {
                    staleAfterRedelivery++;
                }
            } else if (op instanceof Op.Nack n) {
                Entry b = before.get(n.id());
                Settlement s = (Settlement) result;
                checkSettlement(n.id(), n.attempt(), s, b, n.deadLetter() ? Settlement.DEAD_LETTER_DUE : null);
                Optional<Entry> after = entry(n.id());
                if (s == Settlement.DEAD_LETTER_DUE) {
                    assertThat(after.orElseThrow().deadLetter()).isEqualTo(n.deadLetter() ? Reason.NACKED
                            : Reason.MAX_DELIVERIES);
                    assertThat(n.deadLetter() || b.attempts() >= max).as("dead-lettered before max deliveries").isTrue();
                    if (n.deadLetter()) {
                        nackedToDeadLetter.add(n.id());
                    }
                } else if (s == Settlement.REQUEUED) {
                    assertThat(after.orElseThrow().attemptOpen()).as("requeued attempt still open").isFalse();
                    assertThat(after.orElseThrow().invisibleUntil()).isEqualTo(n.delayMillis() == 0 ? 0
                            : n.now() + n.delayMillis());
                }
            } else if (op instanceof Op.Extend x) {
                Entry b = before.get(x.id());
                checkSettlement(x.id(), x.attempt(), (Settlement) result, b, Settlement.EXTENDED);
                if (result == Settlement.EXTENDED) {
                    assertThat(entry(x.id()).orElseThrow().invisibleUntil()).isEqualTo(x.newVisibleUntil());
                    if (b.invisibleUntil() <= x.now()) {
                        extendAfterExpiry++;
                    }
                }
            } else if (op instanceof Op.Release r) {
                checkSettlement(r.id(), r.attempt(), (Settlement) result, before.get(r.id()), Settlement.RELEASED);
            } else if (op instanceof Op.DeadLetters d) {
                EntryId previous = null;
                for (DeadLetter dl : (List<DeadLetter>) result) {
                    assertThat(previous == null || previous.compareTo(dl.entry()) < 0).as("dead letters in id order")
                            .isTrue();
                    previous = dl.entry();
                    deadLetterReports.merge(dl.reason(), 1, Integer::sum);
                    if (dl.reason() == Reason.NACKED) {
                        assertThat(nackedToDeadLetter).as("dead letter NACKED without such a nack").contains(dl.entry());
                    } else {
                        assertThat(dl.attempts()).as("dead letter MAX_DELIVERIES before max deliveries")
                                .isGreaterThanOrEqualTo(max);
                    }
                }
            } else if (op instanceof Op.Remove r) {
                Entry b = before.get(r.id());
                assertThat(result).as("remove tells whether the entry was there").isEqualTo(b != null);
                if (b != null) {
                    (b.deadLetter() != null ? deadLettered : purged).add(r.id());
                }
            } else if (op instanceof Op.StateOf s) {
                ((Optional<State>) result).ifPresent(states::add);
                assertThat(((Optional<State>) result).isPresent()).isEqualTo(entry(s.id()).isPresent());
            } else if (op instanceof Op.StatsAt) {
                Stats stats = (Stats) result;
                List<Entry> now = sut.partition().snapshot();
                assertThat(stats.size()).isEqualTo(now.size());
                assertThat(stats.ready() + stats.inFlight() + stats.delayed() + stats.blocked() + stats.deadLetterDue())
                        .as("stats add up").isEqualTo(stats.size());
                assertThat(stats.oldestEntryMillis()).isEqualTo(now.isEmpty() ? 0 : now.get(0).id().millis());
            } else if (op instanceof Op.Crash c) {
                if (c.lossy()) {
                    lossyCrashes++;
                } else {
                    crashes++;
                    assertThat(sut.partition().snapshot()).as("restored from the full snapshot")
                            .isEqualTo(List.copyOf(before.values()));
                }
            }
        }

        private void checkGrant(Op.Take take, Grant g, Entry before, Set<String> keysOfTake) {
            grants++;
            assertThat(before).as("granted an entry that was not there").isNotNull();
            assertThat(g.attempt()).as("a grant is the next attempt").isEqualTo(before.attempts() + 1);
            assertThat(g.visibleUntil()).isEqualTo(take.now() + take.visibilityMillis());
            assertThat(g.key()).isEqualTo(appended.get(g.entry()));
            if (g.attempt() > 1) {
                redeliveries++;
            }
            if (g.key() != null) {
                assertThat(keysOfTake.add(g.key())).as("two deliveries of key %s in one take", g.key()).isTrue();
            }
            checkKeyOrder(g);
        }

        private void checkKeyOrder(Grant g) {
            if (g.key() == null) {
                return;
            }
            for (EntryId older : appendedByKey.get(g.key())) {
                if (older.compareTo(g.entry()) >= 0) {
                    break;
                }
                assertThat(isSettled(older)).as("granted %s of key %s while the older %s is unsettled",
                        g.entry(), g.key(), older).isTrue();
            }
        }

        /**
         * Checks a settlement against the state before it: only the current open attempt is accepted.
         *
         * @param success the settlement expected when accepted, or {@code null} if either of REQUEUED and
         *     DEAD_LETTER_DUE may come
         */
        private void checkSettlement(EntryId id, int attempt, Settlement s, Entry before, Settlement success) {
            if (s == Settlement.UNKNOWN) {
                assertThat(before).as("UNKNOWN for an entry that was there").isNull();
                return;
            }
            assertThat(before).as("an outcome other than UNKNOWN for an entry that was not there").isNotNull();
            if (s == Settlement.STALE) {
                return;
            }
            if (success != null) {
                assertThat(s).isEqualTo(success);
            }
            assertThat(before.attemptOpen() && before.attempts() == attempt && before.deadLetter() == null)
                    .as("acknowledged an attempt that was not the current open one").isTrue();
        }

        private void checkState(Op op, Object result, Map<EntryId, Entry> before) {
            List<Entry> after = sut.partition().snapshot();
            Set<EntryId> expected = new TreeSet<>(appended.keySet());
            expected.removeIf(this::isSettled);
            List<EntryId> ids = after.stream().map(Entry::id).toList();
            assertThat(ids).as("entries lost or resurrected").isEqualTo(List.copyOf(expected));
            Set<String> seenKeys = new HashSet<>();
            for (Entry e : after) {
                assertThat(e.key()).isEqualTo(appended.get(e.id()));
                if (e.key() != null && !seenKeys.add(e.key())) {
                    assertThat(e).as("only the oldest entry of a key is delivered, invisible or dead-letter-due")
                            .isEqualTo(new Entry(e.id(), e.key(), 0, 0, false, null));
                }
                Entry b = before.get(e.id());
                if (b != null) {
                    boolean released = op instanceof Op.Release r && r.id().equals(e.id())
                            && result == Settlement.RELEASED;
                    if (released) {
                        assertThat(e.attempts()).as("attempts of %s after a release", e.id()).isEqualTo(b.attempts() - 1);
                    } else {
                        assertThat(e.attempts()).as("attempts of %s never decrease", e.id())
                                .isGreaterThanOrEqualTo(b.attempts());
                    }
                }
            }
            boolean noTime = op instanceof Op.Ack || op instanceof Op.Release || op instanceof Op.NextDeadline;
            if (noTime && (result == Settlement.STALE || result == Settlement.UNKNOWN || result instanceof Long)) {
                assertThat(after).as("a call that failed or only asked changed the state")
                        .isEqualTo(List.copyOf(before.values()));
            }
            sut.partition().checkConsistency();
        }

        /** Advances time, dead-letters, takes and acknowledges until the partition is empty. */
        @SuppressWarnings("unchecked")
        void drain(long start) {
            long now = start;
            for (int round = 0; !sut.partition().snapshot().isEmpty(); round++) {
                assertThat(round).as("the drain ends").isLessThan(10_000);
                for (DeadLetter d : (List<DeadLetter>) step(new Op.DeadLetters(now), ++step)) {
                    assertThat(step(new Op.Remove(d.entry()), ++step)).isEqualTo(true);
                }
                for (Grant g : (List<Grant>) step(new Op.Take(1000, now, 10), ++step)) {
                    assertThat(step(new Op.Ack(g.entry(), g.attempt()), ++step)).isEqualTo(Settlement.ACKED);
                }
                long next = sut.partition().nextDeadline();
                now = next == Long.MAX_VALUE ? now + 1 : Math.max(now + 1, next);
            }
            Set<EntryId> accounted = new HashSet<>(acked);
            accounted.addAll(deadLettered);
            accounted.addAll(purged);
            assertThat(accounted).as("every entry acknowledged, dead-lettered or purged")
                    .isEqualTo(appended.keySet());
            assertThat(acked.size() + deadLettered.size() + purged.size()).as("and only once")
                    .isEqualTo(appended.size());
        }

        private boolean isSettled(EntryId id) {
            return acked.contains(id) || deadLettered.contains(id) || purged.contains(id);
        }

        private Optional<Entry> entry(EntryId id) {
            return Optional.ofNullable(byId(sut.partition().snapshot()).get(id));
        }

        private static Map<EntryId, Entry> byId(List<Entry> entries) {
            Map<EntryId, Entry> map = new LinkedHashMap<>();
            entries.forEach(e -> map.put(e.id(), e));
            return map;
        }
    }
}
