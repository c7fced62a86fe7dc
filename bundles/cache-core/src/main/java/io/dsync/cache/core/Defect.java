package io.dsync.cache.core;

/**
 * Deliberate protocol violations, switched on only by the negative-control tests to prove that the
 * simulator's checkers can fail. Never set in production: the adapters use the public constructors,
 * which set none.
 */
enum Defect {
    /** The home grants a right without waiting for the acknowledgements or lease expiry of the other holders. */
    HOME_SKIPS_REVOCATION_WAIT,
    /** A holder serves its copy after its lease has run out. */
    HOLDER_IGNORES_LEASE,
    /** A new home grants at once for keys it newly homes, without waiting out the old home's leases. */
    HOME_SKIPS_QUARANTINE,
    /** A write-through completes before main memory has confirmed the write. */
    WRITE_THROUGH_ACKS_EARLY,
    /** A home keeps serving its copy of memory after granting an owner, who may write. */
    HOME_KEEPS_COPY_FOR_OWNER,
    /** A holder acknowledges an invalidation but keeps the copy readable without calling it. */
    READABLE_KEPT_AFTER_INVALIDATION,
    /** A write-back cache answers cold reads from main memory, which may miss an owner's modified copy. */
    COLD_READS_IN_WRITE_BACK
}
