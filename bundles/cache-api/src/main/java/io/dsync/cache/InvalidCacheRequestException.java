package io.dsync.cache;

/**
 * Thrown eagerly, on the calling thread, when an argument violates a documented constraint: an
 * invalid cache name, an empty or oversized key, a capacity out of range, and so on.
 * <p>
 * This is a programming error, not a runtime condition of the cluster, which is why the class extends
 * {@link IllegalArgumentException} rather than {@link CacheException}; it is never used to complete a
 * future exceptionally. The message names the offending value and the violated limit. (A value larger
 * than the cache's limit is a property of the data, not a programming error; it is reported as
 * {@link ValueTooLargeException}.)
 */
public class InvalidCacheRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The name of the invalid parameter or record component. */
    private final String parameter;

    /**
     * Creates an exception for an invalid parameter.
     *
     * @param parameter the name of the invalid parameter or record component, e.g. {@code "key"}
     * @param message the detail message, naming the bad value and the limit it violates
     */
    public InvalidCacheRequestException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /**
     * Returns the name of the invalid parameter or record component.
     *
     * @return the parameter name, e.g. {@code "key"} or {@code "localCapacity"}
     */
    public String parameter() {
        return parameter;
    }
}
