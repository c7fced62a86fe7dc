package io.dsync.cache.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The operations waiting on a node, per key and in submission order, and the invalidateAll and flush
 * operations waiting for their per-key parts. Mutable; owned by one {@link CacheNode}.
 */
final class OpQueues {

    /** An invalidateAll or flush waiting for its per-key parts. */
    private static final class Bulk {
        int remaining;
        boolean failed;

        Bulk(int remaining) {
            this.remaining = remaining;
        }
    }

    private final TreeMap<String, ArrayDeque<QueuedOp>> queues = new TreeMap<>();
    private final TreeMap<Long, Bulk> bulk = new TreeMap<>();

    void add(QueuedOp op) {
        queues.computeIfAbsent(op.key, k -> new ArrayDeque<>()).add(op);
    }

    /** Returns the operation at the head of a key's queue, or {@code null}. */
    QueuedOp head(String key) {
        ArrayDeque<QueuedOp> queue = queues.get(key);
        return queue == null ? null : queue.peek();
    }

    /** Removes the operation at the head of a key's queue. */
    void poll(String key) {
        ArrayDeque<QueuedOp> queue = queues.get(key);
        if (queue != null) {
            queue.poll();
            if (queue.isEmpty()) {
                queues.remove(key);
            }
        }
    }

    /** Tells whether operations wait on a key (its copy must not be evicted). */
    boolean waitOn(String key) {
        return queues.containsKey(key);
    }

    /** Returns the keys with waiting operations, in key order. */
    List<String> keys() {
        return new ArrayList<>(queues.keySet());
    }

    /** Registers a bulk operation of {@code parts} per-key parts. */
    void startBulk(long id, int parts) {
        bulk.put(id, new Bulk(parts));
    }

    /**
     * Accounts for a completed part of a bulk operation.
     *
     * @return {@code null} while parts remain (or the bulk operation is unknown), else whether any part failed
     */
    Boolean partDone(long parent, boolean failed) {
        Bulk b = bulk.get(parent);
        if (b == null) {
            return null;
        }
        b.failed |= failed;
        if (--b.remaining > 0) {
            return null;
        }
        bulk.remove(parent);
        return b.failed;
    }

    /** Removes and returns the operations whose deadline has passed, by key, in queue order. */
    List<QueuedOp> removeExpired(long now) {
        return remove(q -> q.deadline <= now);
    }

    /** Removes and returns the operations that {@code test} selects, by key, in queue order. */
    List<QueuedOp> remove(Predicate<QueuedOp> test) {
        List<QueuedOp> removed = new ArrayList<>();
        for (Iterator<ArrayDeque<QueuedOp>> queuesIt = queues.values().iterator(); queuesIt.hasNext();) {
            ArrayDeque<QueuedOp> queue = queuesIt.next();
            for (Iterator<QueuedOp> it = queue.iterator(); it.hasNext();) {
                QueuedOp q = it.next();
                if (test.test(q)) {
                    it.remove();
                    removed.add(q);
                }
            }
            if (queue.isEmpty()) {
                queuesIt.remove();
            }
        }
        return removed;
    }
}
