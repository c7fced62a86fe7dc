package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A bounded map that evicts its least recently used entries: exact LRU, O(1) per access, insertion and
 * removal. A node keeps its copies of one cache in one {@code Lru} (or one per stripe of keys).
 * <p>
 * <strong>Order.</strong> {@link #get} and {@link #put} make an entry the most recently used;
 * {@link #peek}, {@link #remove} and iteration do not change the order.
 * <p>
 * <strong>Eviction.</strong> Whenever {@link #put} or {@link #trim} leaves more than
 * {@link #capacity()} entries, entries are evicted from the least recently used end until the size is
 * back at capacity. Entries the {@code evictable} predicate rejects (a copy with an operation or a
 * write-back in flight) are skipped and keep their place, so the map may hold more than its capacity
 * while too many entries are pinned; the caller trims again once they are released. Skipping costs one
 * step per pinned entry passed over. Each evicted entry is reported to the {@link EvictionListener}, in
 * eviction order (least recently used first), on the calling thread, after the lock has been released.
 * <p>
 * <strong>Thread safety.</strong> Safe for concurrent use: one lock guards the map and the order, held
 * for O(1) work per call (plus the pinned entries skipped). That is exact but serializes readers; a
 * read-heavy adapter stripes keys over several instances (per-stripe exact LRU, which approximates a
 * global LRU with a per-stripe capacity), or buffers the reordering of hits as Caffeine does. The
 * predicate is evaluated under the lock and must not call back into this map.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Lru<K, V> {

    /**
     * Told about entries evicted for capacity.
     *
     * @param <K> the key type
     * @param <V> the value type
     */
    @FunctionalInterface
    public interface EvictionListener<K, V> {

        /**
         * An entry was evicted.
         *
         * @param key its key
         * @param value its value
         */
        void evicted(K key, V value);
    }

    /** A map entry, linked into the recency list. */
    private static final class Node<K, V> {
        final K key;
        V value;
        Node<K, V> newer;
        Node<K, V> older;

        Node(K key, V value) {
            this.key = key;
            this.value = value;
        }
    }

    private final int capacity;
    private final Predicate<? super V> evictable;
    private final EvictionListener<K, V> listener;
    private final HashMap<K, Node<K, V>> map = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Sentinel of the circular recency list: {@code head.older} is the most recently used entry. */
    private final Node<K, V> head = new Node<>(null, null);

    /**
     * Creates an empty map.
     *
     * @param capacity the number of entries beyond which entries are evicted, at least 1
     * @param evictable tells which entries may be evicted now
     * @param listener told about every evicted entry
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     * @throws NullPointerException if an argument is {@code null}
     */
    public Lru(int capacity, Predicate<? super V> evictable, EvictionListener<K, V> listener) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.evictable = Objects.requireNonNull(evictable, "evictable");
        this.listener = Objects.requireNonNull(listener, "listener");
        head.newer = head;
        head.older = head;
    }

    /**
     * Returns an entry's value and makes it the most recently used.
     *
     * @param key the key
     * @return the value, or {@code null} if absent
     */
    public V get(K key) {
        lock.lock();
        try {
            Node<K, V> node = map.get(key);
            if (node == null) {
                return null;
            }
            unlink(node);
            linkNewest(node);
            return node.value;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns an entry's value without changing the order.
     *
     * @param key the key
     * @return the value, or {@code null} if absent
     */
    public V peek(K key) {
        lock.lock();
        try {
            Node<K, V> node = map.get(key);
            return node == null ? null : node.value;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Inserts or replaces an entry, makes it the most recently used, then evicts down to capacity.
     *
     * @param key the key
     * @param value the value
     * @return the previous value, or {@code null}
     * @throws NullPointerException if {@code key} or {@code value} is {@code null}
     */
    public V put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        List<Node<K, V>> evicted;
        V previous;
        lock.lock();
        try {
            Node<K, V> node = map.get(key);
            if (node != null) {
                previous = node.value;
                node.value = value;
                unlink(node);
            } else {
                previous = null;
                node = new Node<>(key, value);
                map.put(key, node);
            }
            linkNewest(node);
            evicted = evictExcess();
        } finally {
            lock.unlock();
        }
        notifyEvicted(evicted);
        return previous;
    }

    /**
     * Removes an entry, without telling the listener.
     *
     * @param key the key
     * @return the removed value, or {@code null}
     */
    public V remove(K key) {
        lock.lock();
        try {
            Node<K, V> node = map.remove(key);
            if (node == null) {
                return null;
            }
            unlink(node);
            return node.value;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Evicts down to capacity, as after a put; used once pinned entries have been released.
     *
     * @return the number of entries evicted
     */
    public int trim() {
        List<Node<K, V>> evicted;
        lock.lock();
        try {
            evicted = evictExcess();
        } finally {
            lock.unlock();
        }
        notifyEvicted(evicted);
        return evicted.size();
    }

    /**
     * Returns the number of entries.
     *
     * @return the size, which may exceed the capacity while entries are pinned
     */
    public int size() {
        lock.lock();
        try {
            return map.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the capacity.
     *
     * @return the capacity
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Returns the keys, most recently used first.
     *
     * @param limit the largest number of keys to return
     * @return a snapshot of at most {@code limit} keys
     */
    public List<K> keys(int limit) {
        lock.lock();
        try {
            List<K> keys = new ArrayList<>(Math.min(limit, map.size()));
            for (Node<K, V> n = head.older; n != head && keys.size() < limit; n = n.older) {
                keys.add(n.key);
            }
            return keys;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the values, most recently used first.
     *
     * @return a snapshot of all values
     */
    public List<V> values() {
        List<V> values = new ArrayList<>(size());
        valuesInto(values);
        return values;
    }

    /**
     * Appends the values to a list, most recently used first: a snapshot without a copy of its own.
     *
     * @param into the list to append to
     */
    public void valuesInto(List<? super V> into) {
        lock.lock();
        try {
            for (Node<K, V> n = head.older; n != head; n = n.older) {
                into.add(n.value);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Unlinks evictable entries from the old end while the map is over capacity. Under the lock. */
    private List<Node<K, V>> evictExcess() {
        if (map.size() <= capacity) {
            return List.of();
        }
        List<Node<K, V>> evicted = new ArrayList<>(1);
        Node<K, V> n = head.newer;
        while (map.size() > capacity && n != head) {
            Node<K, V> next = n.newer;
            if (evictable.test(n.value)) {
                map.remove(n.key);
                unlink(n);
                evicted.add(n);
            }
            n = next;
        }
        return evicted;
    }

    private void notifyEvicted(List<Node<K, V>> evicted) {
        for (Node<K, V> n : evicted) {
            listener.evicted(n.key, n.value);
        }
    }

    private void unlink(Node<K, V> node) {
        node.newer.older = node.older;
        node.older.newer = node.newer;
        node.newer = null;
        node.older = null;
    }

    private void linkNewest(Node<K, V> node) {
        Node<K, V> newest = head.older;
        node.older = newest;
        node.newer = head;
        newest.newer = node;
        head.older = node;
    }
}
