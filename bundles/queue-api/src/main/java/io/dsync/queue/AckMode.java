package io.dsync.queue;

/**
 * Who settles the deliveries of a {@linkplain QueueService#subscribe subscription}.
 */
public enum AckMode {

    /**
     * The service settles each delivery when the handler returns: normal return acknowledges it, an
     * exception requeues it with the subscription's {@linkplain SubscriptionOptions#retryDelay()
     * retry delay}. A delivery that the handler settled itself is left alone.
     */
    AUTO,

    /**
     * The application settles each delivery explicitly with {@code ack} or {@code nack}, from any
     * thread, before its visibility deadline; returning from the handler does not settle it. An
     * exception thrown by the handler still requeues the delivery with the retry delay, unless it was
     * already settled. Use this mode to hand deliveries over to asynchronous processing.
     */
    MANUAL
}
