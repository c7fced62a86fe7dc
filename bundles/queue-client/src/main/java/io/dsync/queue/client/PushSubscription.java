package io.dsync.queue.client;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.queue.AckMode;
import io.dsync.queue.Delivery;
import io.dsync.queue.DeliveryHandler;
import io.dsync.queue.NackAction;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.PollRequest;

/**
 * A push subscription: one long-poll at a time to each node that owns partitions of the queue, each asking for a
 * share of the subscription's free credits ({@link SubscriptionOptions#maxInFlight()}), and each delivery handed to
 * the handler on the service's handler threads. A credit comes back when its delivery is settled (or its visibility
 * deadline passes unsettled), so a slow handler slows delivery down and nothing piles up in memory; a node with
 * nothing to deliver holds only its share. The nodes are read again from the ring every second. No thread of its own:
 * it runs on the answers of its polls, the settlements and the router's timer.
 * <p>
 * With fewer credits than nodes ({@code maxInFlight} 1 and 3 owners, say), the nodes take turns: each pass starts with
 * the node after the last one asked, and polls wait {@link #SCARCE_POLL_WAIT} only, so a node with nothing keeps the
 * credit from the others for that long at most (until 2026-12-07 the first nodes of the list kept it for good, and the
 * messages of the others were never delivered to the subscription).
 * <p>
 * While the handlers hold deliveries, a node is asked again only once half its share of the credits is free (a
 * share: {@code maxInFlight} divided among the owners), not at the first credit back: under load the handlers
 * return credits one by one, and polls asking for one or two messages each cost a request and an answer per
 * message (8.7 deliveries per poll in batches of 50, against 86 for a poll of up to 100; see docs/benchmarks.md).
 * With no delivery held, any free credit is asked for at once, so an idle subscription waits for nothing.
 */
final class PushSubscription implements Subscription {

    private static final Logger LOG = LoggerFactory.getLogger(PushSubscription.class);
    /** How long one long-poll of a node waits before it is renewed. */
    static final Duration POLL_WAIT = Duration.ofSeconds(5);
    /** How long one long-poll waits when the subscription has fewer credits than nodes: the nodes take turns. */
    static final Duration SCARCE_POLL_WAIT = Duration.ofMillis(500);
    /** A poll that came back empty at once (the node answers nothing, or is gone) is asked again after this. */
    static final long EMPTY_PAUSE_MILLIS = 200;

    private final ClientQueueService service;
    private final QueueMeta meta;
    private final SubscriptionOptions options;
    private final DeliveryHandler handler;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** Handler invocations submitted and not finished: the subscription has terminated when none is left. */
    private final AtomicInteger running = new AtomicInteger();

    // Guarded by this.
    private int credits;
    /** Credits asked for by the polls in flight. */
    private int reserved;
    /** Node URL to the id of its poll in flight. */
    private final Map<String, String> polling = new HashMap<>();
    /** Nodes not to ask before their pause is over. */
    private final Set<String> resting = new HashSet<>();
    private boolean active = true;
    /** Why it stopped, when not closed: the queue was deleted. */
    private volatile Throwable failure;
    private ScheduledFuture<?> refresh;
    /** Where the next pass starts in the list of owners: after the last node asked. */
    private int nextOwner;

    PushSubscription(ClientQueueService service, QueueMeta meta, SubscriptionOptions options, DeliveryHandler handler) {
        this.service = service;
        this.meta = meta;
        this.options = options;
        this.handler = handler;
        this.credits = options.maxInFlight();
    }

    void start() {
        refresh = service.router().timer().scheduleWithFixedDelay(() -> {
            checkDeclared();
            pump();
        }, 0, 1, TimeUnit.SECONDS);
    }

    /**
     * Ends the subscription with {@link QueueNotFoundException} once the queue is found deleted (the catalog's copy is
     * read again every few seconds), or deleted and declared again: a new queue of the same name.
     */
    private void checkDeclared() {
        service.meta(meta.name()).whenComplete((found, e) -> {
            Throwable cause = e == null ? null : ClientQueueService.unwrap(e);
            if (cause instanceof QueueNotFoundException || (found != null && found.incarnation() != meta.incarnation())) {
                LOG.info("Subscription to {}: the queue was deleted; the subscription ends", meta.name());
                stop(new QueueNotFoundException(meta.name()));
            }
        });
    }

    /** Starts a poll on every owner that has none, while credits last. */
    private void pump() {
        List<String> owners;
        try {
            owners = service.owners(meta);
        } catch (RuntimeException e) {
            LOG.debug("Subscription to {}: cannot read the queue nodes: {}", meta.name(), e.toString());
            return;
        }
        if (owners.isEmpty()) {
            return;
        }
        int share = Math.max(1, (options.maxInFlight() + owners.size() - 1) / owners.size());
        int least = Math.max(1, share / 2);
        long waitMillis = (options.maxInFlight() < owners.size() ? SCARCE_POLL_WAIT : POLL_WAIT).toMillis();
        int start;
        synchronized (this) {
            start = Math.floorMod(nextOwner, owners.size());
        }
        for (int k = 0; k < owners.size(); k++) {
            int index = (start + k) % owners.size();
            String node = owners.get(index);
            int want;
            String pollId;
            synchronized (this) {
                boolean held = options.maxInFlight() - credits - reserved > 0;
                if (!active || credits == 0 || (held && credits < least)) {
                    return;
                }
                if (polling.containsKey(node) || resting.contains(node)) {
                    continue;
                }
                want = Math.min(share, credits);
                credits -= want;
                reserved += want;
                pollId = service.newCallId();
                polling.put(node, pollId);
                nextOwner = index + 1;
            }
            poll(node, pollId, want, waitMillis);
        }
    }

    private void poll(String node, String pollId, int want, long waitMillis) {
        Instant sent = Instant.now();
        long started = System.nanoTime();
        service.router().poll(node, new PollRequest(meta.name(), pollId, want, waitMillis)).thenAccept(reply -> {
            List<Delivery> got = service.deliveries(meta, reply, sent);
            boolean stillActive;
            synchronized (this) {
                polling.remove(node);
                reserved -= want;
                credits += want - got.size();
                stillActive = active;
                if (got.isEmpty() && System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(100)) {
                    // Nothing at once (a node that answers nothing, or is gone): ask it again a little later.
                    resting.add(node);
                    service.router().timer().schedule(() -> {
                        synchronized (this) {
                            resting.remove(node);
                        }
                        pump();
                    }, EMPTY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
            if (!got.isEmpty()) {
                service.listener().delivered(got);
            }
            for (Delivery d : got) {
                if (stillActive) {
                    dispatch(d);
                } else {
                    service.settle(d, Action.RELEASE, 0);
                }
            }
            pump();
        });
    }

    /**
     * A delivery of this subscription not settled yet, and the timer that frees its credit at its deadline. Registered
     * in the service by {@code id#attempt}; a settle call acts on it only if it names this very delivery (a message
     * released and delivered again has the same attempt number).
     */
    final class Pushed {
        final Delivery delivery;
        private final String key;
        private volatile ScheduledFuture<?> expiry;
        /** An ack, nack or release of it was asked for (by the handler): AUTO leaves it alone. */
        private volatile boolean settling;

        Pushed(Delivery delivery, String key) {
            this.delivery = delivery;
            this.key = key;
        }

        /** A settle call other than an extension was made for it. */
        void settling() {
            settling = true;
        }

        /** The delivery was settled: its credit is free again. */
        void settled() {
            ScheduledFuture<?> e = expiry;
            if (e != null) {
                e.cancel(false);
            }
            PushSubscription.this.settled();
        }

        /** Its visibility was extended: the credit is freed at the new deadline instead (if it is still held then). */
        void extended(long millisLeft) {
            ScheduledFuture<?> e = expiry;
            if (e != null) {
                e.cancel(false);
            }
            expireIn(millisLeft);
        }

        private void expireIn(long millis) {
            expiry = service.router().timer().schedule(() -> {
                if (service.pushed.remove(key, this)) {
                    PushSubscription.this.settled();
                }
            }, Math.max(0, millis), TimeUnit.MILLISECONDS);
        }
    }

    private void dispatch(Delivery d) {
        String key = d.id().value() + "#" + d.deliveryCount();
        Pushed pushed = new Pushed(d, key);
        Pushed earlier = service.pushed.put(key, pushed);
        if (earlier != null) {
            earlier.settled(); // the message was released (its answer lost) and delivered again: that delivery is over
        }
        // A delivery never settled (a manual handler that forgot it) gives its credit back when it becomes visible
        // again, so the subscription cannot stall.
        pushed.expireIn(d.visibleUntil().toEpochMilli() - System.currentTimeMillis());
        running.incrementAndGet();
        service.handlers().execute(() -> {
            try {
                if (!isActive()) {
                    // Closed before the handler started: the delivery goes back without counting as an attempt.
                    if (service.pushed.remove(key, pushed)) {
                        pushed.settled();
                    }
                    service.settle(d, Action.RELEASE, 0);
                    return;
                }
                handler.onDelivery(d);
                // Acked unless the handler settled it (an extension does not count; nor does the deadline passing:
                // the ack still succeeds if the message was not delivered again meanwhile).
                if (options.ackMode() == AckMode.AUTO && !pushed.settling) {
                    service.ackAsync(d);
                }
            } catch (Exception | Error e) {
                LOG.debug("Queue {}: handler failed on {} ({}); requeued in {}", meta.name(), d.id(), e.toString(),
                        options.retryDelay());
                if (!pushed.settling) {
                    service.nackAsync(d, NackAction.REQUEUE, options.retryDelay());
                }
            } finally {
                handlerDone();
            }
        });
    }

    private void handlerDone() {
        if (running.decrementAndGet() == 0 && !isActive()) {
            terminate();
        }
    }

    private void terminate() {
        Throwable cause = failure;
        if (cause == null) {
            terminated.complete(null);
        } else {
            terminated.completeExceptionally(cause);
        }
    }

    /** One of this subscription's deliveries was settled, or its deadline passed: its credit is free again. */
    private void settled() {
        synchronized (this) {
            credits++;
        }
        pump();
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
    public synchronized boolean isActive() {
        return active;
    }

    @Override
    public CompletionStage<Void> whenTerminated() {
        return terminated;
    }

    @Override
    public void close() {
        stop(null);
    }

    /** Stops polling; terminates (with {@code cause}, if not null) once no handler runs. */
    private void stop(Throwable cause) {
        Map<String, String> open;
        synchronized (this) {
            if (!active) {
                return;
            }
            active = false;
            failure = cause;
            open = Map.copyOf(polling);
            if (refresh != null) {
                refresh.cancel(false);
            }
        }
        open.forEach((node, pollId) -> service.router().cancel(node, pollId));
        if (running.get() == 0) {
            terminate();
        }
    }
}
