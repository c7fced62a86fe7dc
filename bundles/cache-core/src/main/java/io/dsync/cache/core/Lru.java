package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * A bounded map that evicts its least recently used entries: exact LRU, O(1) per access, insertion and
 * removal. A node keeps its copies of one cache in one {@code Lru} (or one per stripe of keys).
 * <p>
 * <strong>Order.</strong> {@link #get} and {@link #put} make an entry the most recently used;
 * {@link #peek}, {@link #remove} and iteration do not change the order.
 * <p>
 * <strong>Eviction.</strong> Whenever {@link #put} or {@link #trim} leaves more than
 * {@link #capacity()} entries, entries are evicted from the least recently used end until the size is
 * back at capacity. With a <em>weight limit</em> (a weigher gives each entry's weight, for a cache its bytes), entries
 * are also evicted while the weights add up to more than the limit, in the same order; an entry whose value changes in
 * place is weighed again by {@link #reweigh}. Entries the {@code evictable} predicate rejects (a copy with an operation or a
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
 * <p>
 * <strong>W-TinyLFU</strong> ({@link #windowTinyLfu}): the same map with the admission policy of Caffeine's
 * W-TinyLFU (Einziger, Eytan, Friedman, Manes, 2017), simplified. New entries enter a <em>window</em>, an LRU of 1% of
 * the capacity (at least one entry); the rest is the <em>main</em> part, a segmented LRU: <em>probation</em> for
 * entries used once since they got in, <em>protected</em> (80% of the main part) for those used again, whose oldest
 * goes back to probation when protected is over its share. When the window is over its share, its least recently
 * used entry is a candidate for the main part: while the main part is full, the candidate gets in (on probation) only
 * if a {@link FrequencySketch} says it was used more often lately than probation's least recently used entry (or
 * protected's, with probation empty), which is then evicted; otherwise the candidate is. {@link #get} and
 * {@link #put} count a use in the sketch. So a key used once (a scan, the tail of a Zipf distribution) does not push
 * out a key used often. Left out from Caffeine: the doorkeeper and the window's adaptive size. Order within each part
 * and the pinning rule are as above; iteration gives the window's entries, then protected's, then probation's, each
 * most recent first.
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

    private static final byte WINDOW = 0;
    private static final byte PROBATION = 1;
    private static final byte PROTECTED = 2;

    /** A map entry, linked into the recency list. */
    private static final class Node<K, V> {
        final K key;
        V value;
        Node<K, V> newer;
        Node<K, V> older;
        /** Its list: {@link #WINDOW} (a plain LRU's only one), {@link #PROBATION} or {@link #PROTECTED}. */
        byte part;
        /** Its weight when last weighed; 0 without a weigher. */
        long weight;

        Node(K key, V value) {
            this.key = key;
            this.value = value;
        }
    }

    private final int capacity;
    /** The most the weights may add up to; {@link Long#MAX_VALUE} without a weigher. */
    private final long weightLimit;
    /** Weighs entries; {@code null} for none. */
    private final ToLongFunction<? super V> weigher;
    /** The entries' weights, added up. */
    private long weight;
    private final Predicate<? super V> evictable;
    private final EvictionListener<K, V> listener;
    private final HashMap<K, Node<K, V>> map = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Sentinel of the circular recency list (a W-TinyLFU map's window): {@code head.older} is the most recently used
     * entry.
     */
    private final Node<K, V> head = new Node<>(null, null);
    /** W-TinyLFU only: the sentinels of the main part's recency lists, probation and protected. */
    private final Node<K, V> probationHead = new Node<>(null, null);
    private final Node<K, V> protectedHead = new Node<>(null, null);
    /** W-TinyLFU only: uses of keys lately; {@code null} in a plain LRU. */
    private final FrequencySketch sketch;
    /** W-TinyLFU only: the window's and protected's shares of the capacity. */
    private final int windowCapacity;
    private final int protectedCapacity;
    /** W-TinyLFU only: entries in the window and in protected. */
    private int windowSize;
    private int protectedSize;

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
        this(capacity, Long.MAX_VALUE, null, evictable, listener, false);
    }

    /**
     * Creates an empty map that also evicts while its entries weigh more than a limit.
     *
     * @param capacity the number of entries beyond which entries are evicted, at least 1
     * @param weightLimit the total weight beyond which entries are evicted, at least 1
     * @param weigher gives an entry's weight (0 or more) from its value
     * @param evictable tells which entries may be evicted now
     * @param listener told about every evicted entry
     * @throws IllegalArgumentException if {@code capacity} or {@code weightLimit} is less than 1
     * @throws NullPointerException if an argument is {@code null}
     */
    public Lru(int capacity, long weightLimit, ToLongFunction<? super V> weigher, Predicate<? super V> evictable,
            EvictionListener<K, V> listener) {
        this(capacity, weightLimit, Objects.requireNonNull(weigher, "weigher"), evictable, listener, false);
    }

    private Lru(int capacity, long weightLimit, ToLongFunction<? super V> weigher, Predicate<? super V> evictable,
            EvictionListener<K, V> listener, boolean tinyLfu) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        if (weightLimit < 1) {
            throw new IllegalArgumentException("weightLimit must be at least 1, was " + weightLimit);
        }
        this.capacity = capacity;
        this.weightLimit = weightLimit;
        this.weigher = weigher;
        this.evictable = Objects.requireNonNull(evictable, "evictable");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.sketch = tinyLfu ? new FrequencySketch(capacity) : null;
        this.windowCapacity = Math.max(1, capacity / 100);
        this.protectedCapacity = (int) ((capacity - windowCapacity) * 4L / 5);
        for (Node<K, V> sentinel : List.of(head, probationHead, protectedHead)) {
            sentinel.newer = sentinel;
            sentinel.older = sentinel;
        }
    }

    /**
     * Creates an empty map that evicts by W-TinyLFU (see the class comment) instead of LRU.
     *
     * @param capacity the number of entries beyond which entries are evicted, at least 1
     * @param evictable tells which entries may be evicted now
     * @param listener told about every evicted entry
     * @param <K> the key type
     * @param <V> the value type
     * @return the map
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     * @throws NullPointerException if an argument is {@code null}
     */
    public static <K, V> Lru<K, V> windowTinyLfu(int capacity, Predicate<? super V> evictable,
            EvictionListener<K, V> listener) {
        return new Lru<>(capacity, Long.MAX_VALUE, null, evictable, listener, true);
    }

    /**
     * Creates an empty W-TinyLFU map that also evicts while its entries weigh more than a limit: the window and
     * protected keep their shares of the capacity in entries, and the eviction of the class comment runs while the
     * map is over either bound.
     *
     * @param capacity the number of entries beyond which entries are evicted, at least 1
     * @param weightLimit the total weight beyond which entries are evicted, at least 1
     * @param weigher gives an entry's weight (0 or more) from its value
     * @param evictable tells which entries may be evicted now
     * @param listener told about every evicted entry
     * @param <K> the key type
     * @param <V> the value type
     * @return the map
     * @throws IllegalArgumentException if {@code capacity} or {@code weightLimit} is less than 1
     * @throws NullPointerException if an argument is {@code null}
     */
    public static <K, V> Lru<K, V> windowTinyLfu(int capacity, long weightLimit, ToLongFunction<? super V> weigher,
            Predicate<? super V> evictable, EvictionListener<K, V> listener) {
        return new Lru<>(capacity, weightLimit, Objects.requireNonNull(weigher, "weigher"), evictable, listener,
                true);
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
            if (sketch != null) {
                sketch.increment(key);
            }
            Node<K, V> node = map.get(key);
            if (node == null) {
                return null;
            }
            used(node);
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
            if (sketch != null) {
                sketch.increment(key);
            }
            Node<K, V> node = map.get(key);
            if (node != null) {
                previous = node.value;
                node.value = value;
                weigh(node);
                used(node);
            } else {
                previous = null;
                node = new Node<>(key, value);
                weigh(node);
                map.put(key, node);
                linkNewest(node, WINDOW);
                if (sketch != null) {
                    spillWindow();
                }
            }
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
            weight -= node.weight;
            return node.value;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Weighs an entry again, after its value changed in place, without changing the order or evicting: the next
     * {@link #put} or {@link #trim} evicts if the map is now too heavy. Nothing happens without a weigher.
     *
     * @param key the key
     */
    public void reweigh(K key) {
        if (weigher == null) {
            return;
        }
        lock.lock();
        try {
            Node<K, V> node = map.get(key);
            if (node != null) {
                weigh(node);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns the entries' weights added up, as last weighed.
     *
     * @return the weight, which may exceed the limit while entries are pinned; 0 without a weigher
     */
    public long weight() {
        lock.lock();
        try {
            return weight;
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
            walk(limit, n -> keys.add(n.key));
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
            walk(Integer.MAX_VALUE, n -> into.add(n.value));
        } finally {
            lock.unlock();
        }
    }

    /** Visits up to {@code limit} entries: the window's, protected's, probation's, each newest first. Under the lock. */
    private void walk(int limit, Consumer<Node<K, V>> visit) {
        int left = limit;
        for (Node<K, V> sentinel : List.of(head, protectedHead, probationHead)) {
            for (Node<K, V> n = sentinel.older; n != sentinel && left > 0; n = n.older, left--) {
                visit.accept(n);
            }
        }
    }

    /** Unlinks evictable entries from the old end while the map is over capacity or weight. Under the lock. */
    private List<Node<K, V>> evictExcess() {
        if (!over()) {
            return List.of();
        }
        if (sketch != null) {
            return admitOrEvict();
        }
        List<Node<K, V>> evicted = new ArrayList<>(1);
        Node<K, V> n = head.newer;
        while (over() && n != head) {
            Node<K, V> next = n.newer;
            if (evictable.test(n.value)) {
                evict(n, evicted);
            }
            n = next;
        }
        return evicted;
    }

    /**
     * W-TinyLFU: while over capacity (or the weight limit), the window's oldest evictable entry (while the window is
     * over its share) goes to probation if the main part has room, else it and the main part's oldest evictable entry
     * (probation's first) compete by frequency and the loser is evicted (a tie evicts the candidate); with the window
     * within its share, the main part gives way. Each pass moves or evicts one entry, or ends when every entry that could go is pinned.
     * Under the lock.
     */
    private List<Node<K, V>> admitOrEvict() {
        List<Node<K, V>> evicted = new ArrayList<>(1);
        while (over()) {
            Node<K, V> candidate = windowSize > windowCapacity ? oldestEvictable(head) : null;
            if (candidate != null && map.size() - windowSize < capacity - windowCapacity) {
                unlink(candidate);
                linkNewest(candidate, PROBATION);
                continue;
            }
            Node<K, V> victim = oldestEvictable(probationHead);
            if (victim == null) {
                victim = oldestEvictable(protectedHead);
            }
            if (candidate == null) {
                Node<K, V> any = victim != null ? victim : oldestEvictable(head);
                if (any == null) {
                    break;
                }
                evict(any, evicted);
            } else if (victim != null && sketch.frequency(candidate.key) > sketch.frequency(victim.key)) {
                evict(victim, evicted);
                unlink(candidate);
                linkNewest(candidate, PROBATION);
            } else {
                evict(candidate, evicted);
            }
        }
        return evicted;
    }

    /**
     * A use of an entry: it becomes the newest of its list; W-TinyLFU moves an entry used on probation to protected,
     * and protected's oldest back to probation while protected is over its share. Under the lock.
     */
    private void used(Node<K, V> node) {
        byte part = node.part;
        unlink(node);
        if (part != PROBATION) {
            linkNewest(node, part);
            return;
        }
        linkNewest(node, PROTECTED);
        while (protectedSize > protectedCapacity) {
            Node<K, V> oldest = protectedHead.newer;
            unlink(oldest);
            linkNewest(oldest, PROBATION);
        }
    }

    /**
     * W-TinyLFU: while the window is over its share and the main part has room (the map is filling up), its oldest
     * entries go to probation, pinned or not, so that a put never moves more than the one it added. Under the lock.
     */
    private void spillWindow() {
        while (windowSize > windowCapacity && map.size() - windowSize < capacity - windowCapacity) {
            Node<K, V> oldest = head.newer;
            unlink(oldest);
            linkNewest(oldest, PROBATION);
        }
    }

    /** The oldest entry of a recency list that the predicate lets go, or {@code null}. Under the lock. */
    private Node<K, V> oldestEvictable(Node<K, V> sentinel) {
        for (Node<K, V> n = sentinel.newer; n != sentinel; n = n.newer) {
            if (evictable.test(n.value)) {
                return n;
            }
        }
        return null;
    }

    /** Whether the map holds more entries than its capacity or weighs more than its limit. Under the lock. */
    private boolean over() {
        return map.size() > capacity || weight > weightLimit;
    }

    /** Weighs an entry and updates the total. Under the lock. */
    private void weigh(Node<K, V> node) {
        if (weigher == null) {
            return;
        }
        long w = weigher.applyAsLong(node.value);
        if (w < 0) {
            throw new IllegalArgumentException("negative weight " + w + " of the entry of " + node.key);
        }
        weight += w - node.weight;
        node.weight = w;
    }

    private void evict(Node<K, V> node, List<Node<K, V>> evicted) {
        map.remove(node.key);
        unlink(node);
        weight -= node.weight;
        evicted.add(node);
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
        if (node.part == WINDOW) {
            windowSize--;
        } else if (node.part == PROTECTED) {
            protectedSize--;
        }
    }

    /** Links an entry as the newest of a list: the window (the only list of a plain LRU), probation or protected. */
    private void linkNewest(Node<K, V> node, byte part) {
        Node<K, V> sentinel = part == WINDOW ? head : part == PROBATION ? probationHead : protectedHead;
        Node<K, V> newest = sentinel.older;
        node.older = newest;
        node.newer = sentinel;
        newest.newer = node;
        sentinel.older = node;
        node.part = part;
        if (part == WINDOW) {
            windowSize++;
        } else if (part == PROTECTED) {
            protectedSize++;
        }
    }
}
