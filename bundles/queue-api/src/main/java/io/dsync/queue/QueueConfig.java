package io.dsync.queue;

import java.io.Serializable;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The configuration of a queue, fixed when the queue is {@linkplain QueueService#declare(QueueConfig)
 * declared}.
 * <p>
 * Instances are immutable and validated on construction. Start from {@link #of(String)} and adjust
 * with the {@code withXxx} methods:
 * <pre>{@code
 * QueueConfig orders = QueueConfig.of("orders")
 *         .withVisibilityTimeout(Duration.ofMinutes(2))
 *         .withMaxDeliveries(10)
 *         .withDeadLetterQueue("orders.dlq");
 * }</pre>
 *
 * <h2 id="names">Queue names</h2>
 * A queue name consists of 1 to {@value #MAX_NAME_LENGTH} ASCII letters, digits, {@code '.'},
 * {@code '_'} and {@code '-'}, starting with a letter or digit. Names are case-sensitive. The
 * restriction keeps names usable verbatim as storage keys, metric labels and configuration PIDs.
 *
 * @param name the queue name, see <a href="#names">queue names</a>
 * @param visibilityTimeout how long a delivered message stays invisible to other consumers while it
 *     is processed, {@link #MIN_VISIBILITY_TIMEOUT} to {@link #MAX_VISIBILITY_TIMEOUT}; if it is
 *     neither acknowledged nor extended in time, it is delivered again
 * @param maxDeliveries how many times a message is delivered at most, 1 to
 *     {@value #MAX_MAX_DELIVERIES}: when a message that has been delivered that many times is
 *     requeued or its visibility expires, it is dead-lettered instead. Unlimited redelivery is not
 *     offered because a poison message would block its key forever
 * @param deadLetterQueue the queue that receives dead-lettered messages, or {@code null} to delete
 *     them instead; must be a different queue, declared before this one
 * @param maxPayloadBytes the largest accepted payload, 1 to {@value #MAX_PAYLOAD_BYTES_LIMIT} bytes;
 *     larger messages are rejected with {@link MessageTooLargeException}
 * @serial exclude
 */
public record QueueConfig(String name, Duration visibilityTimeout, int maxDeliveries, String deadLetterQueue,
        int maxPayloadBytes) implements Serializable {

    /** Maximum length of a queue name, in characters. */
    public static final int MAX_NAME_LENGTH = 128;

    /** Minimum visibility timeout: 1 second. */
    public static final Duration MIN_VISIBILITY_TIMEOUT = Duration.ofSeconds(1);

    /** Maximum visibility timeout: 12 hours. */
    public static final Duration MAX_VISIBILITY_TIMEOUT = Duration.ofHours(12);

    /** Upper bound of {@link #maxDeliveries()}. */
    public static final int MAX_MAX_DELIVERIES = 1000;

    /** Upper bound of {@link #maxPayloadBytes()}: 16 MiB. */
    public static final int MAX_PAYLOAD_BYTES_LIMIT = 16 * 1024 * 1024;

    /** Visibility timeout used by {@link #of(String)}: 30 seconds. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(30);

    /** Maximum deliveries used by {@link #of(String)}: 5. */
    public static final int DEFAULT_MAX_DELIVERIES = 5;

    /** Payload limit used by {@link #of(String)}: 256 KiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

    /** The syntax of queue names. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Number of characters of an invalid name quoted in exception messages. */
    private static final int PREVIEW_CHARS = 64;

    /**
     * Validates the configuration.
     *
     * @param name the queue name
     * @param visibilityTimeout the visibility timeout
     * @param maxDeliveries the maximum number of deliveries of a message
     * @param deadLetterQueue the dead-letter queue, or {@code null} for none
     * @param maxPayloadBytes the largest accepted payload, in bytes
     * @throws NullPointerException if {@code name} or {@code visibilityTimeout} is {@code null}
     * @throws InvalidQueueRequestException if {@code name} or {@code deadLetterQueue} is not a valid
     *     queue name, {@code deadLetterQueue} equals {@code name}, or a number or duration is out of
     *     range; the message names the offending value and the limit
     */
    public QueueConfig {
        requireValidName(name);
        if (visibilityTimeout == null) {
            throw new NullPointerException("visibilityTimeout");
        }
        requireVisibilityTimeout("visibilityTimeout", visibilityTimeout);
        if (maxDeliveries < 1 || maxDeliveries > MAX_MAX_DELIVERIES) {
            throw new InvalidQueueRequestException("maxDeliveries", "maxDeliveries must be between 1 and "
                    + MAX_MAX_DELIVERIES + ", was " + maxDeliveries);
        }
        if (deadLetterQueue != null) {
            requireValidName(deadLetterQueue);
            if (deadLetterQueue.equals(name)) {
                throw new InvalidQueueRequestException("deadLetterQueue",
                        "deadLetterQueue must differ from the queue itself, was '" + name + "'");
            }
        }
        if (maxPayloadBytes < 1 || maxPayloadBytes > MAX_PAYLOAD_BYTES_LIMIT) {
            throw new InvalidQueueRequestException("maxPayloadBytes", "maxPayloadBytes must be between 1 and "
                    + MAX_PAYLOAD_BYTES_LIMIT + ", was " + maxPayloadBytes);
        }
    }

    /**
     * Creates a configuration with default values: {@link #DEFAULT_VISIBILITY_TIMEOUT},
     * {@link #DEFAULT_MAX_DELIVERIES}, no dead-letter queue and {@link #DEFAULT_MAX_PAYLOAD_BYTES}.
     *
     * @param name the queue name
     * @return the configuration
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidQueueRequestException if {@code name} is not a valid queue name
     */
    public static QueueConfig of(String name) {
        return new QueueConfig(name, DEFAULT_VISIBILITY_TIMEOUT, DEFAULT_MAX_DELIVERIES, null,
                DEFAULT_MAX_PAYLOAD_BYTES);
    }

    /**
     * Returns a copy with another visibility timeout.
     *
     * @param newVisibilityTimeout the visibility timeout
     * @return the new configuration
     * @throws NullPointerException if {@code newVisibilityTimeout} is {@code null}
     * @throws InvalidQueueRequestException if {@code newVisibilityTimeout} is out of range
     */
    public QueueConfig withVisibilityTimeout(Duration newVisibilityTimeout) {
        return new QueueConfig(name, newVisibilityTimeout, maxDeliveries, deadLetterQueue, maxPayloadBytes);
    }

    /**
     * Returns a copy with another maximum number of deliveries.
     *
     * @param newMaxDeliveries the maximum number of deliveries
     * @return the new configuration
     * @throws InvalidQueueRequestException if {@code newMaxDeliveries} is out of range
     */
    public QueueConfig withMaxDeliveries(int newMaxDeliveries) {
        return new QueueConfig(name, visibilityTimeout, newMaxDeliveries, deadLetterQueue, maxPayloadBytes);
    }

    /**
     * Returns a copy with another dead-letter queue.
     *
     * @param newDeadLetterQueue the dead-letter queue, or {@code null} for none
     * @return the new configuration
     * @throws InvalidQueueRequestException if {@code newDeadLetterQueue} is not a valid queue name or
     *     equals {@link #name()}
     */
    public QueueConfig withDeadLetterQueue(String newDeadLetterQueue) {
        return new QueueConfig(name, visibilityTimeout, maxDeliveries, newDeadLetterQueue, maxPayloadBytes);
    }

    /**
     * Returns a copy with another payload limit.
     *
     * @param newMaxPayloadBytes the largest accepted payload, in bytes
     * @return the new configuration
     * @throws InvalidQueueRequestException if {@code newMaxPayloadBytes} is out of range
     */
    public QueueConfig withMaxPayloadBytes(int newMaxPayloadBytes) {
        return new QueueConfig(name, visibilityTimeout, maxDeliveries, deadLetterQueue, newMaxPayloadBytes);
    }

    /**
     * Checks that a string is a valid queue name (see <a href="#names">queue names</a>). Every service
     * method taking a queue name applies this check eagerly.
     *
     * @param name the candidate name
     * @return {@code name}, for chaining
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidQueueRequestException if {@code name} is empty, longer than
     *     {@value #MAX_NAME_LENGTH} characters or has an invalid syntax; the message names the value
     *     and the rule
     */
    public static String requireValidName(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        if (name.isEmpty()) {
            throw new InvalidQueueRequestException("name", "queue name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidQueueRequestException("name", "queue name must be at most " + MAX_NAME_LENGTH
                    + " characters, was " + name.length() + " characters: '" + preview(name) + "'");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidQueueRequestException("name", "queue name must consist of ASCII letters, digits, "
                    + "'.', '_' and '-' and start with a letter or digit, was '" + name + "'");
        }
        return name;
    }

    /**
     * Checks that a duration is a valid visibility timeout or visibility extension:
     * {@link #MIN_VISIBILITY_TIMEOUT} to {@link #MAX_VISIBILITY_TIMEOUT}.
     *
     * @param parameter the parameter name used in the exception
     * @param duration the candidate duration
     * @return {@code duration}, for chaining
     * @throws NullPointerException if {@code duration} is {@code null}
     * @throws InvalidQueueRequestException if {@code duration} is out of range
     */
    public static Duration requireVisibilityTimeout(String parameter, Duration duration) {
        if (duration == null) {
            throw new NullPointerException(parameter);
        }
        if (duration.compareTo(MIN_VISIBILITY_TIMEOUT) < 0 || duration.compareTo(MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new InvalidQueueRequestException(parameter, parameter + " must be between "
                    + Durations.human(MIN_VISIBILITY_TIMEOUT) + " and " + Durations.human(MAX_VISIBILITY_TIMEOUT)
                    + ", was " + Durations.human(duration));
        }
        return duration;
    }

    /**
     * Shortens a string for inclusion in an exception message.
     *
     * @param s the string
     * @return {@code s}, or its first characters followed by {@code "..."}
     */
    private static String preview(String s) {
        return s.length() <= PREVIEW_CHARS ? s : s.substring(0, PREVIEW_CHARS) + "...";
    }
}
