package io.dsync.queue.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Entry;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Reason;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.core.PartitionState.State;
import io.dsync.queue.core.PartitionState.Stats;

/**
 * An independent, deliberately naive reading of the delivery rules: one list in id order, every
 * question answered by scanning it, states derived rather than indexed. Written from the contract, not
 * from {@link PartitionState}'s code. A {@link Mutation} breaks one rule on purpose, for negative
 * controls.
 */
final class ReferencePartition implements Partition {

    /** A rule broken on purpose. */
    enum Mutation {
        /** None: the reference. */
        NONE,
        /** Readiness ignores keys: a blocked entry is delivered while an older one of its key is out. */
        IGNORE_KEYS,
        /** An ack of any earlier attempt, open or not, is accepted. */
        ACCEPT_STALE_ACK,
        /** An unkeyed entry whose last allowed delivery expires is dropped instead of dead-lettered. */
        DROP_EXPIRED_AT_MAX
    }

    /** One entry. */
    private static final class E {
        final EntryId id;
        final String key;
        int attempts;
        long deadline;
        boolean open;
        Reason dead;

        E(EntryId id, String key, int attempts, long deadline, boolean open, Reason dead) {
            this.id = id;
            this.key = key;
            this.attempts = attempts;
            this.deadline = deadline;
            this.open = open;
            this.dead = dead;
        }
    }

    private final int max;
    private final Mutation mutation;
    private final List<E> list = new ArrayList<>();
    private EntryId last;

    ReferencePartition(int max, Mutation mutation) {
        this.max = max;
        this.mutation = mutation;
    }

    ReferencePartition(int max) {
        this(max, Mutation.NONE);
    }

    @Override
    public String toString() {
        return "ReferencePartition(" + mutation + ")";
    }

    @Override
    public void restore(Entry entry) {
        ascending(entry.id());
        E e = new E(entry.id(), entry.key(), entry.attempts(), entry.invisibleUntil(), entry.attemptOpen(),
                entry.deadLetter());
        list.add(e);
        if (!heads().contains(e)) {
            e.deadline = 0;
            e.open = false;
        }
        normalize();
    }

    @Override
    public void restore(EntryId entry, String key, int attempts, long invisibleUntil) {
        restore(new Entry(entry, key, attempts, invisibleUntil, attempts >= 1, null));
    }

    @Override
    public void append(EntryId entry, String key) {
        ascending(entry);
        list.add(new E(entry, key, 0, 0, false, null));
        normalize();
    }

    @Override
    public List<Grant> take(int n, long now, long visibilityMillis) {
        if (n < 0 || visibilityMillis <= 0) {
            throw new IllegalArgumentException();
        }
        expire(now);
        List<Grant> grants = new ArrayList<>();
        Set<E> heads = heads();
        for (E e : list) {
            if (grants.size() < n && isReady(e, heads)) {
                e.attempts++;
                e.deadline = now + visibilityMillis;
                e.open = true;
                grants.add(new Grant(e.id, e.key, e.attempts, e.deadline));
            }
        }
        return grants;
    }

    @Override
    public boolean keyFree(String key) {
        return key == null || list.stream().noneMatch(e -> key.equals(e.key));
    }

    @Override
    public Grant deliverAppended(EntryId entry, long deadline) {
        if (deadline <= 0) {
            throw new IllegalArgumentException();
        }
        E e = find(entry);
        if (e == null || e.attempts != 0 || !isReady(e, heads())) {
            return null;
        }
        e.attempts = 1;
        e.deadline = deadline;
        e.open = true;
        return new Grant(e.id, e.key, e.attempts, e.deadline);
    }

    @Override
    public Settlement ack(EntryId entry, int attempt) {
        E e = find(entry);
        if (e == null) {
            return Settlement.UNKNOWN;
        }
        boolean accepted = mutation == Mutation.ACCEPT_STALE_ACK
                ? e.dead == null && attempt <= e.attempts && e.attempts > 0
                : isCurrent(e, attempt);
        if (!accepted) {
            return Settlement.STALE;
        }
        list.remove(e);
        normalize();
        return Settlement.ACKED;
    }

    @Override
    public Settlement nack(EntryId entry, int attempt, boolean deadLetter, long delayMillis, long now) {
        if (delayMillis < 0 || deadLetter && delayMillis != 0) {
            throw new IllegalArgumentException();
        }
        expire(now);
        E e = find(entry);
        if (e == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(e, attempt)) {
            return Settlement.STALE;
        }
        e.open = false;
        if (deadLetter || e.attempts >= max) {
            e.dead = deadLetter ? Reason.NACKED : Reason.MAX_DELIVERIES;
            e.deadline = 0;
            return Settlement.DEAD_LETTER_DUE;
        }
        e.deadline = delayMillis == 0 ? 0 : now + delayMillis;
        return Settlement.REQUEUED;
    }

    @Override
    public Settlement extend(EntryId entry, int attempt, long newVisibleUntil, long now) {
        if (newVisibleUntil <= now) {
            throw new IllegalArgumentException();
        }
        expire(now);
        E e = find(entry);
        if (e == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(e, attempt)) {
            return Settlement.STALE;
        }
        e.deadline = newVisibleUntil;
        return Settlement.EXTENDED;
    }

    @Override
    public Settlement release(EntryId entry, int attempt) {
        E e = find(entry);
        if (e == null) {
            return Settlement.UNKNOWN;
        }
        if (!isCurrent(e, attempt)) {
            return Settlement.STALE;
        }
        e.attempts--;
        e.open = false;
        e.deadline = 0;
        normalize();
        return Settlement.RELEASED;
    }

    @Override
    public List<DeadLetter> deadLetters(long now) {
        expire(now);
        List<DeadLetter> result = new ArrayList<>();
        for (E e : list) {
            if (e.dead != null) {
                result.add(new DeadLetter(e.id, e.key, e.attempts, e.dead));
            }
        }
        return result;
    }

    @Override
    public boolean remove(EntryId entry) {
        E e = find(entry);
        if (e == null) {
            return false;
        }
        list.remove(e);
        normalize();
        return true;
    }

    @Override
    public Optional<State> state(EntryId entry, long now) {
        expire(now);
        E e = find(entry);
        return e == null ? Optional.empty() : Optional.of(stateOf(e, heads()));
    }

    @Override
    public Stats stats(long now) {
        expire(now);
        int[] counts = new int[State.values().length];
        Set<E> heads = heads();
        for (E e : list) {
            counts[stateOf(e, heads).ordinal()]++;
        }
        return new Stats(list.size(), counts[State.READY.ordinal()], counts[State.IN_FLIGHT.ordinal()],
                counts[State.DELAYED.ordinal()], counts[State.BLOCKED.ordinal()],
                counts[State.DEAD_LETTER_DUE.ordinal()], list.isEmpty() ? 0 : list.get(0).id.millis());
    }

    @Override
    public boolean hasReady(long now) {
        expire(now);
        Set<E> heads = heads();
        return list.stream().anyMatch(e -> isReady(e, heads));
    }

    @Override
    public long nextDeadline() {
        return list.stream().filter(e -> e.deadline > 0).mapToLong(e -> e.deadline).min().orElse(Long.MAX_VALUE);
    }

    @Override
    public List<Entry> snapshot() {
        List<Entry> result = new ArrayList<>();
        for (E e : list) {
            result.add(new Entry(e.id, e.key, e.attempts, e.deadline, e.open, e.dead));
        }
        return result;
    }

    private State stateOf(E e, Set<E> heads) {
        if (e.dead != null) {
            return State.DEAD_LETTER_DUE;
        }
        if (e.deadline > 0) {
            return e.open ? State.IN_FLIGHT : State.DELAYED;
        }
        return isReady(e, heads) ? State.READY : State.BLOCKED;
    }

    private boolean isReady(E e, Set<E> heads) {
        return e.dead == null && e.deadline == 0 && (mutation == Mutation.IGNORE_KEYS || heads.contains(e));
    }

    /** The entries with no older entry of the same key in the list: unkeyed ones and the first of each key. */
    private Set<E> heads() {
        Set<E> heads = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> keys = new HashSet<>();
        for (E e : list) {
            if (e.key == null || keys.add(e.key)) {
                heads.add(e);
            }
        }
        return heads;
    }

    private static boolean isCurrent(E e, int attempt) {
        return e.open && e.attempts == attempt && e.dead == null;
    }

    /** Every deadline at or before now passes: the entry is visible again, its attempt still open. */
    private void expire(long now) {
        if (now < 0) {
            throw new IllegalArgumentException();
        }
        List<E> dropped = new ArrayList<>();
        for (E e : list) {
            if (e.deadline > 0 && e.deadline <= now) {
                e.deadline = 0;
                if (mutation == Mutation.DROP_EXPIRED_AT_MAX && e.key == null && e.attempts >= max) {
                    dropped.add(e);
                }
            }
        }
        list.removeAll(dropped);
        normalize();
    }

    /** A visible oldest entry of its key that has had its deliveries goes to the dead-letter queue. */
    private void normalize() {
        Set<E> heads = heads();
        for (E e : list) {
            if (heads.contains(e) && e.dead == null && e.deadline == 0 && e.attempts >= max) {
                e.dead = Reason.MAX_DELIVERIES;
                e.open = false;
            }
        }
    }

    private E find(EntryId id) {
        for (E e : list) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        return null;
    }

    private void ascending(EntryId id) {
        if (last != null && id.compareTo(last) <= 0) {
            throw new IllegalArgumentException("not ascending: " + id);
        }
        last = id;
    }
}
