package io.dsync.queue.core;

import java.util.List;
import java.util.Optional;

import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Entry;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;
import io.dsync.queue.core.PartitionState.Stats;

/**
 * The operations of {@link PartitionState}, so that schedules can run against it, against the
 * {@link ReferencePartition} and against deliberately broken variants alike.
 */
interface Partition {

    void restore(Entry entry);

    void restore(EntryId entry, String key, int attempts, long invisibleUntil);

    void append(EntryId entry, String key);

    List<Grant> take(int max, long now, long visibilityMillis);

    boolean keyFree(String key);

    Grant deliverAppended(EntryId entry, long deadline);

    Settlement ack(EntryId entry, int attempt);

    Settlement nack(EntryId entry, int attempt, boolean deadLetter, long delayMillis, long now);

    Settlement extend(EntryId entry, int attempt, long newVisibleUntil, long now);

    Settlement release(EntryId entry, int attempt);

    List<DeadLetter> deadLetters(long now);

    boolean remove(EntryId entry);

    Optional<State> state(EntryId entry, long now);

    Stats stats(long now);

    boolean hasReady(long now);

    long nextDeadline();

    List<Entry> snapshot();

    /** Checks internal consistency where there is any to check. */
    default void checkConsistency() {
    }

    /**
     * Wraps the real thing.
     *
     * @param maxDeliveries the maximum number of deliveries
     * @return a new, empty partition
     */
    static Partition real(int maxDeliveries) {
        PartitionState s = new PartitionState(maxDeliveries);
        return new Partition() {
            @Override
            public void restore(Entry entry) {
                s.restore(entry);
            }

            @Override
            public void restore(EntryId entry, String key, int attempts, long invisibleUntil) {
                s.restore(entry, key, attempts, invisibleUntil);
            }

            @Override
            public void append(EntryId entry, String key) {
                s.append(entry, key);
            }

            @Override
            public List<Grant> take(int max, long now, long visibilityMillis) {
                return s.take(max, now, visibilityMillis);
            }

            @Override
            public boolean keyFree(String key) {
                return s.keyFree(key);
            }

            @Override
            public Grant deliverAppended(EntryId entry, long deadline) {
                return s.deliverAppended(entry, deadline);
            }

            @Override
            public Settlement ack(EntryId entry, int attempt) {
                return s.ack(entry, attempt);
            }

            @Override
            public Settlement nack(EntryId entry, int attempt, boolean deadLetter, long delayMillis, long now) {
                return s.nack(entry, attempt, deadLetter, delayMillis, now);
            }

            @Override
            public Settlement extend(EntryId entry, int attempt, long newVisibleUntil, long now) {
                return s.extend(entry, attempt, newVisibleUntil, now);
            }

            @Override
            public Settlement release(EntryId entry, int attempt) {
                return s.release(entry, attempt);
            }

            @Override
            public List<DeadLetter> deadLetters(long now) {
                return s.deadLetters(now);
            }

            @Override
            public boolean remove(EntryId entry) {
                return s.remove(entry);
            }

            @Override
            public Optional<State> state(EntryId entry, long now) {
                return s.state(entry, now);
            }

            @Override
            public Stats stats(long now) {
                return s.stats(now);
            }

            @Override
            public boolean hasReady(long now) {
                return s.hasReady(now);
            }

            @Override
            public long nextDeadline() {
                return s.nextDeadline();
            }

            @Override
            public List<Entry> snapshot() {
                return s.snapshot();
            }

            @Override
            public void checkConsistency() {
                s.checkConsistency();
            }

            @Override
            public String toString() {
                return "PartitionState";
            }
        };
    }
}
