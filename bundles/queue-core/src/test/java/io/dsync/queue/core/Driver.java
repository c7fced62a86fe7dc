package io.dsync.queue.core;

import java.util.function.Supplier;

import io.dsync.queue.core.PartitionState.Entry;

/** Runs {@link Op}s against a partition, replacing it by a rebuilt one on a {@link Op.Crash}. */
final class Driver {

    private final Supplier<Partition> factory;
    private Partition partition;

    Driver(Supplier<Partition> factory) {
        this.factory = factory;
        this.partition = factory.get();
    }

    Partition partition() {
        return partition;
    }

    /**
     * Runs one call.
     *
     * @param op the call
     * @return its result; {@code null} for a void call or a crash
     */
    Object run(Op op) {
        if (op instanceof Op.Crash crash) {
            partition = rebuild(partition, factory, crash.lossy());
            return null;
        }
        return op.apply(partition);
    }

    /**
     * Rebuilds a partition from another one's snapshot, as a new owner does from storage.
     *
     * @param old the partition whose snapshot is restored
     * @param factory makes the new, empty partition
     * @param lossy whether only attempts and deadlines are restored
     * @return the new partition
     */
    static Partition rebuild(Partition old, Supplier<Partition> factory, boolean lossy) {
        Partition fresh = factory.get();
        for (Entry e : old.snapshot()) {
            if (lossy) {
                fresh.restore(e.id(), e.key(), e.attempts(), e.invisibleUntil());
            } else {
                fresh.restore(e);
            }
        }
        return fresh;
    }
}
