package io.dsync.queue;

/**
 * What {@link QueueService#nack(Delivery, NackAction, java.time.Duration)} does with a message whose
 * processing failed.
 */
public enum NackAction {

    /**
     * Return the message to the queue, at its original position (it stays first among the messages
     * of its key), invisible for the given delay. Its next delivery has an incremented delivery
     * count; if it has already been delivered {@link QueueConfig#maxDeliveries()} times it is
     * dead-lettered instead.
     */
    REQUEUE,

    /**
     * Move the message to the queue's {@linkplain QueueConfig#deadLetterQueue() dead-letter queue}
     * at once, regardless of its delivery count, or delete it if the queue has none. This is the way
     * to give up on a message known to be unprocessable (a "poison message") without blocking its key
     * until {@link QueueConfig#maxDeliveries()} is reached.
     */
    DEAD_LETTER
}
