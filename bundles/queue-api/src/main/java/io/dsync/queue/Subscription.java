package io.dsync.queue;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An active push subscription to a queue, returned by
 * {@link QueueService#subscribe(String, SubscriptionOptions, DeliveryHandler)}. Close it to stop
 * receiving deliveries.
 * <p>
 * A subscription survives transient failures: while the queue is unavailable it keeps retrying with
 * backoff. It terminates only when closed or on a permanent failure (the queue was deleted); see
 * {@link #whenTerminated()}.
 * <p>
 * Instances are thread-safe.
 */
@ProviderType
public interface Subscription extends AutoCloseable {

    /**
     * Returns the subscribed queue.
     *
     * @return the queue name
     */
    String queue();

    /**
     * Returns the options the subscription was created with.
     *
     * @return the options
     */
    SubscriptionOptions options();

    /**
     * Tells whether the subscription is still receiving deliveries.
     *
     * @return {@code false} once it was closed or terminated
     */
    boolean isActive();

    /**
     * Returns a stage that completes when the subscription has terminated and no handler invocation is
     * running any more: normally after {@link #close()}, exceptionally with
     * {@link QueueNotFoundException} if the queue was deleted.
     *
     * @return the termination stage; the same instance on every call
     */
    CompletionStage<Void> whenTerminated();

    /**
     * Stops the subscription: no handler invocation starts after this method returns. It does not wait
     * for running invocations (so it may be called from within the handler); use
     * {@link #whenTerminated()} for that. Deliveries already handed to the handler can still be
     * settled; prefetched deliveries not yet handed over are returned to the queue at once (without
     * counting as a delivery attempt), and unsettled ones become visible again at their visibility
     * deadline. Idempotent; never throws.
     */
    @Override
    void close();
}
