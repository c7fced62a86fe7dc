package io.dsync.queue.node.owner;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory a node's partition owners may fill with the bodies of messages they stored (see {@link PartitionOwner}),
 * shared by all of them, so that many partitions with backlogs cannot fill the heap. Thread-safe.
 */
public final class BodyBudget {

    /** A node's default: a few percent of a queue node's heap. */
    public static final long NODE_DEFAULT = 32L << 20;

    private final long max;
    private final AtomicLong used = new AtomicLong();

    public BodyBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} if they fit; false (and nothing taken) otherwise. */
    boolean take(long bytes) {
        if (used.addAndGet(bytes) <= max) {
            return true;
        }
        used.addAndGet(-bytes);
        return false;
    }

    void giveBack(long bytes) {
        used.addAndGet(-bytes);
    }

    /** The bytes taken now. */
    public long used() {
        return used.get();
    }
}
