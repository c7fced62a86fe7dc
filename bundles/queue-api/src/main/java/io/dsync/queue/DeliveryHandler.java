package io.dsync.queue;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Callback receiving the deliveries of a {@linkplain QueueService#subscribe subscription}; implemented
 * by applications.
 * <p>
 * <strong>Threading.</strong> The handler is invoked on threads managed by the service, concurrently
 * for up to {@link SubscriptionOptions#maxInFlight()} deliveries, but never concurrently (nor out of
 * order) for two messages of the same key: a message is only delivered after the previous message of
 * its key was settled. Implementations must therefore be thread-safe. They should not block for long;
 * if processing takes longer than the queue's visibility timeout, the handler must
 * {@linkplain QueueService#extendVisibility extend} the visibility or use {@link AckMode#MANUAL} and
 * settle later.
 * <p>
 * <strong>Outcome.</strong> What happens when the handler returns or throws depends on the
 * subscription's {@link AckMode}. Any {@link Exception} thrown (checked or not) counts as a processing
 * failure, and so does an {@link Error}.
 */
@ConsumerType
@FunctionalInterface
public interface DeliveryHandler {

    /**
     * Processes one delivery.
     *
     * @param delivery the delivery; settle it with {@link QueueService#ack(Delivery)} or
     *     {@link QueueService#nack(Delivery, NackAction, java.time.Duration)} unless the subscription
     *     uses {@link AckMode#AUTO}
     * @throws Exception if processing failed; the delivery is then requeued with the subscription's
     *     {@linkplain SubscriptionOptions#retryDelay() retry delay}, unless it was already settled
     */
    void onDelivery(Delivery delivery) throws Exception;
}
