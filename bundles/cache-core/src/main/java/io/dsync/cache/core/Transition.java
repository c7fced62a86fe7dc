package io.dsync.cache.core;

import java.util.Objects;

/**
 * A change of a node's MESI state for one key, with its cause: what {@link CacheNode#transitions()}
 * counts (for metrics, and for the simulator's proof that every transition was exercised).
 *
 * @param from the state before
 * @param to the state after
 * @param cause why
 */
public record Transition(MesiState from, MesiState to, Cause cause) implements Comparable<Transition> {

    /** Why a node's copy changed state. */
    public enum Cause {
        /** A GetS was granted (I to S or E). */
        READ_MISS,
        /** A GetM from I was granted (I to E). */
        WRITE_MISS,
        /** A GetM from S was granted (S to E). */
        UPGRADE,
        /** A write to an exclusive copy in a write-back cache (E to M, no message). */
        SILENT_UPGRADE,
        /** The home recalled the owner for a reader (E or M to S). */
        DOWNGRADE,
        /** The home invalidated the copy for a writer (to I). */
        INVALIDATION,
        /** The copy was evicted for capacity (to I). */
        EVICTION,
        /** The node's own invalidate or invalidateAll (to I). */
        LOCAL_INVALIDATION,
        /** A flush wrote a modified copy back (M to E). */
        FLUSH,
        /** The lease ran out (to I). */
        LEASE_EXPIRY,
        /** The home refused to renew the lease (to I). */
        RENEWAL_REFUSED,
        /** Main memory rejected a write of the copy: its fence was stale (to I). */
        FENCED,
        /** A write of the copy to main memory had an unknown outcome (to I). */
        WRITE_UNKNOWN
    }

    /**
     * Validates the transition.
     *
     * @param from the state before
     * @param to the state after
     * @param cause the cause
     */
    public Transition {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(cause, "cause");
    }

    @Override
    public int compareTo(Transition o) {
        int c = from.compareTo(o.from);
        if (c == 0) {
            c = to.compareTo(o.to);
        }
        return c != 0 ? c : cause.compareTo(o.cause);
    }

    @Override
    public String toString() {
        return from.letter() + "->" + to.letter() + " " + cause;
    }
}
