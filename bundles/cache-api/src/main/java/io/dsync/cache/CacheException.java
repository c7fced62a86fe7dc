package io.dsync.cache;

/**
 * Base class of all failures reported by the cache service.
 * <p>
 * The exception is unchecked so that the same type can be thrown by blocking methods and used to
 * complete futures exceptionally (see the package documentation). Callers normally catch one of the
 * precise subclasses; the service throws this class itself only for unexpected internal failures that
 * no subclass describes, in which case the outcome of the operation is unknown.
 */
public class CacheException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a detail message.
     *
     * @param message the detail message, naming the cache and key concerned where applicable
     */
    public CacheException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a detail message and a cause.
     *
     * @param message the detail message, naming the cache and key concerned where applicable
     * @param cause the underlying failure, or {@code null} if none
     */
    public CacheException(String message, Throwable cause) {
        super(message, cause);
    }
}
