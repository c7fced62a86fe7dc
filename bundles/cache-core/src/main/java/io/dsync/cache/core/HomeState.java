package io.dsync.cache.core;

/**
 * The state of one key at its home: who holds it, and which request is being served. These are the
 * rows of the home's state table in {@code docs/cache.md}.
 */
public enum HomeState {
    /** Nobody holds the key; nothing waits. */
    I,
    /** One or more nodes hold it shared; nothing waits. */
    S,
    /** One node owns it (E or M: the home cannot tell, and treats E as possibly M); nothing waits. */
    EM,
    /** Requests wait, but no grant may be made yet: the key is newly homed (quarantine) or the home lacks authority. */
    BLOCKED,
    /** Serving a request: waiting for the owner to write back and give up or downgrade its copy. */
    RECALL,
    /** Serving a GetM: waiting for sharers to acknowledge their invalidation (or for their leases to end). */
    INVALIDATE,
    /** Serving a request: every other copy is gone; waiting for main memory's value (fenced read). */
    READ,
    /** Answering a retransmitted request whose grant was lost: reading the value to send the grant again. */
    RESEND
}
