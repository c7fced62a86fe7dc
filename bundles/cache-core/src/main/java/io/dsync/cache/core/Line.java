package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's copy of one key: state, value, grant, lease, and the memory write in flight if any. Mutable;
 * owned by one {@link CacheNode}.
 */
final class Line {

    /** What the line waits for in main memory. */
    enum Busy {
        /** Nothing. */
        NONE,
        /** The write of an operation (write-through caches): state EW. */
        WRITE_THROUGH,
        /** The write-back of a modified copy: states MB_*. */
        WRITE_BACK
    }

    /** A revocation received while a write was in flight, answered when it is done. */
    record DueAck(String to, GrantId grant) {
    }

    final String key;
    MesiState state;
    Versioned data;
    GrantId grant;
    /** The node that granted the copy: where renewals and releases go. */
    String home;
    /** The node's end of the lease. */
    long expiry;
    /** Read or written since the last grant or renewal: such leases are renewed. */
    boolean touched;
    /** The node's time of the last read or write of the copy, {@link Long#MIN_VALUE} if none. */
    long lastUsed = Long.MIN_VALUE;
    /** The renewal in flight for this lease, 0 if none. */
    long renewal;
    /** When the node's tick looks at this line next ({@link NodeLines#lookAt}), {@link Long#MAX_VALUE} if never. */
    long dueAt = Long.MAX_VALUE;

    Busy busy = Busy.NONE;
    /** The id of the memory write in flight. */
    long write;
    /** The value being written. */
    Versioned writing;
    /** A previous attempt of the write in flight failed: it may have been stored. */
    boolean writeMayHaveLanded;
    /** When a write-back that failed after the lease is sent again (by a tick); 0 when none waits. */
    long writeRetryAt;
    /** The value the write replaces. */
    Versioned previous;
    /** The operation whose write-through is in flight, {@code null} once it has timed out. */
    QueuedOp writer;
    /** Why the copy is dropped if {@link #after} is I. */
    Transition.Cause cause;
    /** The state to keep once the write is done. */
    MesiState after;
    /** Revocations to acknowledge once the write is done. */
    final List<DueAck> acks = new ArrayList<>(1);
    /** Release the copy to the home once the write is done (a local drop, not a revocation). */
    boolean release;
    /** The grant was E: this node owns (or owned, before a downgrade) the key under it. */
    final boolean owner;
    /**
     * The copy may differ from main memory: a write to the copy not yet stored (M), or a memory write issued and
     * not confirmed. Cleared when main memory confirms a write of the copy's value.
     */
    boolean inDoubt;

    Line(String key, MesiState state, Versioned data, GrantId grant, String home, long expiry) {
        this.key = key;
        this.state = state;
        this.data = data;
        this.grant = grant;
        this.home = home;
        this.expiry = expiry;
        this.owner = state.exclusive();
    }

    /**
     * Returns what main memory holds for the key as this owner knows it, for its acknowledgements and release: the
     * copy's value while nothing is in doubt. Under an exclusive grant only this node writes the key (docs/cache.md,
     * I2, on the homes' copies).
     *
     * @return the value, or {@code null} for a shared grant, a copy in doubt or a write in flight
     */
    Versioned memory() {
        return owner && !inDoubt && busy == Busy.NONE ? data : null;
    }

    /**
     * Tells whether the lease runs at {@code now}.
     *
     * @param now the node's time
     * @return {@code true} while {@code now} is before the expiry
     */
    boolean leaseRuns(long now) {
        return now < expiry;
    }

    /**
     * Returns the line's protocol state, ignoring pending requests.
     *
     * @return the state
     */
    LineState lineState() {
        return switch (busy) {
            case WRITE_THROUGH -> LineState.EW;
            case WRITE_BACK -> switch (after) {
                case SHARED -> LineState.MB_S;
                case EXCLUSIVE, MODIFIED -> LineState.MB_E;
                case INVALID -> LineState.MB_I;
            };
            case NONE -> switch (state) {
                case MODIFIED -> LineState.M;
                case EXCLUSIVE -> LineState.E;
                case SHARED -> LineState.S;
                case INVALID -> LineState.I;
            };
        };
    }

    @Override
    public String toString() {
        return key + "=" + lineState() + " " + data + " grant " + grant + " until " + expiry;
    }
}
