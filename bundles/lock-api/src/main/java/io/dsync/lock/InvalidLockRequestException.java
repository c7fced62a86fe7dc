package io.dsync.lock;

/**
 * Thrown eagerly, on the calling thread, when an argument violates a documented constraint: an empty
 * or oversized lock name, a negative wait timeout, a non-positive or too long lease, and so on.
 * <p>
 * This is a programming error, not a runtime condition of the cluster, which is why the class extends
 * {@link IllegalArgumentException} rather than {@link LockException}; it is never used to complete a
 * future exceptionally. The message names the offending value and the violated limit.
 */
public class InvalidLockRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The name of the invalid parameter or record component. */
    private final String parameter;

    /**
     * Creates an exception for an invalid parameter.
     *
     * @param parameter the name of the invalid parameter or record component, e.g. {@code "name"}
     * @param message the detail message, naming the bad value and the limit it violates
     */
    public InvalidLockRequestException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /**
     * Returns the name of the invalid parameter or record component.
     *
     * @return the parameter name, e.g. {@code "name"} or {@code "waitTimeout"}
     */
    public String parameter() {
        return parameter;
    }
}
