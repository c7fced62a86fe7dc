package io.dsync.queue.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.queue.Delivery;
import io.dsync.queue.DeliveryHandler;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.Message;
import io.dsync.queue.MessageId;
import io.dsync.queue.MessageTooLargeException;
import io.dsync.queue.NackAction;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.QueueService;
import io.dsync.queue.QueueUnavailableException;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.protocol.Partitioner;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import io.dsync.redis.RedisErrors;
import io.dsync.ring.Placement;

/**
 * {@link QueueService} over the queue nodes: sends go to the owner of the message's partition, polls to the owners of
 * the queue's partitions, settlements to the owner named by the message id, each through a {@link QueueRouter} that
 * follows the ring when it changes. Call ids (this client's id and a counter) make retried sends and acks count once.
 * Thread-safe.
 */
public final class ClientQueueService implements QueueService, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClientQueueService.class);

    /** Listens to what the service does, for metrics. */
    public interface Listener {
        default void sent(int messages) {
        }

        /** {@code messages} were sent to {@code queue}; by default counted by {@link #sent(int)}. */
        default void sent(String queue, int messages) {
            sent(messages);
        }

        default void delivered(List<Delivery> deliveries) {
        }

        default void acked() {
        }

        /** A delivery of {@code queue} was acknowledged; by default counted by {@link #acked()}. */
        default void acked(String queue) {
            acked();
        }

        default void redelivered() {
        }
    }

    /**
     * How long deliveries that no waiting poll took wait for the next poll of their queue before they go back to their
     * owner (at most a quarter of the queue's visibility timeout).
     */
    static final long KEEP_EARLY_MILLIS = 500;

    private final QueueCatalog catalog;
    private final QueueRouter router;
    private final int partitions;
    private final String clientId;
    private final Executor handlers;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicInteger rotation = new AtomicInteger();
    private final Set<PushSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    /** Deliveries of push subscriptions not settled yet, by id and attempt: settling one gives its credit back. */
    final Map<String, PushSubscription.Pushed> pushed = new ConcurrentHashMap<>();
    /**
     * Per queue, deliveries that came when no poll of this client waited for them any more (more than the waiting
     * polls wanted, or after their wait ended): the next poll takes them before it asks any owner, and those nobody
     * polls for within {@link #KEEP_EARLY_MILLIS} go back (see {@link #keepForNextPoll}). Giving them back at once
     * would make every message that races a poll be taken, given back and taken again: three Redis writes for one
     * delivery.
     */
    private final Map<String, Deque<Delivery>> early = new ConcurrentHashMap<>();
    /**
     * Queues whose last poll found nothing ready on any owner and waited: consumers are ahead of producers, so the
     * next poll waits on every owner at once instead of asking each first. An owner's answer with all it was asked
     * for, or with more than the waiting polls took, ends it.
     */
    private final Set<String> drained = ConcurrentHashMap.newKeySet();
    /** Per queue, the polls of this client that wait for messages, served by one waiting poll per owner. */
    private final Map<String, WaitingPolls> waits = new ConcurrentHashMap<>();
    private final WaitingPolls.Host waitingHost = new WaitingPolls.Host() {
        @Override
        public QueueRouter router() {
            return router;
        }

        @Override
        public String newCallId() {
            return callId();
        }

        @Override
        public List<String> owners(QueueMeta meta) {
            return ClientQueueService.this.owners(meta);
        }

        @Override
        public List<Delivery> deliveries(QueueMeta meta, PollReply reply, Instant sent) {
            return ClientQueueService.this.deliveries(meta, reply, sent);
        }

        @Override
        public void backlog(QueueMeta meta, List<Delivery> deliveries) {
            drained.remove(meta.name()); // ask the owners one by one again
            if (!deliveries.isEmpty()) {
                keepForNextPoll(meta, deliveries);
            }
        }

        @Override
        public void delivered(List<Delivery> deliveries) {
            listener.delivered(deliveries);
        }
    };
    private volatile boolean closed;
    private volatile Listener listener = new Listener() {
    };

    /**
     * @param catalog the declared queues
     * @param router calls to the partition owners
     * @param partitions the partition count of queues this client declares
     * @param clientId this client's unique id (a prefix of its call ids)
     * @param handlers where push subscriptions run their handlers
     */
    public ClientQueueService(QueueCatalog catalog, QueueRouter router, int partitions, String clientId,
                              Executor handlers) {
        if (partitions < 1 || partitions > QueueMeta.MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be between 1 and " + QueueMeta.MAX_PARTITIONS);
        }
        this.catalog = catalog;
        this.router = router;
        this.partitions = partitions;
        this.clientId = clientId;
        this.handlers = handlers;
    }

    public void setListener(Listener listener) {
        this.listener = Objects.requireNonNull(listener);
    }

    QueueRouter router() {
        return router;
    }

    Listener listener() {
        return listener;
    }

    Executor handlers() {
        return handlers;
    }

    private String callId() {
        return clientId + "/" + calls.incrementAndGet();
    }

    /** A fresh id for a call or a poll of this client. */
    String newCallId() {
        return callId();
    }

    // ------------------------------------------------------------------ declare

    @Override
    public CompletableFuture<QueueConfig> declareAsync(QueueConfig config) {
        Objects.requireNonNull(config, "config");
        return catalog.declare(config, partitions).thenApply(QueueMeta::config)
                .handle((c, e) -> unavailableOnRedis(config.name(), c, e)).toCompletableFuture();
    }

    @Override
    public QueueConfig declare(QueueConfig config) {
        return await(declareAsync(config), config.name());
    }

    /** The queue's catalog entry, or {@link QueueNotFoundException}. */
    CompletionStage<QueueMeta> meta(String queue) {
        return catalog.find(queue).handle((found, e) -> {
            checkCatalog(queue, e);
            return found.orElseThrow(() -> new QueueNotFoundException(queue));
        });
    }

    /** Redis failures under the catalog are an unavailable queue, not a bug. */
    private static <T> T unavailableOnRedis(String queue, T value, Throwable e) {
        checkCatalog(queue, e);
        return value;
    }

    // ------------------------------------------------------------------ send

    @Override
    public CompletableFuture<MessageId> sendAsync(String queue, Message message) {
        Objects.requireNonNull(message, "message");
        return sendAllAsync(queue, List.of(message)).thenApply(ids -> ids.get(0));
    }

    @Override
    public MessageId send(String queue, Message message) {
        return await(sendAsync(queue, message), queue);
    }

    @Override
    public CompletableFuture<List<MessageId>> sendAllAsync(String queue, List<Message> messages) {
        QueueConfig.requireValidName(queue);
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty() || messages.size() > MAX_BATCH_SIZE) {
            throw new InvalidQueueRequestException("messages", "a batch holds 1 to " + MAX_BATCH_SIZE
                    + " messages, had " + messages.size());
        }
        messages.forEach(m -> Objects.requireNonNull(m, "message"));
        String callId = callId();
        return meta(queue).thenCompose(meta -> {
            for (Message m : messages) {
                if (m.payloadSize() > meta.maxPayloadBytes()) {
                    throw new MessageTooLargeException(queue, m.payloadSize(), meta.maxPayloadBytes());
                }
            }
            // Messages go to their key's partition; one partition's share of the batch is stored atomically.
            Map<Integer, List<Integer>> byPartition = new LinkedHashMap<>();
            for (int i = 0; i < messages.size(); i++) {
                int p = Partitioner.partition(messages.get(i).key(), callId, meta.partitions());
                byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
            }
            MessageId[] ids = new MessageId[messages.size()];
            List<CompletableFuture<?>> parts = new ArrayList<>();
            for (Map.Entry<Integer, List<Integer>> part : byPartition.entrySet()) {
                List<OutMessage> out = new ArrayList<>();
                for (int i : part.getValue()) {
                    Message m = messages.get(i);
                    out.add(new OutMessage(m.key(), m.payload(), m.headers()));
                }
                String call = byPartition.size() == 1 ? callId : callId + "/" + part.getKey();
                parts.add(router.send(meta, part.getKey(), call, out).thenAccept(stored -> {
                    for (int j = 0; j < stored.size(); j++) {
                        ids[part.getValue().get(j)] = new MessageId(stored.get(j));
                    }
                }).toCompletableFuture());
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
                listener.sent(queue, messages.size());
                return List.of(ids);
            });
        }).whenComplete((ids, e) -> forgetIfDeleted(queue, e)).toCompletableFuture();
    }

    /** An owner answered that the queue is not declared (it was deleted): the catalog's copy goes at once. */
    private void forgetIfDeleted(String queue, Throwable error) {
        if (error != null && unwrap(error) instanceof QueueNotFoundException) {
            catalog.forget(queue);
        }
    }

    @Override
    public List<MessageId> sendAll(String queue, List<Message> messages) {
        return await(sendAllAsync(queue, messages), queue);
    }

    // ------------------------------------------------------------------ poll

    @Override
    public CompletableFuture<List<Delivery>> pollAsync(String queue, int maxMessages, Duration wait) {
        QueueConfig.requireValidName(queue);
        Objects.requireNonNull(wait, "wait");
        if (maxMessages < 1 || maxMessages > MAX_BATCH_SIZE) {
            throw new InvalidQueueRequestException("maxMessages", "maxMessages must be between 1 and "
                    + MAX_BATCH_SIZE + ", was " + maxMessages);
        }
        if (wait.isNegative() || wait.compareTo(MAX_POLL_WAIT) > 0) {
            throw new InvalidQueueRequestException("wait", "wait must be between 0 and " + MAX_POLL_WAIT.toMillis()
                    + " ms, was " + wait.toMillis() + " ms");
        }
        // The caller's future is its own: cancelling it (or giving up on it) ends the poll's wait, and what the poll
        // brings after that is given back at once instead of being lost until its visibility timeout.
        CompletableFuture<List<Delivery>> outer = new CompletableFuture<>();
        meta(queue).whenComplete((meta, error) -> {
            if (error != null) {
                outer.completeExceptionally(error);
                return;
            }
            if (outer.isDone()) {
                return; // cancelled before the queue was looked up: nothing was asked of any owner
            }
            CompletableFuture<List<Delivery>> inner = poll(meta, maxMessages, wait);
            outer.whenComplete((got, e) -> {
                if (outer.isCancelled()) {
                    inner.complete(List.of()); // what its owners bring later goes to the next poll, or back
                }
            });
            inner.whenComplete((got, e) -> {
                if (e != null) {
                    outer.completeExceptionally(e);
                } else if (!outer.complete(got)) {
                    got.forEach(d -> settle(d, Action.RELEASE, 0));
                }
            });
        });
        return outer;
    }

    /**
     * Asks the nodes that own partitions of the queue, one after the other (from a rotating first one) and without
     * waiting, for what they have ready: under load the first one answers with messages, and nothing is taken that is
     * not returned. Only when none has any does the poll wait, on all of them at once, together with the other polls of
     * this client that wait for the queue ({@link WaitingPolls}: one waiting poll per owner serves them all, in the
     * order they started); deliveries that none of them takes are kept for the next poll (or go back without counting
     * as an attempt if none comes soon). A poll takes kept deliveries first. After a poll that had to wait, the next
     * waits at once ({@link #drained}).
     */
    CompletableFuture<List<Delivery>> poll(QueueMeta meta, int max, Duration wait) {
        CompletableFuture<List<Delivery>> result = new CompletableFuture<>();
        List<Delivery> kept = takeEarly(meta.name(), max);
        if (!kept.isEmpty()) {
            listener.delivered(kept);
            result.complete(kept);
            return result;
        }
        List<String> owners = owners(meta);
        if (owners.isEmpty()) {
            result.complete(List.of());
            return result;
        }
        if (!wait.isZero() && drained.contains(meta.name())) {
            pollAll(meta, max, wait, result);
            return result;
        }
        int start = Math.floorMod(rotation.getAndIncrement(), owners.size());
        List<String> rotated = new ArrayList<>(owners.size());
        for (int i = 0; i < owners.size(); i++) {
            rotated.add(owners.get((start + i) % owners.size()));
        }
        pollEach(meta, rotated, 0, max, wait, result);
        return result;
    }

    private void pollEach(QueueMeta meta, List<String> owners, int index, int max, Duration wait,
                          CompletableFuture<List<Delivery>> result) {
        if (result.isDone()) {
            return;
        }
        if (index == owners.size()) {
            if (wait.isZero()) {
                result.complete(List.of());
            } else {
                drained.add(meta.name());
                pollAll(meta, max, wait, result);
            }
            return;
        }
        Instant sent = Instant.now();
        router.poll(owners.get(index), new PollRequest(meta.name(), null, max, 0)).thenAccept(reply -> {
            List<Delivery> deliveries = deliveries(meta, reply, sent);
            if (deliveries.isEmpty()) {
                pollEach(meta, owners, index + 1, max, wait, result);
            } else if (result.complete(deliveries)) {
                listener.delivered(deliveries);
            } else {
                keepForNextPoll(meta, deliveries);
            }
        });
    }

    /** Waits for messages on every owner at once, with the other polls of this client that wait for the queue. */
    private void pollAll(QueueMeta meta, int max, Duration wait, CompletableFuture<List<Delivery>> result) {
        if (closed) {
            result.complete(List.of());
            return;
        }
        waits.computeIfAbsent(meta.name(), q -> new WaitingPolls(waitingHost)).await(meta, max, wait, result);
    }

    /**
     * Keeps deliveries that came too late for their poll for the next poll of the queue, and gives back those still
     * there after {@link #KEEP_EARLY_MILLIS} (or a quarter of the visibility timeout, if shorter), so that a queue
     * nobody polls any more does not hold messages until their visibility timeout. Each delivery leaves the deque
     * once, by a poll or by the release, never both.
     */
    private void keepForNextPoll(QueueMeta meta, List<Delivery> deliveries) {
        if (closed) {
            deliveries.forEach(d -> settle(d, Action.RELEASE, 0));
            return;
        }
        Deque<Delivery> kept = early.computeIfAbsent(meta.name(), q -> new ConcurrentLinkedDeque<>());
        deliveries.forEach(kept::addLast);
        router.timer().schedule(() -> deliveries.forEach(d -> {
            if (kept.removeFirstOccurrence(d)) {
                settle(d, Action.RELEASE, 0);
            }
        }), Math.min(KEEP_EARLY_MILLIS, meta.visibilityTimeoutMs() / 4), TimeUnit.MILLISECONDS);
    }

    /** How many waiting polls this client has in flight to the owners of the queue. */
    int ownerPollsInFlight(String queue) {
        WaitingPolls w = waits.get(queue);
        return w == null ? 0 : w.ownerPolls();
    }

    /** How many deliveries of the queue wait for its next poll. */
    int keptForNextPoll(String queue) {
        Deque<Delivery> kept = early.get(queue);
        return kept == null ? 0 : kept.size();
    }

    /** Up to {@code max} of the deliveries kept for the next poll of the queue, oldest first. */
    private List<Delivery> takeEarly(String queue, int max) {
        Deque<Delivery> kept = early.get(queue);
        if (kept == null || kept.isEmpty()) {
            return List.of();
        }
        List<Delivery> taken = new ArrayList<>(Math.min(max, kept.size()));
        for (Delivery d; taken.size() < max && (d = kept.pollFirst()) != null; ) {
            taken.add(d);
        }
        return taken;
    }

    /** The ids of the queue nodes that own partitions of the queue. */
    List<String> owners(QueueMeta meta) {
        QueueTopology topology = router.topology(false);
        if (topology.isEmpty()) {
            return List.of();
        }
        Placement placement = topology.placement(meta.name(), meta.partitions());
        Set<String> nodes = new LinkedHashSet<>();
        for (int p = 0; p < meta.partitions(); p++) {
            nodes.add(placement.primary(p));
        }
        return new ArrayList<>(nodes);
    }

    List<Delivery> deliveries(QueueMeta meta, PollReply reply, Instant sent) {
        List<Delivery> deliveries = new ArrayList<>(reply.deliveries().size());
        for (InDelivery d : reply.deliveries()) {
            // The owner's deadline is its take time plus the visibility timeout; counted from when this poll was
            // sent, the deadline on this process's clock can only be earlier than the owner's.
            Instant visibleUntil = sent.plusMillis(meta.visibilityTimeoutMs());
            try {
                deliveries.add(new Delivery(new MessageId(d.id()), meta.name(), d.key(), d.payload(),
                        d.headers() == null ? Map.of() : d.headers(), d.attempt(), Instant.ofEpochMilli(d.enqueuedMs()),
                        visibleUntil));
            } catch (RuntimeException e) {
                // A delivery this client cannot read (a node of another version, say) must not stop the poll's
                // bookkeeping: its caller, waiting polls or subscription credits would wait for good.
                LOG.warn("Queue {}: a delivery of message {} could not be read and is skipped; it is delivered again "
                        + "after its visibility timeout ({})", meta.name(), d.id(), e.toString());
                continue;
            }
            if (d.attempt() > 1) {
                listener.redelivered();
            }
        }
        return deliveries;
    }

    @Override
    public List<Delivery> poll(String queue, int maxMessages, Duration wait) throws InterruptedException {
        CompletableFuture<List<Delivery>> f = pollAsync(queue, maxMessages, wait);
        try {
            return f.get(wait.plus(router.timeout()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            f.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause(), queue);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new QueueUnavailableException(queue, "no queue node answered the poll within " + wait, null);
        }
    }

    // ------------------------------------------------------------------ settle

    CompletableFuture<SettleReply> settle(Delivery delivery, Action action, long millis) {
        String call = callId();
        String key = delivery.id().value() + "#" + delivery.deliveryCount();
        PushSubscription.Pushed found = pushed.get(key);
        PushSubscription.Pushed p = found != null && found.delivery == delivery ? found : null;
        if (p != null && action != Action.EXTEND) {
            p.settling();
        }
        return meta(delivery.queue()).thenCompose(meta -> router.settle(meta, new SettleRequest(delivery.queue(), call,
                delivery.id().value(), delivery.deliveryCount(), action, millis))).whenComplete((r, e) -> {
                    forgetIfDeleted(delivery.queue(), e);
                    if (p == null) {
                        return;
                    }
                    if (e == null && action == Action.EXTEND) {
                        // Still the subscription's: its credit is held until it is settled or its new deadline.
                        p.extended(r.visibleUntilMs() - r.nowMs());
                    } else if ((e == null || !(unwrap(e) instanceof QueueUnavailableException)) && pushed.remove(key, p)) {
                        p.settled();
                    }
                }).toCompletableFuture();
    }

    /**
     * Gives a delivery back without counting it as an attempt (a peek, or a poll whose caller went away): the message
     * is visible again at once. Not part of {@link QueueService}.
     */
    public void release(Delivery delivery) {
        await(settle(delivery, Action.RELEASE, 0), delivery.queue());
    }

    @Override
    public CompletableFuture<Void> ackAsync(Delivery delivery) {
        Objects.requireNonNull(delivery, "delivery");
        return settle(delivery, Action.ACK, 0).thenRun(() -> listener.acked(delivery.queue()));
    }

    @Override
    public void ack(Delivery delivery) {
        await(ackAsync(delivery), delivery.queue());
    }

    @Override
    public CompletableFuture<Void> nackAsync(Delivery delivery, NackAction action, Duration delay) {
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.compareTo(QueueConfig.MAX_VISIBILITY_TIMEOUT) > 0) {
            throw new InvalidQueueRequestException("delay", "delay must be between PT0S and "
                    + QueueConfig.MAX_VISIBILITY_TIMEOUT + ", was " + delay);
        }
        if (action == NackAction.DEAD_LETTER && !delay.isZero()) {
            throw new InvalidQueueRequestException("delay", "a dead-lettering nack takes no delay, was " + delay);
        }
        return settle(delivery, action == NackAction.REQUEUE ? Action.REQUEUE : Action.DEAD_LETTER, delay.toMillis())
                .thenApply(r -> null);
    }

    @Override
    public void nack(Delivery delivery, NackAction action, Duration delay) {
        await(nackAsync(delivery, action, delay), delivery.queue());
    }

    @Override
    public CompletableFuture<Instant> extendVisibilityAsync(Delivery delivery, Duration extension) {
        Objects.requireNonNull(delivery, "delivery");
        QueueConfig.requireVisibilityTimeout("extension", extension);
        Instant sent = Instant.now();
        return settle(delivery, Action.EXTEND, extension.toMillis()).thenApply(r -> sent.plus(extension));
    }

    @Override
    public Instant extendVisibility(Delivery delivery, Duration extension) {
        return await(extendVisibilityAsync(delivery, extension), delivery.queue());
    }

    // ------------------------------------------------------------------ subscribe

    @Override
    public CompletableFuture<Subscription> subscribeAsync(String queue, SubscriptionOptions options,
                                                          DeliveryHandler handler) {
        QueueConfig.requireValidName(queue);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        return meta(queue).thenApply(meta -> {
            PushSubscription s = new PushSubscription(this, meta, options, handler);
            subscriptions.add(s);
            s.whenTerminated().whenComplete((v, e) -> subscriptions.remove(s));
            s.start();
            return (Subscription) s;
        }).toCompletableFuture();
    }

    @Override
    public Subscription subscribe(String queue, SubscriptionOptions options, DeliveryHandler handler) {
        return await(subscribeAsync(queue, options, handler), queue);
    }

    /** Ends every subscription and the router's threads. */
    @Override
    public void close() {
        closed = true;
        List.copyOf(subscriptions).forEach(PushSubscription::close);
        waits.values().forEach(WaitingPolls::close);
        early.values().forEach(kept -> {
            for (Delivery d; (d = kept.pollFirst()) != null; ) {
                settle(d, Action.RELEASE, 0);
            }
        });
        router.close();
    }

    // ------------------------------------------------------------------ blocking helpers

    private <T> T await(CompletableFuture<T> f, String queue) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + router.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        try {
            while (true) {
                try {
                    return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause(), queue);
                } catch (TimeoutException e) {
                    throw new QueueUnavailableException(queue, "no answer within " + router.timeout()
                            + "; the outcome is unknown", null);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The cause under completion and execution wrappers. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static RuntimeException rethrow(Throwable t, String queue) {
        Throwable cause = unwrap(t);
        if (cause instanceof RuntimeException r) {
            return r;
        }
        return new QueueUnavailableException(queue, cause.toString(), cause);
    }

    /** Maps a Redis failure under the catalog to {@link QueueUnavailableException}; rethrows the rest. */
    private static void checkCatalog(String queue, Throwable e) {
        if (e == null) {
            return;
        }
        Throwable cause = unwrap(e);
        if (cause instanceof RuntimeException r && !(cause instanceof org.redisson.client.RedisException)) {
            throw r;
        }
        throw new QueueUnavailableException(queue, "the queue catalog in Redis cannot be read: "
                + RedisErrors.describe(cause), cause);
    }

    /** A unique client id for a node: the node id and a random suffix (a restarted node is a new client). */
    public static String newClientId(String nodeId) {
        return nodeId + "/" + UUID.randomUUID().toString().substring(0, 8);
    }
}
