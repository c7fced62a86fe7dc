package io.dsync.queue;

/**
 * The delivery passed to {@code ack}, {@code nack} or {@code extendVisibility} is no longer the
 * current delivery attempt of its message: either the message was already settled (acknowledged,
 * dead-lettered, or requeued) (possibly by an earlier call whose outcome the caller did not observe)
 * or its visibility deadline passed and the message was delivered again (to this or another
 * consumer), which makes the new attempt the only one that can settle it.
 * <p>
 * The operation had no effect. The consumer must assume that it no longer has exclusive processing
 * rights on the message; since delivery is at-least-once and consumers are idempotent, the usual
 * reaction is to log and drop the stale delivery. An acknowledgement that arrives after the
 * visibility deadline but before the message was delivered again still succeeds.
 */
public class StaleDeliveryException extends QueueException {

    private static final long serialVersionUID = 1L;

    /** The queue of the delivery. */
    private final String queue;

    /** The message id of the delivery. */
    private final MessageId messageId;

    /** The delivery count of the stale attempt. */
    private final int deliveryCount;

    /**
     * Creates the exception.
     *
     * @param queue the queue of the delivery
     * @param messageId the message id of the delivery
     * @param deliveryCount the delivery count of the stale attempt
     * @param message the detail message, explaining why the attempt is stale
     */
    public StaleDeliveryException(String queue, MessageId messageId, int deliveryCount, String message) {
        super(message);
        this.queue = queue;
        this.messageId = messageId;
        this.deliveryCount = deliveryCount;
    }

    /**
     * Returns the queue of the delivery.
     *
     * @return the queue name
     */
    public String queue() {
        return queue;
    }

    /**
     * Returns the message id of the delivery.
     *
     * @return the message id
     */
    public MessageId messageId() {
        return messageId;
    }

    /**
     * Returns the delivery count of the stale attempt.
     *
     * @return the {@linkplain Delivery#deliveryCount() delivery count} of the delivery passed in
     */
    public int deliveryCount() {
        return deliveryCount;
    }
}
