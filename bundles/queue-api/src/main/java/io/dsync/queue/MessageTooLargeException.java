package io.dsync.queue;

/**
 * The payload of a message is larger than the {@linkplain QueueConfig#maxPayloadBytes() limit} of the
 * target queue. The message was not enqueued (for {@code sendAll}: none of the messages was).
 */
public class MessageTooLargeException extends QueueException {

    private static final long serialVersionUID = 1L;

    /** The target queue. */
    private final String queue;

    /** The payload size in bytes. */
    private final int size;

    /** The queue's limit in bytes. */
    private final int limit;

    /**
     * Creates the exception.
     *
     * @param queue the target queue
     * @param size the payload size in bytes
     * @param limit the queue's payload limit in bytes
     */
    public MessageTooLargeException(String queue, int size, int limit) {
        super("message payload of " + size + " bytes exceeds the limit of " + limit + " bytes of queue '"
                + queue + "'");
        this.queue = queue;
        this.size = size;
        this.limit = limit;
    }

    /**
     * Returns the target queue.
     *
     * @return the queue name
     */
    public String queue() {
        return queue;
    }

    /**
     * Returns the payload size.
     *
     * @return the size in bytes
     */
    public int size() {
        return size;
    }

    /**
     * Returns the queue's payload limit.
     *
     * @return the limit in bytes
     */
    public int limit() {
        return limit;
    }
}
