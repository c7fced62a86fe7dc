package io.dsync.queue.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The delivery state of one queue partition, held in memory by the node that owns the partition: which
 * entries may be delivered now, how often each was delivered, until when each is invisible, and which
 * must go to the dead-letter queue. The storage (a Redis stream) holds the messages durably; this class
 * only decides. It implements the delivery rules of the {@code io.dsync.queue} API
 * ({@code QueueService}: at-least-once delivery, per-key ordering, visibility deadlines, maximum
 * deliveries); what follows are the decisions the API leaves to the implementation.
 *
 * <h2>Entries and their states</h2>
 * A partition is a sequence of entries in {@link EntryId} order. Each has an optional key, a number of
 * {@linkplain Entry#attempts() attempts} (deliveries so far), an {@linkplain Entry#invisibleUntil()
 * invisibility deadline} (0 when visible) and a flag telling whether its current attempt is
 * {@linkplain Entry#attemptOpen() open}: delivered and neither requeued nor released, so that its
 * consumer can still settle it. The {@link State} of an entry follows:
 * <ul>
 *   <li>{@link State#DEAD_LETTER_DUE}: decided to go to the dead-letter queue, with a {@link Reason};</li>
 *   <li>{@link State#IN_FLIGHT}: invisible with an open attempt; {@link State#DELAYED}: invisible after
 *       a requeue with a delay;</li>
 *   <li>{@link State#READY}: visible and the oldest unsettled entry of its key (or unkeyed);</li>
 *   <li>{@link State#BLOCKED}: keyed, and an older entry of its key is still there.</li>
 * </ul>
 * At most one entry per key is anything but blocked: entries of a key are delivered strictly one after
 * the other, each only once every older one has been acknowledged or {@link #remove removed} (after
 * dead-lettering). A dead-letter-due entry still blocks its key until it is removed. Unkeyed entries
 * are independent. {@link #take} delivers ready entries oldest first, so redeliveries (which are
 * older) come before new entries.
 *
 * <h2>Time</h2>
 * Time is an argument ({@code now}, epoch milliseconds, not negative); this class reads no clock. Every
 * method that takes {@code now} first applies the deadlines that have passed at {@code now}: an
 * invisible entry whose deadline is at or before {@code now} becomes visible, or dead-letter-due with
 * {@link Reason#MAX_DELIVERIES} if it has been delivered {@code maxDeliveries} times. An entry that
 * becomes visible because its deadline passed keeps its attempt open until it is delivered again: its
 * consumer may still {@link #ack ack}, {@link #nack nack}, {@link #extend extend} or {@link #release
 * release} it (the API accepts these after the deadline if the message was not delivered again).
 * Methods without {@code now} do not apply deadlines, so an {@code ack} that arrives after the deadline
 * but before any call with a later {@code now} still succeeds, even where that deadline will make the
 * entry dead-letter-due. Time may go backwards (a restarted or new owner with a slower clock): entries
 * made visible stay visible, and new deadlines count from the {@code now} given.
 *
 * <h2>Settling and staleness</h2>
 * A delivery is designated by its entry id and attempt number, as in {@link Grant}. Only the current,
 * open attempt of an entry that is not dead-letter-due can be settled; every other attempt is answered
 * with {@link Settlement#STALE} and changes nothing. This includes an attempt already requeued by
 * {@code nack} or given back by {@code release}, and every attempt of a dead-letter-due entry: once the
 * owner has been told to dead-letter an entry, the entry is the owner's until it calls {@code remove}.
 *
 * <h2>The owner's loop</h2>
 * The owner serializes all calls. It {@link #restore restores} the state from storage when it takes the
 * partition over, {@link #append appends} new messages, {@link #take takes} deliveries for pollers,
 * forwards settlements, and arms a timer for {@link #nextDeadline()}. When a call reports
 * {@link Settlement#DEAD_LETTER_DUE}, when {@link #hasDeadLetters()} is true, or when the timer fires,
 * it asks {@link #deadLetters(long)}, moves those entries to the dead-letter queue (or deletes them when
 * there is none) and then calls {@link #remove(EntryId)} for each; they stay listed until then.
 * Whatever this class decides must be written to storage before it is acted upon; the
 * {@link #snapshot()} states what storage needs to hold for {@link #restore(Entry)} to rebuild an equal
 * state.
 *
 * <h2>Cost</h2>
 * A partition may hold millions of entries. {@code append}, {@code ack}, {@code nack}, {@code extend},
 * {@code release}, {@code remove} of an entry that is not blocked, and {@code take} per delivered entry
 * cost O(log n); applying deadlines costs O(log n) per deadline passed. {@link #stats(long)},
 * {@link #hasReady(long)} and {@link #nextDeadline()} cost O(log n) plus the deadlines passed.
 * {@link #snapshot()} and {@link #deadLetters(long)} are linear in what they return. Removing a blocked
 * entry (only the owner's own {@code remove} can) costs O(entries of its key).
 *
 * <h2>Determinism and thread safety</h2>
 * Results and the resulting state depend only on the previous state and the arguments: no clock,
 * randomness or hash order is consulted, and ties between equal deadlines are broken by entry id. The
 * class is <em>not</em> thread-safe: the owner of the partition serializes all calls, typically on one
 * thread or under one lock.
 */
public final class PartitionState {

    /** Upper bound of {@code maxDeliveries}, as in the queue API's {@code QueueConfig}. */
    public static final int MAX_MAX_DELIVERIES = 1000;

    /** The state of an entry at a given time. */
    public enum State {
        /** Visible and the oldest unsettled entry of its key, or unkeyed: {@link #take} delivers it. */
        READY,
        /** Keyed, and an older entry of its key is still in the partition. */
        BLOCKED,
        /** Delivered, the deadline not passed, neither requeued nor released. */
        IN_FLIGHT,
        /** Requeued with a delay that has not passed yet (or restored invisible without an open attempt). */
        DELAYED,
        /** Waiting to be moved to the dead-letter queue and {@linkplain #remove removed}. */
        DEAD_LETTER_DUE
    }

    /** Why an entry is due to be dead-lettered. */
    public enum Reason {
        /** It became visible again (deadline passed, or requeued) after {@code maxDeliveries} deliveries. */
        MAX_DELIVERIES,
        /** Its consumer nacked it with {@code deadLetter}. */
        NACKED
    }

    /** The outcome of a settlement call. */
    public enum Settlement {
        /** {@link #ack}: the entry is gone and the next entry of its key may be delivered. */
        ACKED,
        /** {@link #nack} without dead-lettering: the entry is visible again now or after the delay. */
        REQUEUED,
        /**
         * {@link #nack}: the entry is now dead-letter-due, because the consumer asked for it or because
         * it had been delivered {@code maxDeliveries} times.
         */
        DEAD_LETTER_DUE,
        /** {@link #extend}: the attempt has its new deadline. */
        EXTENDED,
        /** {@link #release}: the delivery no longer counts; the entry is visible again. */
        RELEASED,
        /**
         * The entry exists but the attempt is not its current open attempt (superseded by a later
         * delivery, already requeued or released, never delivered), or the entry is dead-letter-due.
         * Nothing changed.
         */
        STALE,
        /** No such entry: settled before, or never appended. Nothing changed. */
        UNKNOWN
    }

    /**
     * One delivery made by {@link #take}.
     *
     * @param entry the entry delivered
     * @param key the entry's key, or {@code null}
     * @param attempt the number of this attempt, starting at 1: the API's delivery count
     * @param visibleUntil the deadline of this attempt, epoch milliseconds
     */
    public record Grant(EntryId entry, String key, int attempt, long visibleUntil) {
    }

    /**
     * An entry that must be moved to the dead-letter queue (or deleted when there is none) and then
     * {@linkplain #remove removed}.
     *
     * @param entry the entry
     * @param key its key, or {@code null}
     * @param attempts how often it was delivered
     * @param reason why it is dead-lettered
     */
    public record DeadLetter(EntryId entry, String key, int attempts, Reason reason) {
    }

    /**
     * What is known of one entry, independent of time; also the unit of {@link #snapshot()} and
     * {@link #restore(Entry)}.
     *
     * @param id the entry id
     * @param key the ordering key, or {@code null} for an unordered entry
     * @param attempts how often the entry was delivered, not counting released deliveries
     * @param invisibleUntil the deadline until which the entry is invisible, epoch milliseconds, or 0
     *     when it is visible (the deadline may lie in the past if no call has applied it yet)
     * @param attemptOpen whether attempt number {@code attempts} is still held by its consumer: delivered,
     *     not requeued, not released, not dead-letter-due. Only then can it be settled
     * @param deadLetter why the entry is due to be dead-lettered, or {@code null} if it is not
     */
    public record Entry(EntryId id, String key, int attempts, long invisibleUntil, boolean attemptOpen,
            Reason deadLetter) {

        /**
         * Validates the entry.
         *
         * @param id the entry id
         * @param key the key, or {@code null}
         * @param attempts the number of deliveries
         * @param invisibleUntil the invisibility deadline, or 0
         * @param attemptOpen whether the current attempt is open
         * @param deadLetter the dead-letter reason, or {@code null}
         * @throws NullPointerException if {@code id} is {@code null}
         * @throws IllegalArgumentException if {@code attempts} or {@code invisibleUntil} is negative, an
         *     attempt is open while {@code attempts} is 0, or a dead-letter-due entry is invisible or has
         *     an open attempt
         */
        public Entry {
            if (id == null) {
                throw new NullPointerException("id");
            }
            if (attempts < 0) {
                throw new IllegalArgumentException("attempts must not be negative, was " + attempts + " for " + id);
            }
            if (invisibleUntil < 0) {
                throw new IllegalArgumentException("invisibleUntil must not be negative, was " + invisibleUntil
                        + " for " + id);
            }
            if (attemptOpen && attempts == 0) {
                throw new IllegalArgumentException("an entry delivered 0 times has no open attempt: " + id);
            }
            if (deadLetter != null && (attemptOpen || invisibleUntil != 0)) {
                throw new IllegalArgumentException("a dead-letter-due entry is visible and has no open attempt: "
                        + id + " has invisibleUntil " + invisibleUntil + ", attemptOpen " + attemptOpen);
            }
        }
    }

    /**
     * Counts of a partition's entries by state, at one time.
     *
     * @param size all entries
     * @param ready entries that {@link #take} would deliver
     * @param inFlight delivered entries whose deadline has not passed
     * @param delayed requeued entries whose delay has not passed
     * @param blocked entries behind an older entry of their key
     * @param deadLetterDue entries waiting to be dead-lettered
     * @param oldestEntryMillis the millisecond part of the oldest entry's id, or 0 when the partition
     *     is empty
     */
    public record Stats(int size, int ready, int inFlight, int delayed, int blocked, int deadLetterDue,
            long oldestEntryMillis) {

        /**
         * Returns the age of the oldest entry.
         *
         * @param now the current time, epoch milliseconds
         * @return {@code now - oldestEntryMillis}, at least 0; 0 when the partition is empty
         */
        public long oldestAgeMillis(long now) {
            return size == 0 ? 0 : Math.max(0, now - oldestEntryMillis);
        }
    }

    /** Which index an entry is in; exactly one, so that the counts add up. */
    private enum Place {
        READY, BLOCKED, INVISIBLE, DEAD_LETTER
    }

    /** The mutable state of one entry. Fields used by an index's order change only while out of that index. */
    private static final class Node {
        final EntryId id;
        final String key;
        int attempts;
        long invisibleUntil;
        boolean open;
        Reason deadLetter;
        Place place;

        Node(EntryId id, String key, int attempts) {
            this.id = id;
            this.key = key;
            this.attempts = attempts;
        }

        Entry view() {
            return new Entry(id, key, attempts, invisibleUntil, open, deadLetter);
        }
    }

    private static final Comparator<Node> BY_ID = Comparator.comparing(n -> n.id);

    private static final Comparator<Node> BY_DEADLINE =
            Comparator.comparingLong((Node n) -> n.invisibleUntil).thenComparing(n -> n.id);

    private final int maxDeliveries;

    /** Every entry, in id order. */
    private final TreeMap<EntryId, Node> entries = new TreeMap<>();

    /** {@link Place#READY} entries in id order: the delivery order. */
    private final TreeSet<Node> ready = new TreeSet<>(BY_ID);

    /** {@link Place#INVISIBLE} entries by deadline, then id. */
    private final TreeSet<Node> invisible = new TreeSet<>(BY_DEADLINE);

    /** {@link Place#DEAD_LETTER} entries in id order. */
    private final TreeMap<EntryId, Node> deadLetters = new TreeMap<>();

    /** Per key, its entries in id order; the first one is the only one that may be other than blocked. */
    private final Map<String, ArrayDeque<Node>> keys = new HashMap<>();

    /** Invisible entries with an open attempt. */
    private int inFlight;

    /** The greatest id appended or restored, or {@code null}. */
    private EntryId lastId;

    /**
     * Creates an empty partition.
     *
     * @param maxDeliveries how often an entry is delivered at most, 1 to {@value #MAX_MAX_DELIVERIES}
     * @throws IllegalArgumentException if {@code maxDeliveries} is out of range
     */
    public PartitionState(int maxDeliveries) {
        if (maxDeliveries < 1 || maxDeliveries > MAX_MAX_DELIVERIES) {
            throw new IllegalArgumentException("maxDeliveries must be between 1 and " + MAX_MAX_DELIVERIES
                    + ", was " + maxDeliveries);
        }
        this.maxDeliveries = maxDeliveries;
    }

    /**
     * Returns how often an entry is delivered at most.
     *
     * @return the {@code maxDeliveries} given to the constructor
     */
    public int maxDeliveries() {
        return maxDeliveries;
    }

    /**
     * Rebuilds one entry after a takeover, from storage that holds only attempts and deadlines. Call it
     * for every entry in ascending id order, on a new instance. Equivalent to {@link #restore(Entry)}
     * with the attempt taken as open whenever {@code attempts >= 1} and no dead-letter decision: an
     * attempt possibly still held by a consumer is accepted when it is settled (at worst, an ack of a
     * requeued attempt removes a message that was processed once), and an entry whose dead-lettering
     * was not finished is delivered again or dead-lettered again when it becomes visible.
     *
     * @param entry the entry id, greater than every id given before
     * @param key the key, or {@code null}
     * @param attempts how often it was delivered, not negative
     * @param invisibleUntil its deadline, epoch milliseconds, or 0 if visible
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code entry} is not greater than every id seen, or a number is
     *     negative
     */
    public void restore(EntryId entry, String key, int attempts, long invisibleUntil) {
        restore(new Entry(entry, key, attempts, invisibleUntil, attempts >= 1, null));
    }

    /**
     * Rebuilds one entry after a takeover, from storage that holds everything in {@link Entry}. Call it
     * for every entry of a {@link #snapshot()} in order, on a new instance, to get an equal state. Data
     * that this class never produces is made consistent: a keyed entry behind an older entry of its key
     * is restored blocked (visible, without an open attempt, keeping its attempts and any dead-letter
     * reason), and a visible entry at the head of its key with {@code maxDeliveries} or more attempts
     * becomes dead-letter-due with {@link Reason#MAX_DELIVERIES}.
     *
     * @param entry the entry, with an id greater than every id given before
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if its id is not greater than every id seen
     */
    public void restore(Entry entry) {
        requireNewId(entry.id(), "restore");
        Node n = new Node(entry.id(), entry.key(), entry.attempts());
        boolean head = link(n);
        if (!head) {
            // Only the oldest entry of a key can have been delivered; anything else is normalized.
            if (entry.deadLetter() != null) {
                toDeadLetter(n, entry.deadLetter());
            } else {
                n.place = Place.BLOCKED;
            }
        } else if (entry.deadLetter() != null) {
            toDeadLetter(n, entry.deadLetter());
        } else if (entry.invisibleUntil() > 0) {
            hide(n, entry.invisibleUntil(), entry.attemptOpen());
        } else {
            n.open = entry.attemptOpen();
            becomeVisibleHead(n);
        }
    }

    /**
     * Adds a newly appended message, visible at once: ready if it is unkeyed or the only entry of its
     * key, blocked otherwise.
     *
     * @param entry the entry id, greater than every id appended or restored before
     * @param key the key, or {@code null} for an unordered message
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code entry} is not greater than every id seen
     */
    public void append(EntryId entry, String key) {
        if (entry == null) {
            throw new NullPointerException("entry");
        }
        requireNewId(entry, "append");
        Node n = new Node(entry, key, 0);
        if (link(n)) {
            becomeVisibleHead(n);
        } else {
            n.place = Place.BLOCKED;
        }
    }

    /**
     * Delivers up to {@code max} ready entries, oldest first, after applying the deadlines passed at
     * {@code now}. Each delivered entry gets one more attempt, an open attempt and the deadline
     * {@code now + visibilityMillis}; the previous attempt, if any, becomes stale. The result holds at
     * most one entry per key.
     *
     * @param max the maximum number of deliveries, not negative
     * @param now the current time, epoch milliseconds
     * @param visibilityMillis how long each delivery stays invisible, positive
     * @return the deliveries in id order, possibly empty
     * @throws IllegalArgumentException if {@code max} or {@code now} is negative or
     *     {@code visibilityMillis} is not positive
     */
    public List<Grant> take(int max, long now, long visibilityMillis) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        if (visibilityMillis <= 0) {
            throw new IllegalArgumentException("visibilityMillis must be positive, was " + visibilityMillis);
        }
        applyDeadlines(now);
        List<Grant> grants = new ArrayList<>(Math.min(max, ready.size()));
        long deadline = plus(now, visibilityMillis);
        while (grants.size() < max && !ready.isEmpty()) {
            Node n = ready.pollFirst();
            n.attempts++;
            hide(n, deadline, true);
            grants.add(new Grant(n.id, n.key, n.attempts, deadline));
        }
        return grants;
    }

    /**
     * Tells whether a message with this key, appended now, would be ready: it is unkeyed, or no entry of its key is
     * in the partition. An owner that writes a message's first delivery together with the message asks this first.
     *
     * @param key the key, or {@code null}
     * @return whether nothing of the key is here
     */
    public boolean keyFree(String key) {
        return key == null || !keys.containsKey(key);
    }

    /**
     * Delivers an entry just {@link #append appended}, if it is ready, as its first attempt with the deadline given
     * (the one its delivery record was stored with, together with the message): the owner of a partition that a poll
     * was waiting on stores a message and its first delivery in one write. Older ready entries are passed over: the
     * entry is new, so only the order of its key binds it, and a ready entry is the oldest of its key.
     *
     * @param entry the entry, appended and never delivered
     * @param deadline when the delivery becomes visible again, epoch milliseconds, positive
     * @return the grant, or {@code null} if the entry is not ready (an older entry of its key is here) or was
     *     delivered already
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code deadline} is not positive
     */
    public Grant deliverAppended(EntryId entry, long deadline) {
        if (entry == null) {
            throw new NullPointerException("entry");
        }
        if (deadline <= 0) {
            throw new IllegalArgumentException("deadline must be positive, was " + deadline);
        }
        Node n = entries.get(entry);
        if (n == null || n.place != Place.READY || n.attempts != 0) {
            return null;
        }
        ready.remove(n);
        n.attempts = 1;
        hide(n, deadline, true);
        return new Grant(n.id, n.key, n.attempts, deadline);
    }

    /**
     * Acknowledges a delivery: the entry is gone for good and the next entry of its key becomes ready.
     * Accepted for the current open attempt, also after its deadline passed as long as the entry was
     * not delivered again or made dead-letter-due by a call with a later {@code now}.
     *
     * @param entry the entry id
     * @param attempt the attempt number of the delivery, at least 1
     * @return {@link Settlement#ACKED}, {@link Settlement#STALE} or {@link Settlement#UNKNOWN}
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is less than 1
     */
    public Settlement ack(EntryId entry, int attempt) {
        requireAttempt(attempt);
        Node n = entries.get(entry);
        if (n == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(n, attempt)) {
            return Settlement.STALE;
        }
        settle(n);
        return Settlement.ACKED;
    }

    /**
     * Negatively acknowledges a delivery, after applying the deadlines passed at {@code now}. With
     * {@code deadLetter} the entry becomes dead-letter-due with {@link Reason#NACKED}. Otherwise it is
     * requeued at its place, first of its key, with its attempts unchanged and no open attempt: visible
     * at once if {@code delayMillis} is 0, else invisible until {@code now + delayMillis}; but if it has
     * been delivered {@code maxDeliveries} times it becomes dead-letter-due with
     * {@link Reason#MAX_DELIVERIES} at once instead.
     *
     * @param entry the entry id
     * @param attempt the attempt number of the delivery, at least 1
     * @param deadLetter whether to dead-letter rather than requeue
     * @param delayMillis for a requeue, how long the entry stays invisible, not negative; 0 with
     *     {@code deadLetter}
     * @param now the current time, epoch milliseconds
     * @return {@link Settlement#REQUEUED}, {@link Settlement#DEAD_LETTER_DUE}, {@link Settlement#STALE} or
     *     {@link Settlement#UNKNOWN}
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is less than 1, {@code delayMillis} or
     *     {@code now} is negative, or {@code delayMillis} is not 0 with {@code deadLetter}
     */
    public Settlement nack(EntryId entry, int attempt, boolean deadLetter, long delayMillis, long now) {
        requireAttempt(attempt);
        if (delayMillis < 0) {
            throw new IllegalArgumentException("delayMillis must not be negative, was " + delayMillis);
        }
        if (deadLetter && delayMillis != 0) {
            throw new IllegalArgumentException("delayMillis must be 0 when dead-lettering, was " + delayMillis);
        }
        applyDeadlines(now);
        Node n = entries.get(entry);
        if (n == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(n, attempt)) {
            return Settlement.STALE;
        }
        detach(n);
        n.open = false;
        if (deadLetter) {
            toDeadLetter(n, Reason.NACKED);
            return Settlement.DEAD_LETTER_DUE;
        }
        if (n.attempts >= maxDeliveries) {
            toDeadLetter(n, Reason.MAX_DELIVERIES);
            return Settlement.DEAD_LETTER_DUE;
        }
        if (delayMillis == 0) {
            becomeVisibleHead(n);
        } else {
            hide(n, plus(now, delayMillis), false);
        }
        return Settlement.REQUEUED;
    }

    /**
     * Moves the deadline of a delivery, after applying the deadlines passed at {@code now}. Accepted
     * for the current open attempt, in flight or with its deadline passed but not delivered again; the
     * entry is then in flight until {@code newVisibleUntil}, which may also be earlier than before.
     *
     * @param entry the entry id
     * @param attempt the attempt number of the delivery, at least 1
     * @param newVisibleUntil the new deadline, epoch milliseconds, after {@code now}
     * @param now the current time, epoch milliseconds
     * @return {@link Settlement#EXTENDED}, {@link Settlement#STALE} or {@link Settlement#UNKNOWN}
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is less than 1, {@code now} is negative, or
     *     {@code newVisibleUntil} is not after {@code now}
     */
    public Settlement extend(EntryId entry, int attempt, long newVisibleUntil, long now) {
        requireAttempt(attempt);
        requireTime(now);
        if (newVisibleUntil <= now) {
            throw new IllegalArgumentException("newVisibleUntil must be after now (" + now + "), was "
                    + newVisibleUntil);
        }
        applyDeadlines(now);
        Node n = entries.get(entry);
        if (n == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(n, attempt)) {
            return Settlement.STALE;
        }
        detach(n);
        hide(n, newVisibleUntil, true);
        return Settlement.EXTENDED;
    }

    /**
     * Gives back a delivery that never reached its consumer (for example a cancelled poll): the attempt
     * does not count ({@code attempts} decreases by one) and the entry is visible at once, first of its
     * key. Accepted for the current open attempt.
     *
     * @param entry the entry id
     * @param attempt the attempt number of the delivery, at least 1
     * @return {@link Settlement#RELEASED}, {@link Settlement#STALE} or {@link Settlement#UNKNOWN}
     * @throws NullPointerException if {@code entry} is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is less than 1
     */
    public Settlement release(EntryId entry, int attempt) {
        requireAttempt(attempt);
        Node n = entries.get(entry);
        if (n == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(n, attempt)) {
            return Settlement.STALE;
        }
        detach(n);
        n.attempts--;
        n.open = false;
        becomeVisibleHead(n);
        return Settlement.RELEASED;
    }

    /**
     * Applies the deadlines passed at {@code now} and lists the entries due to be dead-lettered. They
     * stay in the partition, blocking their keys, until {@link #remove(EntryId)}.
     *
     * @param now the current time, epoch milliseconds
     * @return the dead-letter-due entries in id order, possibly empty
     * @throws IllegalArgumentException if {@code now} is negative
     */
    public List<DeadLetter> deadLetters(long now) {
        applyDeadlines(now);
        List<DeadLetter> result = new ArrayList<>(deadLetters.size());
        for (Node n : deadLetters.values()) {
            result.add(new DeadLetter(n.id, n.key, n.attempts, n.deadLetter));
        }
        return result;
    }

    /**
     * Tells whether entries are due to be dead-lettered, as decided by the calls so far (it applies no
     * deadline).
     *
     * @return {@code true} if {@link #deadLetters(long)} would list at least one entry
     */
    public boolean hasDeadLetters() {
        return !deadLetters.isEmpty();
    }

    /**
     * Removes an entry for good, whatever its state: normally a dead-letter-due entry once the owner
     * has moved it to the dead-letter queue or deleted it. The next entry of its key may then become
     * ready; any attempt of the entry becomes {@link Settlement#UNKNOWN}.
     *
     * @param entry the entry id
     * @return {@code true} if the entry was there
     * @throws NullPointerException if {@code entry} is {@code null}
     */
    public boolean remove(EntryId entry) {
        Node n = entries.get(entry);
        if (n == null) {
            return false;
        }
        settle(n);
        return true;
    }

    /**
     * Returns what is known of one entry; applies no deadline.
     *
     * @param id the entry id
     * @return the entry, or empty if there is no such entry
     * @throws NullPointerException if {@code id} is {@code null}
     */
    public Optional<Entry> entry(EntryId id) {
        Node n = entries.get(id);
        return n == null ? Optional.empty() : Optional.of(n.view());
    }

    /**
     * Applies the deadlines passed at {@code now} and returns the state of one entry.
     *
     * @param id the entry id
     * @param now the current time, epoch milliseconds
     * @return the state, or empty if there is no such entry
     * @throws NullPointerException if {@code id} is {@code null}
     * @throws IllegalArgumentException if {@code now} is negative
     */
    public Optional<State> state(EntryId id, long now) {
        applyDeadlines(now);
        Node n = entries.get(id);
        if (n == null) {
            return Optional.empty();
        }
        return Optional.of(switch (n.place) {
            case READY -> State.READY;
            case BLOCKED -> State.BLOCKED;
            case INVISIBLE -> n.open ? State.IN_FLIGHT : State.DELAYED;
            case DEAD_LETTER -> State.DEAD_LETTER_DUE;
        });
    }

    /**
     * Returns when the next deadline passes: the time at which the owner's timer should wake. It may lie
     * in the past when no call has applied it yet.
     *
     * @return the earliest deadline of an invisible entry, epoch milliseconds, or {@link Long#MAX_VALUE}
     *     if no entry is invisible
     */
    public long nextDeadline() {
        return invisible.isEmpty() ? Long.MAX_VALUE : invisible.first().invisibleUntil;
    }

    /**
     * Applies the deadlines passed at {@code now} and tells whether {@link #take} would deliver.
     *
     * @param now the current time, epoch milliseconds
     * @return {@code true} if at least one entry is ready
     * @throws IllegalArgumentException if {@code now} is negative
     */
    public boolean hasReady(long now) {
        applyDeadlines(now);
        return !ready.isEmpty();
    }

    /**
     * Applies the deadlines passed at {@code now} and counts the entries by state.
     *
     * @param now the current time, epoch milliseconds
     * @return the counts
     * @throws IllegalArgumentException if {@code now} is negative
     */
    public Stats stats(long now) {
        applyDeadlines(now);
        int size = entries.size();
        int blocked = size - ready.size() - invisible.size() - deadLetters.size();
        long oldest = entries.isEmpty() ? 0 : entries.firstKey().millis();
        return new Stats(size, ready.size(), inFlight, invisible.size() - inFlight, blocked, deadLetters.size(),
                oldest);
    }

    /**
     * Returns the number of entries.
     *
     * @return the number of entries in every state
     */
    public int size() {
        return entries.size();
    }

    /**
     * Returns every entry in id order: what storage must hold for {@link #restore(Entry)} to rebuild an
     * equal state, with equal results for equal further calls. Applies no deadline.
     *
     * @return the entries in id order
     */
    public List<Entry> snapshot() {
        List<Entry> result = new ArrayList<>(entries.size());
        for (Node n : entries.values()) {
            result.add(n.view());
        }
        return result;
    }

    /**
     * Checks that the indexes agree with the entries, in linear time; for tests.
     *
     * @throws IllegalStateException naming the first inconsistency found
     */
    void checkConsistency() {
        int readyCount = 0;
        int invisibleCount = 0;
        int openInvisible = 0;
        int deadCount = 0;
        Map<String, EntryId> heads = new HashMap<>();
        for (Node n : entries.values()) {
            boolean head = n.key == null || heads.putIfAbsent(n.key, n.id) == null;
            check(!n.open || n.attempts >= 1, n, "open attempt with 0 attempts");
            check((n.invisibleUntil > 0) == (n.place == Place.INVISIBLE), n, "deadline and place disagree");
            check((n.deadLetter != null) == (n.place == Place.DEAD_LETTER), n, "reason and place disagree");
            check(!n.open || n.place == Place.READY || n.place == Place.INVISIBLE, n, "open attempt while "
                    + n.place);
            switch (n.place) {
                case READY -> {
                    readyCount++;
                    check(head, n, "ready behind an older entry of its key");
                    check(n.attempts < maxDeliveries, n, "ready with maxDeliveries attempts");
                    check(ready.contains(n), n, "not in the ready index");
                }
                case INVISIBLE -> {
                    invisibleCount++;
                    openInvisible += n.open ? 1 : 0;
                    check(head, n, "invisible behind an older entry of its key");
                    check(invisible.contains(n), n, "not in the deadline index");
                }
                case DEAD_LETTER -> {
                    deadCount++;
                    check(deadLetters.get(n.id) == n, n, "not in the dead-letter index");
                }
                case BLOCKED -> check(!head, n, "blocked at the head of its key");
            }
        }
        int keyed = 0;
        for (Map.Entry<String, ArrayDeque<Node>> e : keys.entrySet()) {
            check(!e.getValue().isEmpty(), null, "empty queue kept for key " + e.getKey());
            EntryId previous = null;
            for (Node n : e.getValue()) {
                check(n.key.equals(e.getKey()) && entries.get(n.id) == n, n, "wrong entry in the queue of "
                        + e.getKey());
                check(previous == null || previous.compareTo(n.id) < 0, n, "key queue out of order");
                previous = n.id;
            }
            keyed += e.getValue().size();
        }
        long unkeyed = entries.values().stream().filter(n -> n.key == null).count();
        check(keyed + unkeyed == entries.size(), null, "key queues hold " + keyed + " of " + (entries.size()
                - unkeyed) + " keyed entries");
        check(readyCount == ready.size(), null, "ready index size " + ready.size() + " vs " + readyCount);
        check(invisibleCount == invisible.size(), null, "deadline index size " + invisible.size() + " vs "
                + invisibleCount);
        check(openInvisible == inFlight, null, "in-flight count " + inFlight + " vs " + openInvisible);
        check(deadCount == deadLetters.size(), null, "dead-letter index size " + deadLetters.size() + " vs "
                + deadCount);
    }

    private static void check(boolean condition, Node n, String problem) {
        if (!condition) {
            throw new IllegalStateException(problem + (n == null ? "" : ": " + n.view() + " in " + n.place));
        }
    }

    /**
     * Makes every invisible entry whose deadline is at or before {@code now} visible (its attempt stays
     * open) or dead-letter-due, in deadline order.
     *
     * @param now the current time
     */
    private void applyDeadlines(long now) {
        requireTime(now);
        while (!invisible.isEmpty() && invisible.first().invisibleUntil <= now) {
            Node n = invisible.pollFirst();
            if (n.open) {
                inFlight--;
            }
            becomeVisibleHead(n);
        }
    }

    /**
     * Places a visible entry that is the head of its key, or unkeyed, and detached from every index: ready,
     * or dead-letter-due if it has used up its deliveries.
     *
     * @param n the entry
     */
    private void becomeVisibleHead(Node n) {
        n.invisibleUntil = 0;
        if (n.attempts >= maxDeliveries) {
            toDeadLetter(n, Reason.MAX_DELIVERIES);
        } else {
            n.place = Place.READY;
            ready.add(n);
        }
    }

    /**
     * Makes a detached entry dead-letter-due.
     *
     * @param n the entry
     * @param reason why
     */
    private void toDeadLetter(Node n, Reason reason) {
        n.invisibleUntil = 0;
        n.open = false;
        n.deadLetter = reason;
        n.place = Place.DEAD_LETTER;
        deadLetters.put(n.id, n);
    }

    /**
     * Makes a detached entry invisible.
     *
     * @param n the entry
     * @param until its deadline, positive
     * @param open whether its attempt is open (in flight) or not (delayed)
     */
    private void hide(Node n, long until, boolean open) {
        n.invisibleUntil = until;
        n.open = open;
        n.place = Place.INVISIBLE;
        invisible.add(n);
        if (open) {
            inFlight++;
        }
    }

    /**
     * Takes an entry out of the index of its place; the caller places it again or forgets it.
     *
     * @param n the entry
     */
    private void detach(Node n) {
        switch (n.place) {
            case READY -> ready.remove(n);
            case INVISIBLE -> {
                invisible.remove(n);
                if (n.open) {
                    inFlight--;
                }
            }
            case DEAD_LETTER -> deadLetters.remove(n.id);
            case BLOCKED -> {
                // Blocked entries are only in their key's queue.
            }
        }
    }

    /**
     * Adds a new entry to the entry map and to its key's queue.
     *
     * @param n the entry
     * @return whether it is the head of its key (always for an unkeyed entry)
     */
    private boolean link(Node n) {
        entries.put(n.id, n);
        lastId = n.id;
        if (n.key == null) {
            return true;
        }
        ArrayDeque<Node> queue = keys.computeIfAbsent(n.key, k -> new ArrayDeque<>(1));
        queue.addLast(n);
        return queue.size() == 1;
    }

    /**
     * Removes an entry for good and promotes the next entry of its key.
     *
     * @param n the entry
     */
    private void settle(Node n) {
        detach(n);
        entries.remove(n.id);
        if (n.key == null) {
            return;
        }
        ArrayDeque<Node> queue = keys.get(n.key);
        if (queue.peekFirst() != n) {
            // A blocked (or restored dead-letter-due) entry behind the head: rare, linear in the key.
            queue.remove(n);
            return;
        }
        queue.pollFirst();
        Node next = queue.peekFirst();
        if (next == null) {
            keys.remove(n.key);
        } else if (next.place == Place.BLOCKED) {
            becomeVisibleHead(next);
        }
    }

    private static boolean isCurrent(Node n, int attempt) {
        return n.open && n.attempts == attempt;
    }

    private void requireNewId(EntryId id, String operation) {
        if (lastId != null && id.compareTo(lastId) <= 0) {
            throw new IllegalArgumentException(operation + " of entry " + id
                    + ": ids must be ascending, but it is not greater than " + lastId);
        }
    }

    private static void requireAttempt(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
    }

    private static void requireTime(long now) {
        if (now < 0) {
            throw new IllegalArgumentException("now must not be negative, was " + now);
        }
    }

    /** Adds two non-negative numbers, saturating at {@link Long#MAX_VALUE}. */
    private static long plus(long now, long millis) {
        long sum = now + millis;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
