package io.dsync.lock.core;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Keys ordered by a deadline, then by the key itself, so that expiries are processed in an order that
 * is the same on every replica. Derived state: rebuilt from the tables on restore, never serialized.
 * Not thread-safe.
 *
 * @param <K> the key type; its natural order breaks ties between equal deadlines
 */
final class DeadlineIndex<K extends Comparable<K>> {

    /**
     * One scheduled key.
     *
     * @param <K> the key type
     * @param at the deadline
     * @param key the key
     */
    private record Entry<K extends Comparable<K>>(long at, K key) implements Comparable<Entry<K>> {

        @Override
        public int compareTo(Entry<K> o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    /** Deadline by key; only used for lookups, never iterated, so its order does not matter. */
    private final Map<K, Long> deadlines = new HashMap<>();

    /** The keys in deadline order. */
    private final TreeSet<Entry<K>> order = new TreeSet<>();

    /**
     * Schedules a key, replacing its previous deadline.
     *
     * @param key the key
     * @param at the deadline
     */
    void put(K key, long at) {
        remove(key);
        deadlines.put(key, at);
        order.add(new Entry<>(at, key));
    }

    /**
     * Unschedules a key; does nothing if it is not scheduled.
     *
     * @param key the key
     */
    void remove(K key) {
        Long at = deadlines.remove(key);
        if (at != null) {
            order.remove(new Entry<>(at, key));
        }
    }

    /**
     * Returns the earliest deadline.
     *
     * @return the earliest deadline, {@link Long#MAX_VALUE} if nothing is scheduled
     */
    long firstDeadline() {
        return order.isEmpty() ? Long.MAX_VALUE : order.first().at();
    }

    /**
     * Returns the key with the earliest deadline (smallest key among equal deadlines).
     *
     * @return the key
     * @throws java.util.NoSuchElementException if nothing is scheduled
     */
    K firstKey() {
        return order.first().key();
    }

    /** @return the number of keys */
    int size() {
        return deadlines.size();
    }

    /** Unschedules everything. */
    void clear() {
        deadlines.clear();
        order.clear();
    }
}
