package io.dsync.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Entry point of the distributed queue service, registered as an OSGi service by the platform.
 * <pre>{@code
 * queues.declare(QueueConfig.of("orders.dlq"));
 * queues.declare(QueueConfig.of("orders").withDeadLetterQueue("orders.dlq"));
 * MessageId id = queues.send("orders", Message.of(customerId, payload));
 * try (Subscription s = queues.subscribe("orders", SubscriptionOptions.defaults(), d -> process(d))) {
 *     ...
 * }
 * }</pre>
 *
 * <h2>Delivery guarantee: at least once</h2>
 * A message whose {@code send} completed successfully is durable and is delivered until it is
 * acknowledged or dead-lettered (or its queue is deleted by an administrator). It may be delivered more than once: when its
 * visibility deadline passes before it is settled (slow or crashed consumer), when it is requeued,
 * and when the outcome of an {@code ack} was unknown to the service. Redeliveries carry the same
 * {@link MessageId} and an incremented {@link Delivery#deliveryCount()}. Consumers must be
 * idempotent, typically by recording processed message ids atomically with their effects.
 *
 * <h2 id="ordering">Per-key ordering</h2>
 * All consumers of a queue form a single consumer group (fan-out to several independent groups is
 * done with one queue per group). For two messages {@code m1} and {@code m2} with the same non-null
 * key sent to the same queue:
 * <ol>
 *   <li>If the {@code send} of {@code m1} completed before the {@code send} of {@code m2} was invoked
 *       (or both are in one {@link #sendAll(String, List) sendAll} batch, {@code m1} first), then
 *       {@code m1} is ordered before {@code m2}. Sends that overlap in time are ordered in the order
 *       in which the service made them durable.</li>
 *   <li>{@code m2} is not delivered to any consumer before {@code m1} has been settled for good:
 *       acknowledged or dead-lettered. While {@code m1} is in flight, requeued (also with a delay) or
 *       waiting for redelivery after its visibility expired, {@code m2} waits. Hence at most one
 *       message per key is in flight in the queue at any time, and each key is processed strictly in
 *       order, one message at a time.</li>
 *   <li>The guarantee is about the queue's view: if a consumer exceeds the visibility deadline of
 *       {@code m1}, {@code m1} may be redelivered to another consumer while the first one is still
 *       processing it, and {@code m2} may follow as soon as the second one acknowledges. Consumers
 *       that need mutual exclusion extend the visibility in time, or fence their effects with the
 *       delivery count.</li>
 * </ol>
 * A poisonous message therefore blocks its key until it is dead-lettered, at the latest after
 * {@link QueueConfig#maxDeliveries()} attempts. Messages with different keys, and messages without a
 * key, have no ordering relative to each other and are delivered concurrently; unkeyed messages are
 * delivered roughly, but not strictly, in send order. Ordering is not preserved into dead-letter
 * queues.
 *
 * <h2>Method conventions</h2>
 * Each operation exists as an {@code xxxAsync} method returning a {@link CompletableFuture} and as a
 * blocking method with the same semantics, which throws exactly the exception types the future
 * completes exceptionally with. Blocking methods wait at most for the service's configured operation
 * timeout and then fail with {@link QueueUnavailableException}; they are not interruptible but
 * preserve the interrupt status. The exception is {@link #poll(String, int, Duration) poll}, whose
 * wait is chosen by the caller and which therefore throws {@link InterruptedException}. Invalid
 * arguments throw {@link InvalidQueueRequestException} and {@code null} arguments
 * {@link NullPointerException} eagerly on the calling thread. Retries performed internally by the
 * service are deduplicated (client id and call id): a retried send never enqueues twice, a retried
 * ack never acknowledges a later attempt.
 * <p>
 * Implementations are thread-safe.
 */
@ProviderType
public interface QueueService {

    /** Maximum number of messages of one {@code sendAll} batch and of one {@code poll}. */
    int MAX_BATCH_SIZE = 1000;

    /** Maximum wait of one {@code poll}: 5 minutes. */
    Duration MAX_POLL_WAIT = Duration.ofMinutes(5);

    /**
     * Declares a queue: creates it if it does not exist. Idempotent: declaring an existing queue with
     * an equal configuration succeeds and changes nothing.
     * <p>
     * The future completes with the configuration in effect, or exceptionally with
     * {@link QueueConfigConflictException} if the queue exists with a different configuration,
     * {@link QueueNotFoundException} if the configured dead-letter queue has not been declared, or
     * {@link QueueUnavailableException}.
     *
     * @param config the queue configuration, including its name
     * @return a future of the configuration in effect
     * @throws NullPointerException if {@code config} is {@code null}
     */
    CompletableFuture<QueueConfig> declareAsync(QueueConfig config);

    /**
     * Declares a queue. Same semantics as {@link #declareAsync(QueueConfig)}.
     *
     * @param config the queue configuration, including its name
     * @return the configuration in effect
     * @throws QueueConfigConflictException if the queue exists with a different configuration
     * @throws QueueNotFoundException if the configured dead-letter queue has not been declared
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout
     * @throws NullPointerException if {@code config} is {@code null}
     */
    QueueConfig declare(QueueConfig config);

    /**
     * Sends a message. The future completes with the id of the enqueued message once it is durable
     * (persisted and replicated according to the platform's durability configuration), or
     * exceptionally with {@link QueueNotFoundException}, {@link MessageTooLargeException}, or
     * {@link QueueUnavailableException} (outcome unknown: the message may have been enqueued).
     *
     * @param queue the queue name
     * @param message the message
     * @return a future of the message id
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<MessageId> sendAsync(String queue, Message message);

    /**
     * Sends a message. Same semantics as {@link #sendAsync(String, Message)}.
     *
     * @param queue the queue name
     * @param message the message
     * @return the id of the enqueued, durable message
     * @throws QueueNotFoundException if the queue has not been declared
     * @throws MessageTooLargeException if the payload exceeds the queue's limit
     * @throws QueueUnavailableException if the message could not be made durable within the operation
     *     timeout; it may have been enqueued nevertheless
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name
     * @throws NullPointerException if an argument is {@code null}
     */
    MessageId send(String queue, Message message);

    /**
     * Sends a message. Equivalent to {@code send(queue, new Message(key, payload, headers))}.
     *
     * @param queue the queue name
     * @param key the ordering key, or {@code null} for an unordered message
     * @param payload the payload
     * @param headers the headers, possibly empty
     * @return the id of the enqueued, durable message
     * @throws QueueNotFoundException if the queue has not been declared
     * @throws MessageTooLargeException if the payload exceeds the queue's limit
     * @throws QueueUnavailableException if the message could not be made durable within the operation
     *     timeout; it may have been enqueued nevertheless
     * @throws InvalidQueueRequestException if {@code queue}, {@code key} or a header is invalid
     * @throws NullPointerException if {@code queue}, {@code payload} or {@code headers} is {@code null}
     */
    default MessageId send(String queue, String key, byte[] payload, Map<String, String> headers) {
        return send(queue, new Message(key, payload, headers));
    }

    /**
     * Sends a batch of messages atomically and in order: either all messages are enqueued, in list
     * order (which defines their <a href="#ordering">per-key order</a>), or none is. This is the way to
     * send many messages of one key without waiting for each send to complete.
     * <p>
     * The future completes with the ids, in list order, once all messages are durable, or
     * exceptionally with {@link QueueNotFoundException}, {@link MessageTooLargeException} (naming the
     * first offending message's size; nothing was enqueued), or {@link QueueUnavailableException}
     * (outcome unknown: all or none of the messages may have been enqueued).
     *
     * @param queue the queue name
     * @param messages the messages, 1 to {@value #MAX_BATCH_SIZE}
     * @return a future of the message ids, in list order
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name or the batch is
     *     empty or larger than {@value #MAX_BATCH_SIZE}
     * @throws NullPointerException if an argument or a message is {@code null}
     */
    CompletableFuture<List<MessageId>> sendAllAsync(String queue, List<Message> messages);

    /**
     * Sends a batch of messages atomically and in order. Same semantics as
     * {@link #sendAllAsync(String, List)}.
     *
     * @param queue the queue name
     * @param messages the messages, 1 to {@value #MAX_BATCH_SIZE}
     * @return the message ids, in list order
     * @throws QueueNotFoundException if the queue has not been declared
     * @throws MessageTooLargeException if a payload exceeds the queue's limit; nothing was enqueued
     * @throws QueueUnavailableException if the batch could not be made durable within the operation
     *     timeout; all or none of the messages may have been enqueued
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name or the batch is
     *     empty or too large
     * @throws NullPointerException if an argument or a message is {@code null}
     */
    List<MessageId> sendAll(String queue, List<Message> messages);

    /**
     * Receives up to {@code maxMessages} messages, long-polling up to {@code wait} when none is
     * available. Completes as soon as at least one message is available (it does not wait to fill the
     * batch), or with an empty list when {@code wait} elapses. Each returned delivery is invisible to
     * other consumers until its {@linkplain Delivery#visibleUntil() deadline}, and the batch contains
     * at most one message per key (see <a href="#ordering">ordering</a>).
     * <p>
     * The future completes exceptionally with {@link QueueNotFoundException} or
     * {@link QueueUnavailableException}. Cancelling it ends the wait; deliveries received concurrently
     * with the cancellation are returned to the queue at once, without counting as a delivery attempt.
     *
     * @param queue the queue name
     * @param maxMessages the maximum number of deliveries, 1 to {@value #MAX_BATCH_SIZE}
     * @param wait the maximum time to wait for a first message, zero (return at once) to
     *     {@link #MAX_POLL_WAIT}
     * @return a future of the deliveries, possibly empty
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name or
     *     {@code maxMessages} or {@code wait} is out of range
     * @throws NullPointerException if {@code queue} or {@code wait} is {@code null}
     */
    CompletableFuture<List<Delivery>> pollAsync(String queue, int maxMessages, Duration wait);

    /**
     * Receives up to {@code maxMessages} messages, blocking up to {@code wait} when none is available.
     * Same semantics as {@link #pollAsync(String, int, Duration)}.
     *
     * @param queue the queue name
     * @param maxMessages the maximum number of deliveries, 1 to {@value #MAX_BATCH_SIZE}
     * @param wait the maximum time to wait for a first message, zero to {@link #MAX_POLL_WAIT}
     * @return the deliveries, empty if none arrived within {@code wait}
     * @throws QueueNotFoundException if the queue has not been declared
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout
     * @throws InterruptedException if the thread was interrupted while waiting; deliveries received
     *     concurrently are returned to the queue without counting as a delivery attempt
     * @throws InvalidQueueRequestException if an argument is out of range
     * @throws NullPointerException if {@code queue} or {@code wait} is {@code null}
     */
    List<Delivery> poll(String queue, int maxMessages, Duration wait) throws InterruptedException;

    /**
     * Subscribes a handler to a queue. The future completes with the active subscription once the
     * queue's existence was checked, or exceptionally with {@link QueueNotFoundException} or
     * {@link QueueUnavailableException}. Deliveries are then pushed to {@code handler} as described on
     * {@link DeliveryHandler} and {@link AckMode}.
     *
     * @param queue the queue name
     * @param options the subscription options
     * @param handler the handler
     * @return a future of the subscription, which the caller must close
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Subscription> subscribeAsync(String queue, SubscriptionOptions options,
            DeliveryHandler handler);

    /**
     * Subscribes a handler to a queue. Same semantics as
     * {@link #subscribeAsync(String, SubscriptionOptions, DeliveryHandler)}.
     *
     * @param queue the queue name
     * @param options the subscription options
     * @param handler the handler
     * @return the subscription, which the caller must close
     * @throws QueueNotFoundException if the queue has not been declared
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name
     * @throws NullPointerException if an argument is {@code null}
     */
    Subscription subscribe(String queue, SubscriptionOptions options, DeliveryHandler handler);

    /**
     * Acknowledges a delivery: the message is removed from the queue for good and the next message of
     * its key becomes deliverable. Succeeds as long as the delivery is the current attempt of its
     * message, even after its visibility deadline if the message was not delivered again in the
     * meantime.
     * <p>
     * The future completes exceptionally with {@link StaleDeliveryException} if the delivery is no
     * longer the current attempt, {@link QueueNotFoundException} if the queue was deleted, or
     * {@link QueueUnavailableException} (outcome unknown).
     *
     * @param delivery the delivery to acknowledge
     * @return a future that completes when the acknowledgement is durable
     * @throws NullPointerException if {@code delivery} is {@code null}
     */
    CompletableFuture<Void> ackAsync(Delivery delivery);

    /**
     * Acknowledges a delivery. Same semantics as {@link #ackAsync(Delivery)}.
     *
     * @param delivery the delivery to acknowledge
     * @throws StaleDeliveryException if the delivery is no longer the current attempt of its message
     * @throws QueueNotFoundException if the queue was deleted
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout; the acknowledgement may have taken effect
     * @throws NullPointerException if {@code delivery} is {@code null}
     */
    void ack(Delivery delivery);

    /**
     * Negatively acknowledges a delivery: requeues it after {@code delay}, or dead-letters it, as
     * described on {@link NackAction}.
     * <p>
     * The future completes exceptionally with {@link StaleDeliveryException},
     * {@link QueueNotFoundException} (the queue, or its dead-letter queue, was deleted), or
     * {@link QueueUnavailableException} (outcome unknown).
     *
     * @param delivery the delivery to settle
     * @param action what to do with the message
     * @param delay for {@link NackAction#REQUEUE}: how long the message stays invisible, zero to
     *     {@link QueueConfig#MAX_VISIBILITY_TIMEOUT}; must be zero for
     *     {@link NackAction#DEAD_LETTER}
     * @return a future that completes when the message has been requeued or dead-lettered durably
     * @throws InvalidQueueRequestException if {@code delay} is out of range, or non-zero with
     *     {@link NackAction#DEAD_LETTER}
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Void> nackAsync(Delivery delivery, NackAction action, Duration delay);

    /**
     * Negatively acknowledges a delivery. Same semantics as
     * {@link #nackAsync(Delivery, NackAction, Duration)}.
     *
     * @param delivery the delivery to settle
     * @param action what to do with the message
     * @param delay for {@link NackAction#REQUEUE}: how long the message stays invisible; must be zero
     *     for {@link NackAction#DEAD_LETTER}
     * @throws StaleDeliveryException if the delivery is no longer the current attempt of its message
     * @throws QueueNotFoundException if the queue or its dead-letter queue was deleted
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout; the operation may have taken effect
     * @throws InvalidQueueRequestException if {@code delay} is out of range, or non-zero with
     *     {@link NackAction#DEAD_LETTER}
     * @throws NullPointerException if an argument is {@code null}
     */
    void nack(Delivery delivery, NackAction action, Duration delay);

    /**
     * Negatively acknowledges a delivery without delay. Equivalent to
     * {@code nack(delivery, action, Duration.ZERO)}.
     *
     * @param delivery the delivery to settle
     * @param action what to do with the message
     * @throws StaleDeliveryException if the delivery is no longer the current attempt of its message
     * @throws QueueNotFoundException if the queue or its dead-letter queue was deleted
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout; the operation may have taken effect
     * @throws NullPointerException if an argument is {@code null}
     */
    default void nack(Delivery delivery, NackAction action) {
        nack(delivery, action, Duration.ZERO);
    }

    /**
     * Moves the visibility deadline of a delivery to the send time of this call plus
     * {@code extension} (which can also shorten it). Long-running consumers call this periodically to
     * keep exclusive processing rights.
     * <p>
     * The future completes with the new deadline on this process's clock, or exceptionally with
     * {@link StaleDeliveryException} (too late: the message was settled or delivered again),
     * {@link QueueNotFoundException} or {@link QueueUnavailableException}.
     *
     * @param delivery the delivery
     * @param extension the new visibility, {@link QueueConfig#MIN_VISIBILITY_TIMEOUT} to
     *     {@link QueueConfig#MAX_VISIBILITY_TIMEOUT}, counted from now
     * @return a future of the new visibility deadline
     * @throws InvalidQueueRequestException if {@code extension} is out of range
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Instant> extendVisibilityAsync(Delivery delivery, Duration extension);

    /**
     * Moves the visibility deadline of a delivery. Same semantics as
     * {@link #extendVisibilityAsync(Delivery, Duration)}.
     *
     * @param delivery the delivery
     * @param extension the new visibility, counted from now
     * @return the new visibility deadline on this process's clock
     * @throws StaleDeliveryException if the message was settled or delivered again
     * @throws QueueNotFoundException if the queue was deleted
     * @throws QueueUnavailableException if the storage could not be reached within the operation
     *     timeout
     * @throws InvalidQueueRequestException if {@code extension} is out of range
     * @throws NullPointerException if an argument is {@code null}
     */
    Instant extendVisibility(Delivery delivery, Duration extension);
}
