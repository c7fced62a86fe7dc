package io.dsync.queue;

/**
 * No replica of the queue's storage could be reached, or the write could not be made durable, within
 * the service's configured operation timeout. Operations never hang because of a partition.
 * <p>
 * <strong>The outcome of a mutating operation is unknown</strong>: a {@code send} may have enqueued
 * the message (retrying it may therefore create a duplicate, which consumers tolerate anyway under
 * at-least-once delivery); an {@code ack} may have taken effect (if it did not, the message is
 * redelivered after its visibility deadline). Subscriptions do not terminate on this condition; they
 * keep retrying with backoff.
 */
public class QueueUnavailableException extends QueueException {

    private static final long serialVersionUID = 1L;

    /** The queue concerned. */
    private final String queue;

    /**
     * Creates the exception.
     *
     * @param queue the queue concerned
     * @param message the detail message, describing the operation and the timeout
     * @param cause the underlying failure, or {@code null} if none
     */
    public QueueUnavailableException(String queue, String message, Throwable cause) {
        super(message, cause);
        this.queue = queue;
    }

    /**
     * Returns the queue concerned.
     *
     * @return the queue name
     */
    public String queue() {
        return queue;
    }
}
