package io.dsync.queue;

/**
 * Thrown eagerly, on the calling thread, when an argument violates a documented constraint: an
 * invalid queue name, an oversized message key or header, a visibility timeout out of range, a poll
 * batch that is too large, and so on.
 * <p>
 * This is a programming error, not a runtime condition of the cluster, which is why the class extends
 * {@link IllegalArgumentException} rather than {@link QueueException}; it is never used to complete a
 * future exceptionally. The message names the offending value and the violated limit. (A payload
 * larger than the queue's limit is not a programming error but a property of the data; it is reported
 * as {@link MessageTooLargeException}.)
 */
public class InvalidQueueRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The name of the invalid parameter or record component. */
    private final String parameter;

    /**
     * Creates an exception for an invalid parameter.
     *
     * @param parameter the name of the invalid parameter or record component, e.g. {@code "name"}
     * @param message the detail message, naming the bad value and the limit it violates
     */
    public InvalidQueueRequestException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /**
     * Returns the name of the invalid parameter or record component.
     *
     * @return the parameter name, e.g. {@code "name"} or {@code "headers"}
     */
    public String parameter() {
        return parameter;
    }
}
