package io.dsync.cache;

/**
 * The operation could not complete within the service's configured operation timeout because main
 * memory (the Redis store) or a node whose coherence acknowledgement is required could not be reached.
 * Operations never hang because of a partition.
 * <p>
 * The cache prefers unavailability to inconsistency: it never answers a read with a value that might
 * be stale. A read is still served locally while this node holds a valid copy of the key; otherwise it
 * fails with this exception. A write that is waiting for the invalidation of a copy held by an
 * unreachable node waits until that node's read lease expires, and fails with this exception if that
 * takes longer than the operation timeout.
 * <p>
 * <strong>The outcome of a write is unknown</strong>: it may take effect later or not at all (if it
 * does, it is linearized at some instant after its invocation).
 */
public class CacheUnavailableException extends CacheException {

    private static final long serialVersionUID = 1L;

    /** The cache concerned. */
    private final String cache;

    /**
     * Creates the exception.
     *
     * @param cache the cache concerned
     * @param message the detail message, describing the operation, the key and the timeout
     * @param cause the underlying failure, or {@code null} if none
     */
    public CacheUnavailableException(String cache, String message, Throwable cause) {
        super(message, cause);
        this.cache = cache;
    }

    /**
     * Returns the cache concerned.
     *
     * @return the cache name
     */
    public String cache() {
        return cache;
    }
}
