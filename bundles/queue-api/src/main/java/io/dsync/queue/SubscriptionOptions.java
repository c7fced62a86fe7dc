package io.dsync.queue;

import java.time.Duration;

/**
 * Options of a {@linkplain QueueService#subscribe(String, SubscriptionOptions, DeliveryHandler)
 * subscription}. Immutable and validated on construction; start from {@link #defaults()}.
 *
 * @param maxInFlight the maximum number of deliveries the subscription holds unsettled at any time,
 *     1 to {@value #MAX_IN_FLIGHT}; this bounds both prefetching and the number of concurrent handler
 *     invocations
 * @param ackMode who settles deliveries, see {@link AckMode}
 * @param retryDelay the delay with which a delivery is requeued when the handler throws, zero to
 *     {@link QueueConfig#MAX_VISIBILITY_TIMEOUT}
 */
public record SubscriptionOptions(int maxInFlight, AckMode ackMode, Duration retryDelay) {

    /** Upper bound of {@link #maxInFlight()}. */
    public static final int MAX_IN_FLIGHT = 1000;

    /** The value of {@link #maxInFlight()} in {@link #defaults()}: 16. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 16;

    /** The value of {@link #retryDelay()} in {@link #defaults()}: 1 second. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);

    /**
     * Validates the options.
     *
     * @param maxInFlight the maximum number of unsettled deliveries
     * @param ackMode who settles deliveries
     * @param retryDelay the requeue delay after a handler failure
     * @throws NullPointerException if {@code ackMode} or {@code retryDelay} is {@code null}
     * @throws InvalidQueueRequestException if {@code maxInFlight} or {@code retryDelay} is out of
     *     range
     */
    public SubscriptionOptions {
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT) {
            throw new InvalidQueueRequestException("maxInFlight",
                    "maxInFlight must be between 1 and " + MAX_IN_FLIGHT + ", was " + maxInFlight);
        }
        if (ackMode == null) {
            throw new NullPointerException("ackMode");
        }
        if (retryDelay == null) {
            throw new NullPointerException("retryDelay");
        }
        if (retryDelay.isNegative() || retryDelay.compareTo(QueueConfig.MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new InvalidQueueRequestException("retryDelay", "retryDelay must be between 0s and "
                    + Durations.human(QueueConfig.MAX_VISIBILITY_TIMEOUT) + ", was " + Durations.human(retryDelay));
        }
    }

    /**
     * Returns the default options: {@value #DEFAULT_MAX_IN_FLIGHT} in flight, {@link AckMode#AUTO},
     * {@link #DEFAULT_RETRY_DELAY}.
     *
     * @return the default options
     */
    public static SubscriptionOptions defaults() {
        return new SubscriptionOptions(DEFAULT_MAX_IN_FLIGHT, AckMode.AUTO, DEFAULT_RETRY_DELAY);
    }

    /**
     * Returns a copy with another in-flight limit.
     *
     * @param newMaxInFlight the maximum number of unsettled deliveries
     * @return the new options
     * @throws InvalidQueueRequestException if {@code newMaxInFlight} is out of range
     */
    public SubscriptionOptions withMaxInFlight(int newMaxInFlight) {
        return new SubscriptionOptions(newMaxInFlight, ackMode, retryDelay);
    }

    /**
     * Returns a copy with another acknowledgement mode.
     *
     * @param newAckMode who settles deliveries
     * @return the new options
     * @throws NullPointerException if {@code newAckMode} is {@code null}
     */
    public SubscriptionOptions withAckMode(AckMode newAckMode) {
        return new SubscriptionOptions(maxInFlight, newAckMode, retryDelay);
    }

    /**
     * Returns a copy with another retry delay.
     *
     * @param newRetryDelay the requeue delay after a handler failure
     * @return the new options
     * @throws NullPointerException if {@code newRetryDelay} is {@code null}
     * @throws InvalidQueueRequestException if {@code newRetryDelay} is out of range
     */
    public SubscriptionOptions withRetryDelay(Duration newRetryDelay) {
        return new SubscriptionOptions(maxInFlight, ackMode, newRetryDelay);
    }
}
