package io.dsync.queue;

/**
 * The queue (or the dead-letter queue named in a {@link QueueConfig}) has not been
 * {@linkplain QueueService#declare(QueueConfig) declared}. Queues are never created implicitly, so
 * that a typo in a queue name fails loudly instead of silently accumulating messages nobody reads.
 * <p>
 * The operation had no effect.
 */
public class QueueNotFoundException extends QueueException {

    private static final long serialVersionUID = 1L;

    /** The missing queue. */
    private final String queue;

    /**
     * Creates the exception.
     *
     * @param queue the name of the missing queue
     */
    public QueueNotFoundException(String queue) {
        super("queue '" + queue + "' does not exist; declare it first");
        this.queue = queue;
    }

    /**
     * Returns the name of the missing queue.
     *
     * @return the queue name
     */
    public String queue() {
        return queue;
    }
}
