package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The copies of a {@link CacheNode} that any thread may read without going through the node: its read hits. The node
 * publishes a key's value and lease end here when a read of the key would complete at once (see
 * {@link CacheNode#readsLocally}) and withdraws it, inside the call that changes the key, before that call's effects
 * (an acknowledgement, a completion) leave it. So a read served from here either precedes the change or overlaps the
 * operation that makes it: reads stay linearizable, and a revoked copy is never read after its revocation was
 * acknowledged.
 *
 * <p>A read also checks the lease against the caller's clock, which is the node's clock: a copy whose lease has run
 * out is not served even if the node has not dropped it yet.
 *
 * <p>A read served here marks its copy and, the first time since the mark was last taken, queues its key; the node's
 * {@link CacheNode#tick} takes the queued marks in: a marked copy becomes the most recently used and its lease is
 * renewed as if the node had served the read. So the node's LRU order lags behind the reads served here by up to a
 * tick, a hot copy costs one flag read per hit (one write and one queued key per tick), and a tick visits the keys
 * read since the last one, not every copy.
 *
 * <p>Thread-safe; publication and withdrawal are the owning node's (one thread at a time), reads are anyone's.
 */
public final class ReadableCopies {

    /**
     * A published copy: its value and version, and one memo that a reader may attach to it (a decoded value, say), which
     * lives as long as the copy: a new value or lease makes a new copy.
     */
    public static final class Copy {
        private final Versioned data;
        private final long expiry;
        /** Read here since the node's last tick. */
        private volatile boolean read;
        private volatile Memo memo;

        private record Memo(Object by, Object value) {
        }

        Copy(Versioned data, long expiry) {
            this.data = data;
            this.expiry = expiry;
        }

        /** @return the value and version (absent for a key known not to exist) */
        public Versioned data() {
            return data;
        }

        /**
         * Returns what was attached by {@code by}.
         *
         * @param by who attached it, compared by identity
         * @return the memo, or {@code null} if {@code by} attached none (or another one attached since)
         */
        public Object memo(Object by) {
            Memo m = memo;
            return m != null && m.by == by ? m.value : null;
        }

        /**
         * Attaches a memo, replacing any other.
         *
         * @param by who attaches it
         * @param value the memo
         */
        public void memo(Object by, Object value) {
            memo = new Memo(by, value);
        }
    }

    private final ConcurrentHashMap<String, Copy> copies = new ConcurrentHashMap<>();
    /** The keys of copies marked read since their marks were taken; a key may be queued twice (racing readers). */
    private final ConcurrentLinkedQueue<String> reads = new ConcurrentLinkedQueue<>();
    private final LongAdder hits = new LongAdder();

    ReadableCopies() {
    }

    /**
     * Reads a key's copy if the node has published it and its lease runs at {@code now}.
     *
     * @param key the key
     * @param now the node's clock now
     * @return the copy, or {@code null} if the read must go through the node
     */
    public Copy read(String key, long now) {
        Copy copy = copies.get(key);
        if (copy == null || now - copy.expiry >= 0) {
            return null;
        }
        if (!copy.read) {
            copy.read = true;
            reads.add(key);
        }
        hits.increment();
        return copy;
    }

    /** @return the reads served here so far */
    long hits() {
        return hits.sum();
    }

    /** @return the number of copies published now */
    public int size() {
        return copies.size();
    }

    void publish(String key, Versioned data, long expiry) {
        copies.put(key, new Copy(data, expiry));
    }

    void withdraw(String key) {
        copies.remove(key);
    }

    void withdrawAll() {
        copies.clear();
    }

    boolean published(String key) {
        return copies.containsKey(key);
    }

    /**
     * Takes in the reads served here since the last call: offers each key whose published copy is marked read to
     * {@code take}, and clears the mark if it accepts; a key it declines stays marked and is offered again next time.
     *
     * @param take accepts a read key (the node takes the read in), or declines it for now
     */
    void takeReads(Predicate<String> take) {
        List<String> declined = null;
        for (String key = reads.poll(); key != null; key = reads.poll()) {
            Copy copy = copies.get(key);
            if (copy == null || !copy.read) {
                continue; // withdrawn, replaced, or queued twice and taken already
            }
            if (take.test(key)) {
                copy.read = false;
            } else {
                if (declined == null) {
                    declined = new ArrayList<>();
                }
                declined.add(key);
            }
        }
        if (declined != null) {
            reads.addAll(declined);
        }
    }
}
