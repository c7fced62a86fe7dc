package io.dsync.metrics;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Measures the outages of something a node depends on (the lock group's leader, a queue partition's owner, a cache
 * key's home, Redis) as its callers see them: an outage starts when the earliest call that failed for want of it
 * started, and ends when the next call succeeds; its length is the partition recovery time as this node saw it.
 *
 * <p>Calls report {@link #failed(long)} when they fail (or retry) because the dependency is out of reach, and
 * {@link #succeeded()} when they get an answer. Concurrent calls are fine: failures of an outage that overlap keep
 * the earliest start, and the first success ends it once. Plain Java, lock-free.
 */
public final class OutageClock {

    private final AtomicLong since = new AtomicLong(-1);
    private final LongConsumer onRecovery;

    /** @param onRecovery told the length of each outage, in nanoseconds; must be fast and not throw */
    public OutageClock(LongConsumer onRecovery) {
        this.onRecovery = Objects.requireNonNull(onRecovery, "onRecovery");
    }

    /** A call that started at {@code startedNanos} ({@link System#nanoTime()}) failed for want of the dependency. */
    public void failed(long startedNanos) {
        since.accumulateAndGet(startedNanos, (old, t) -> old < 0 ? t : Math.min(old, t));
    }

    /** A call succeeded now: ends the outage, if one is going on, and reports its length. */
    public void succeeded() {
        succeeded(System.nanoTime());
    }

    /** A call succeeded at {@code atNanos} ({@link System#nanoTime()}): as {@link #succeeded()}. */
    public void succeeded(long atNanos) {
        if (since.get() < 0) {
            return;
        }
        long start = since.getAndSet(-1);
        if (start >= 0) {
            onRecovery.accept(Math.max(0, atNanos - start));
        }
    }

    /** @return whether an outage is going on: a call failed and none succeeded since */
    public boolean inOutage() {
        return since.get() >= 0;
    }
}
