package io.dsync.cache.core;

/** An operation waiting in its key's queue on a node. Mutable; owned by one {@link CacheNode}. */
final class QueuedOp {

    final long id;
    final String key;
    final Op op;
    final long deadline;
    /** The invalidateAll or flush this is a part of, 0 if none. */
    final long parent;
    /** The operation had to ask the home: it counts as a miss, not as a hit. */
    boolean missed;
    /** A read that was sent to main memory (a cold read): it is not sent there again. */
    boolean readFromMemory;

    QueuedOp(long id, String key, Op op, long deadline, long parent) {
        this.id = id;
        this.key = key;
        this.op = op;
        this.deadline = deadline;
        this.parent = parent;
    }
}
