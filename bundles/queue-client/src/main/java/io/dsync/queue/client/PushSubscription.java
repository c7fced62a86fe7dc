package io.dsync.queue.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.queue.AckMode;
import io.dsync.queue.Delivery;
import io.dsync.queue.DeliveryHandler;
import io.dsync.queue.NackAction;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.protocol.QueueMeta;

/**
 * A push subscription: one thread long-polls the queue's owners for as many messages as the subscription has credit
 * for ({@link SubscriptionOptions#maxInFlight()}), and hands each delivery to the handler on the service's handler
 * threads. A credit comes back when its delivery is settled (or its visibility deadline passes unsettled), so a slow
 * handler slows delivery down and nothing piles up in memory.
 */
final class PushSubscription implements Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(PushSubscription.class);
    /** How long one long-poll of the owners waits before it is renewed. */
    static final Duration POLL_WAIT = Duration.ofSeconds(5);

    private final ClientQueueService service;
    private final QueueMeta meta;
    private final SubscriptionOptions options;
    private final DeliveryHandler handler;
    private final Semaphore credits;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final Thread loop;
    private volatile boolean active = true;
    private volatile boolean loopDone;
    /** Handler invocations submitted and not finished: the subscription has terminated when none is left. */
    private final java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();

    PushSubscription(ClientQueueService service, QueueMeta meta, SubscriptionOptions options, DeliveryHandler handler) {
        this.service = service;
        this.meta = meta;
        this.options = options;
        this.handler = handler;
        this.credits = new Semaphore(options.maxInFlight());
        this.loop = new Thread(this::run, "dsync-queue-subscription-" + meta.name());
        this.loop.setDaemon(true);
    }

    void start() {
        loop.start();
    }

    private void run() {
        try {
            while (active) {
                credits.acquire();
                int want = 1 + credits.drainPermits();
                long started = System.nanoTime();
                List<Delivery> got;
                try {
                    got = service.poll(meta, want, POLL_WAIT).get(POLL_WAIT.toMillis() + 15_000, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    got = List.of();
                }
                credits.release(want - got.size());
                if (!active) {
                    got.forEach(d -> service.settle(d, io.dsync.queue.protocol.QueueWire.Action.RELEASE, 0));
                    break;
                }
                for (Delivery d : got) {
                    dispatch(d);
                }
                if (got.isEmpty() && System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(100)) {
                    // Nobody to ask (no queue node, or they answer at once with nothing): do not spin.
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Subscription to queue {} stopped by a failure", meta.name(), e);
            terminated.completeExceptionally(e);
            return;
        }
        loopDone = true;
        if (running.get() == 0) {
            terminated.complete(null);
        }
    }

    private void dispatch(Delivery d) {
        String key = d.id().value() + "#" + d.deliveryCount();
        service.pushed.put(key, this);
        long untilDeadline = Math.max(0, d.visibleUntil().toEpochMilli() - System.currentTimeMillis());
        // A delivery never settled (a manual handler that forgot it) gives its credit back when it becomes visible
        // again, so the subscription cannot stall.
        CompletableFuture.delayedExecutor(untilDeadline, TimeUnit.MILLISECONDS).execute(() -> {
            if (service.pushed.remove(key, this)) {
                settled();
            }
        });
        running.incrementAndGet();
        service.handlers().execute(() -> {
            if (!active) {
                // Closed before the handler started: the delivery goes back without counting as an attempt.
                service.pushed.remove(key, this);
                service.settle(d, io.dsync.queue.protocol.QueueWire.Action.RELEASE, 0);
                handlerDone();
                return;
            }
            try {
                handler.onDelivery(d);
                if (options.ackMode() == AckMode.AUTO && service.pushed.containsKey(key)) {
                    service.ackAsync(d);
                }
            } catch (Exception | Error e) {
                LOG.debug("Queue {}: handler failed on {} ({}); requeued in {}", meta.name(), d.id(), e.toString(),
                        options.retryDelay());
                if (service.pushed.containsKey(key)) {
                    service.nackAsync(d, NackAction.REQUEUE, options.retryDelay());
                }
            } finally {
                handlerDone();
            }
        });
    }

    private void handlerDone() {
        if (running.decrementAndGet() == 0 && loopDone) {
            terminated.complete(null);
        }
    }

    /** One of this subscription's deliveries was settled: its credit is free again. */
    void settled() {
        credits.release();
    }

    @Override
    public String queue() {
        return meta.name();
    }

    @Override
    public SubscriptionOptions options() {
        return options;
    }

    @Override
    public boolean isActive() {
        return active && !terminated.isDone();
    }

    @Override
    public CompletionStage<Void> whenTerminated() {
        return terminated;
    }

    @Override
    public void close() {
        active = false;
        loop.interrupt();
    }
}
