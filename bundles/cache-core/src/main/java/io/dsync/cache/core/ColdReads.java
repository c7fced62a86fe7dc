package io.dsync.cache.core;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A node's reads from main memory without a copy (see {@link CacheNode}'s cold reads): which keys it missed rarely
 * lately (a {@link FrequencySketch} of its misses, the doorkeeper of TinyLFU), the reads in flight (at most one per
 * key, for the operation at the head of its queue) and how many were answered. Mutable; owned by one
 * {@link CacheNode}.
 */
final class ColdReads {

    private record InFlight(long id, QueuedOp op) {
    }

    private final FrequencySketch misses;
    private final Map<String, InFlight> inFlight = new HashMap<>();
    private long seq;
    private long answered;

    /** @param capacity the node's capacity in copies, which sizes the sketch */
    ColdReads(int capacity) {
        this.misses = new FrequencySketch(capacity);
    }

    /**
     * Counts a miss of a read that has not been to main memory yet, and tells whether main memory should answer it:
     * its key was missed fewer than twice within the sketch's window.
     */
    boolean missed(QueuedOp q) {
        if (q.readFromMemory) {
            return false;
        }
        misses.increment(q.key);
        return misses.frequency(q.key) < 2;
    }

    /** Tells whether a read of the key is in flight (the key's queue waits for it). */
    boolean inFlight(String key) {
        return inFlight.containsKey(key);
    }

    /**
     * Starts the read of the operation (a get at the head of its key's queue).
     *
     * @return the effect that reads main memory
     */
    Effect.ReadPlain start(QueuedOp q) {
        q.readFromMemory = true;
        inFlight.put(q.key, new InFlight(++seq, q));
        return new Effect.ReadPlain(seq, q.key);
    }

    /**
     * Takes the read that a result of main memory answers, if one is in flight.
     *
     * @return its operation, or {@code null} if the result is not the answer to a read in flight
     */
    QueuedOp finish(MemoryResult result) {
        InFlight read = inFlight.get(result.key());
        long id = result instanceof MemoryResult.ReadDone d ? d.read()
                : result instanceof MemoryResult.ReadFailed f ? f.read() : -1;
        if (read == null || read.id() != id) {
            return null;
        }
        inFlight.remove(result.key());
        return read.op();
    }

    /** Counts a read answered from main memory. */
    void answered() {
        answered++;
    }

    /** Forgets the read of an operation that ended otherwise: its answer, if it comes, finds no operation. */
    void forget(QueuedOp q) {
        InFlight read = inFlight.get(q.key);
        if (read != null && read.op() == q) {
            inFlight.remove(q.key);
        }
    }

    /** Forgets the reads whose operations are gone. */
    void retain(Predicate<QueuedOp> live) {
        inFlight.values().removeIf(r -> !live.test(r.op()));
    }

    /** How many reads main memory answered. */
    long readsFromMemory() {
        return answered;
    }
}
