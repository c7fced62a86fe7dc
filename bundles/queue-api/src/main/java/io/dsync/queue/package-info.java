/**
 * Durable, replicated message queues with at-least-once delivery and per-key ordering.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>Queues are named (see {@link QueueConfig#requireValidName(String) queue names}) and must be
 *       {@linkplain QueueService#declare(QueueConfig) declared} before use; declaration is idempotent
 *       and never reconfigures an existing queue. Using an undeclared queue fails with
 *       {@link QueueNotFoundException}.</li>
 *   <li>Producers {@linkplain QueueService#send(String, Message) send} {@link Message}s: an optional
 *       ordering key, an opaque {@code byte[]} payload and string headers. A send completes with a
 *       {@link MessageId} once the message is durable.</li>
 *   <li>Consumers receive {@link Delivery deliveries} by {@linkplain QueueService#poll polling} or
 *       through a {@linkplain QueueService#subscribe subscription}, and settle each one with
 *       {@linkplain QueueService#ack ack} or {@linkplain QueueService#nack nack}. An unsettled delivery
 *       is redelivered after the queue's visibility timeout; after
 *       {@link QueueConfig#maxDeliveries()} attempts it goes to the dead-letter queue.</li>
 *   <li>Delivery is at least once, and messages with the same key are delivered strictly in order,
 *       one at a time. The exact guarantees are specified on {@link QueueService}.</li>
 * </ul>
 * Payloads are plain bytes: the queue transports envelopes and never needs to interpret them, so
 * serialization stays the application's choice (a {@code content-type} header is the recommended way
 * to describe it).
 *
 * <h2>Asynchronous and blocking methods</h2>
 * Every operation exists as an {@code xxxAsync} method returning a
 * {@link java.util.concurrent.CompletableFuture} and as a blocking method with the same semantics.
 * The blocking method throws exactly the exception type the asynchronous method completes
 * exceptionally with (unwrapped, never inside an {@link java.util.concurrent.ExecutionException} or
 * {@link java.util.concurrent.CompletionException}). Blocking methods are bounded by the service's
 * operation timeout and preserve the interrupt status; only {@code poll}, whose wait the caller
 * chooses, throws {@link java.lang.InterruptedException}. Cancelling a returned future abandons the
 * wait for the outcome; for {@code poll} it also returns deliveries received concurrently to the
 * queue. Other completion methods of the returned futures ({@code complete}, {@code obtrudeValue},
 * ...) do not affect the operation.
 *
 * <h2>Exceptions</h2>
 * All failures reported by the service are subclasses of the unchecked {@link QueueException}.
 * Unchecked exceptions were chosen because the same types must travel through
 * {@code CompletableFuture}s (which cannot carry checked exception types) and through lambdas, and
 * because the typical reactions (retry later, drop a stale delivery) happen far from the call site.
 * Every method documents which subclasses it raises and when, and whether the outcome is then known.
 * Programming errors are reported eagerly, on the calling thread, never through a future: invalid
 * arguments throw {@link InvalidQueueRequestException} (an {@link IllegalArgumentException}) and
 * {@code null} arguments throw {@link NullPointerException}.
 *
 * <h2>Thread safety</h2>
 * {@link QueueService} and {@link Subscription} are implemented by the platform and are safe for
 * concurrent use. {@link DeliveryHandler} is implemented by applications and is invoked concurrently
 * (but never concurrently for one key). All records are immutable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.dsync.queue;
