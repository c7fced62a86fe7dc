package io.dsync.lock.server.raft;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The time a lock group member stamps into the entries it proposes while it leads, in epoch milliseconds: the log's
 * clock, carried on by this member's monotonic clock.
 * <p>
 * Stamping the wall clock directly made the log clock follow whichever member led: a new leader whose wall clock was
 * ahead of the previous one's by less than the outage gap (an NTP offset, a clock step), or a leader whose own clock
 * stepped forward, moved the log clock on by that much at once, and every lease and session expired that much early in
 * real time, while their holders still counted on them. Here a leader takes over the log's clock when it becomes
 * ready: the time of the last entry it applied, plus the time its monotonic clock says has passed since it applied it
 * (the election included), and from then on adds the monotonic time passed. Wall clocks are read once per leadership,
 * and only decide anything when the log's clock is further behind than the outage gap (a group that starts for the
 * first time, or again after all its members were down): then the leader starts from its wall clock, a jump every
 * replica treats as an outage that does not count against sessions.
 * <p>
 * With synchronized clocks this gives the times the wall clock gave. Thread-safe.
 */
final class LeaderClock {

    private final LongSupplier wallMillis;
    private final LongSupplier nanos;
    private final long outageGapMillis;

    /** When this member last applied an entry, by its monotonic clock; {@code Long.MIN_VALUE} before the first. */
    private volatile long appliedNanos = Long.MIN_VALUE;

    /** The log time at {@link #baseNanos}, for stamps while this member leads; no leadership yet if not started. */
    private volatile Base base;

    private record Base(long millis, long nanos) {
    }

    /**
     * @param wallMillis the wall clock, epoch ms
     * @param nanos the monotonic clock, ns
     * @param outageGapMillis the log time gap that every replica treats as an outage
     */
    LeaderClock(LongSupplier wallMillis, LongSupplier nanos, long outageGapMillis) {
        this.wallMillis = Objects.requireNonNull(wallMillis, "wallMillis");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
        this.outageGapMillis = outageGapMillis;
    }

    /** This member applied an entry (of any leader) now. */
    void applied() {
        appliedNanos = nanos.getAsLong();
    }

    /**
     * This member leads and has applied every entry before its term: stamps continue from the log's clock.
     *
     * @param logClockMillis the time of the last entry applied (the state machine's clock)
     */
    void lead(long logClockMillis) {
        long now = nanos.getAsLong();
        long applied = appliedNanos;
        long carried = applied == Long.MIN_VALUE ? logClockMillis
                : logClockMillis + Math.max(0, (now - applied) / 1_000_000);
        long wall = wallMillis.getAsLong();
        // Compared without a subtraction that overflows: a log that never had a stamp has the clock Long.MIN_VALUE
        // (LockStateMachine's start), and wall - carried then wrapped around to "not behind", so a fresh group
        // carried that clock on for good (until 2026-12-07: leases shown 292 million years in the past).
        base = new Base(carried < wall - outageGapMillis ? wall : carried, now);
    }

    /** This member no longer leads. */
    void follow() {
        base = null;
    }

    /** The time to stamp into an entry proposed now: the carried log clock, or the wall clock when not leading. */
    long now() {
        Base b = base;
        return b == null ? wallMillis.getAsLong() : b.millis() + (nanos.getAsLong() - b.nanos()) / 1_000_000;
    }
}
