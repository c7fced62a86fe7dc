package io.dsync.queue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One delivery attempt of a message to a consumer, as returned by {@code poll} or passed to a
 * {@link DeliveryHandler}.
 * <p>
 * A delivery is identified by its message {@link #id()} and its {@link #deliveryCount()}: the pair
 * designates exactly one attempt, and only the current attempt of a message can settle it with
 * {@link QueueService#ack(Delivery) ack} or {@link QueueService#nack(Delivery, NackAction,
 * java.time.Duration) nack} (older attempts get {@link StaleDeliveryException}). The message id is
 * stable across redeliveries and is the natural idempotency key for consumers.
 * <p>
 * Instances are immutable: the payload is copied on the way in and on the way out, the headers are an
 * unmodifiable map sorted by name. The headers may include the reserved
 * {@value Message#RESERVED_HEADER_PREFIX} headers added by the service (for example
 * {@link Message#HEADER_DEAD_LETTER_REASON} on a dead-letter queue).
 *
 * @param id the message id, stable across redeliveries
 * @param queue the queue the message was delivered from
 * @param key the ordering key, or {@code null} for an unordered message
 * @param payload the payload, as sent
 * @param headers the headers, as sent, plus any reserved headers added by the service
 * @param deliveryCount the number of this delivery attempt, starting at 1; greater than 1 for a
 *     redelivery
 * @param enqueuedAt when the message entered {@code queue} (for a dead-lettered message: when it was
 *     moved to the dead-letter queue), on the clock of the storage
 * @param visibleUntil the visibility deadline of this attempt, on this process's clock and computed
 *     conservatively from the moment the request was sent: until then no other consumer receives the
 *     message. Settle or {@linkplain QueueService#extendVisibility extend} before it passes
 */
public record Delivery(MessageId id, String queue, String key, byte[] payload, Map<String, String> headers,
        int deliveryCount, Instant enqueuedAt, Instant visibleUntil) {

    /**
     * Validates the delivery and makes defensive copies of the payload and the headers.
     *
     * @param id the message id
     * @param queue the queue
     * @param key the ordering key, or {@code null}
     * @param payload the payload
     * @param headers the headers
     * @param deliveryCount the number of this delivery attempt
     * @param enqueuedAt when the message entered the queue
     * @param visibleUntil the visibility deadline of this attempt
     * @throws NullPointerException if a component other than {@code key}, or a header name or value,
     *     is {@code null}
     * @throws InvalidQueueRequestException if {@code queue} is not a valid queue name, {@code key} is
     *     not a valid key, or {@code deliveryCount} is less than 1
     */
    public Delivery {
        if (id == null) {
            throw new NullPointerException("id");
        }
        QueueConfig.requireValidName(queue);
        if (key != null) {
            Message.requireValidKey(key);
        }
        if (payload == null) {
            throw new NullPointerException("payload");
        }
        payload = payload.clone();
        if (headers == null) {
            throw new NullPointerException("headers");
        }
        Map<String, String> copy = new TreeMap<>();
        headers.forEach((name, value) -> copy.put(Objects.requireNonNull(name, "header name"),
                Objects.requireNonNull(value, "header value")));
        headers = Collections.unmodifiableMap(copy);
        if (deliveryCount < 1) {
            throw new InvalidQueueRequestException("deliveryCount",
                    "deliveryCount must be at least 1, was " + deliveryCount);
        }
        if (enqueuedAt == null) {
            throw new NullPointerException("enqueuedAt");
        }
        if (visibleUntil == null) {
            throw new NullPointerException("visibleUntil");
        }
    }

    /**
     * Returns a copy of the payload.
     *
     * @return a new array with the payload
     */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /**
     * Returns a read-only view of the payload, without copying it.
     *
     * @return a read-only buffer positioned at 0 with the payload size as limit
     */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /**
     * Returns the payload size.
     *
     * @return the size of the payload in bytes
     */
    public int payloadSize() {
        return payload.length;
    }

    /**
     * Returns the value of one header.
     *
     * @param name the header name, case-sensitive
     * @return the value, or empty if the message has no such header
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /**
     * Tells whether this is a redelivery, i.e. an earlier attempt was not acknowledged. A consumer
     * may have processed the message (partly) before; idempotent processing keyed by {@link #id()}
     * handles this.
     *
     * @return {@code true} if {@link #deliveryCount()} is greater than 1
     */
    public boolean isRedelivery() {
        return deliveryCount > 1;
    }

    /**
     * Compares all components, the payload by content.
     *
     * @param other the object to compare with
     * @return {@code true} if {@code other} is a delivery with equal components
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Delivery d && id.equals(d.id) && queue.equals(d.queue) && Objects.equals(key, d.key)
                && Arrays.equals(payload, d.payload) && headers.equals(d.headers) && deliveryCount == d.deliveryCount
                && enqueuedAt.equals(d.enqueuedAt) && visibleUntil.equals(d.visibleUntil);
    }

    /**
     * Hashes all components, the payload by content.
     *
     * @return a hash code consistent with {@link #equals(Object)}
     */
    @Override
    public int hashCode() {
        return Objects.hash(id, queue, key, Arrays.hashCode(payload), headers, deliveryCount, enqueuedAt,
                visibleUntil);
    }

    /**
     * Describes the delivery without its payload content.
     *
     * @return a human-readable representation
     */
    @Override
    public String toString() {
        return "Delivery[id=" + id + ", queue=" + queue + ", key=" + key + ", payload=" + payload.length
                + " bytes, headers=" + headers + ", deliveryCount=" + deliveryCount + ", enqueuedAt=" + enqueuedAt
                + ", visibleUntil=" + visibleUntil + "]";
    }
}
