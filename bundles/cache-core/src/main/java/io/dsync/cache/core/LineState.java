package io.dsync.cache.core;

/**
 * The protocol state of one key on one node: the MESI state of its copy combined with what the node is
 * waiting for. These are the rows of the node's state table in {@code docs/cache.md}; the names follow
 * the usual notation for transient coherence states (IS: from I towards S, and so on).
 */
public enum LineState {
    /** No valid copy, nothing pending. */
    I(MesiState.INVALID),
    /** No copy; a GetS is pending. */
    IS(MesiState.INVALID),
    /** No copy; a GetM is pending. */
    IM(MesiState.INVALID),
    /** A valid shared copy. */
    S(MesiState.SHARED),
    /** A valid shared copy; a GetM (upgrade) is pending. */
    SM(MesiState.SHARED),
    /** A valid exclusive, clean copy. */
    E(MesiState.EXCLUSIVE),
    /** A valid exclusive, modified copy (write-back caches only). */
    M(MesiState.MODIFIED),
    /** An exclusive copy with a write-through in flight (write-through caches only). */
    EW(MesiState.EXCLUSIVE),
    /** A modified copy being written back, to be kept shared (a downgrade). */
    MB_S(MesiState.MODIFIED),
    /** A modified copy being written back, to be kept exclusive and clean (a flush). */
    MB_E(MesiState.MODIFIED),
    /** A modified copy being written back, to be dropped (invalidation, eviction, expiry, invalidate). */
    MB_I(MesiState.MODIFIED);

    private final MesiState rights;

    LineState(MesiState rights) {
        this.rights = rights;
    }

    /**
     * Returns the rights the node holds in this state, while the lease runs.
     *
     * @return the MESI state of the copy
     */
    public MesiState rights() {
        return rights;
    }

    /**
     * Tells whether operations on the key must wait in this state.
     *
     * @return {@code true} for the states that wait for a grant or a memory write
     */
    public boolean waits() {
        return this != I && this != S && this != E && this != M;
    }
}
