package io.dsync.queue.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.MessageId;
import io.dsync.queue.MessageTooLargeException;
import io.dsync.queue.QueueException;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.QueueUnavailableException;
import io.dsync.queue.StaleDeliveryException;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import io.dsync.metrics.OutageClock;
import io.dsync.registry.NodeInfo;

/**
 * Calls partition owners over node messaging, following the ring: each call goes to the partition's primary in the
 * current {@link QueueTopology}, gathered with the other calls waiting for that node into one request
 * ({@link NodeBatcher}); a node that answers {@code not-owner}, cannot be reached or answers {@code unavailable} makes
 * the router read the registry again and retry the same call (same call id, so the owner deduplicates it) with a
 * growing pause, until the operation timeout, after which the call fails with {@link QueueUnavailableException}
 * (outcome unknown). Other refusals map to the queue API's exceptions at once. Thread-safe.
 */
public final class QueueRouter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The registry is read again at most this often when nothing failed. */
    private static final long TOPOLOGY_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A call waiting this long for an owner that the ring no longer names is sent to the new one too. */
    static final long HEDGE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How often waiting calls are looked at for that. */
    private static final long HEDGE_CHECK_MS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(QueueRouter.class);

    private final Supplier<List<NodeInfo>> registry;
    private final Duration timeout;
    private final Messaging messaging;
    private final ExecutorService statusCalls;
    private final ScheduledExecutorService timer;
    private final Map<InetSocketAddress, NodeBatcher> batchers = new ConcurrentHashMap<>();
    private final WireFormats formats = new WireFormats();
    private volatile QueueTopology topology = QueueTopology.empty();
    private volatile long readAt;
    private volatile LongConsumer onRecovery = nanos -> { };
    /**
     * Per partition ("queue/partition"): owner calls that found no owner to answer (and were retried, sent again
     * elsewhere or failed), until the next that got an answer.
     */
    private final Map<String, OutageClock> outages = new ConcurrentHashMap<>();
    /** Sends and settles waiting for an answer or for their next try. */
    private final Set<Routed<?>> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * @param registry the cluster's nodes
     * @param messaging this node's messaging (the router does not close it)
     * @param timeout how long a call is tried, across owner changes, before it fails as unavailable
     */
    public QueueRouter(Supplier<List<NodeInfo>> registry, Messaging messaging, Duration timeout) {
        this.registry = registry;
        this.messaging = messaging;
        this.timeout = timeout;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dsync-queue-router");
            t.setDaemon(true);
            return t;
        });
        // Tasks cancelled early (a credit's return, once its delivery is settled) leave the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        this.timer = timer;
        timer.scheduleWithFixedDelay(this::hedge, HEDGE_CHECK_MS, HEDGE_CHECK_MS, TimeUnit.MILLISECONDS);
        // Status only (admin API, rarely); owner calls go over messaging. Plain blocking calls on threads of the
        // router's own, which close() ends: a java.net.http client keeps a selector thread (and with it the class
        // loader of the bundle that made it) until the garbage collector finds the client, long after a bundle update.
        // Numbered: the threads of one revision have names of their own, so a name seen twice is a thread of a
        // revision that was stopped (what the hot-swap tests look for), not a busy pool.
        AtomicInteger statusThreads = new AtomicInteger();
        this.statusCalls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dsync-queue-status-" + statusThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Sets what is told, after an outage of a partition's owner, how long it lasted: from the start of the earliest
     * attempt of a send or settle on that partition that found no owner to answer (a node that could not be reached,
     * was not the owner any more, was not ready, or kept the call until the ring named another owner) to the next
     * attempt on that partition that got an answer. This is the partition recovery time as this node's queue client
     * saw it (an owner's failure until its successor served, a cut until it healed). Until 2026-12-07 one clock
     * served every partition, so an answer from another partition ended an outage early and a call that failed late
     * started a new one at its own start.
     *
     * @param onRecovery receives the outage in nanoseconds; must be fast and not throw
     */
    public void onRecovery(LongConsumer onRecovery) {
        this.onRecovery = java.util.Objects.requireNonNull(onRecovery, "onRecovery");
    }

    /**
     * The router's timer thread, for the short tasks of its users (a poll's deadline, a credit's return): never the
     * common pool, whose default on a 2-core machine is a new thread per task.
     */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** The queue nodes, read from the registry at most once a second (or at once with {@code fresh}). */
    public QueueTopology topology(boolean fresh) {
        if (fresh || System.nanoTime() - readAt > TOPOLOGY_MAX_AGE_NANOS || topology.isEmpty()) {
            try {
                topology = QueueTopology.of(registry.get());
                readAt = System.nanoTime();
            } catch (RuntimeException e) {
                // Keep the last known topology; the call fails or retries on its own.
            }
        }
        return topology;
    }

    /** Stores messages in one partition (atomically), retrying across owner changes. */
    public CompletionStage<List<String>> send(QueueMeta meta, int partition, String callId, List<OutMessage> messages) {
        SendRequest request = new SendRequest(meta.name(), partition, callId, messages);
        return routed(meta, partition, new Op(request, null), OpReply::ids);
    }

    /** Acts on a delivery at its partition's owner, retrying across owner changes. */
    public CompletionStage<SettleReply> settle(QueueMeta meta, SettleRequest request) {
        int partition = MessageIds.parse(new MessageId(request.id()), meta.partitions()).partition();
        return routed(meta, partition, new Op(null, request), OpReply::settled);
    }

    /** One poll of one queue node, no retry: a failure (or a node gone from the ring) answers no delivery. */
    public CompletionStage<PollReply> poll(String node, PollRequest request) {
        WireFormats.Call<PollReply> call;
        try {
            call = new WireFormats.Call<>(QueueWire.TOPIC_POLL_BINARY, QueueWireCodec.encode(request),
                    QueueWireCodec::decodePollReply, QueueWire.TOPIC_POLL, () -> json(request),
                    answer -> fromJson(answer, PollReply.class));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call(node, call, request, Duration.ofMillis(request.waitMs()).plus(timeout))
                .exceptionally(e -> new PollReply(List.of(), System.currentTimeMillis()));
    }

    /**
     * What a queue node owns, with ages and rates (a node of an earlier version leaves them out); fails if it does not
     * answer.
     */
    public CompletionStage<QueueWire.NodeStatus> status(String url) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                HttpURLConnection c = null;
                try {
                    c = (HttpURLConnection) URI.create(url + QueueWire.NODE_PATH + "/status?detail=true").toURL().openConnection();
                    c.setConnectTimeout(2000);
                    c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                    if (c.getResponseCode() != 200) {
                        throw new IllegalStateException(url + " answered HTTP " + c.getResponseCode());
                    }
                    try (InputStream in = c.getInputStream()) {
                        return JSON.readValue(in, QueueWire.NodeStatus.class);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(url + " did not answer with its status: " + e);
                } finally {
                    if (c != null) {
                        c.disconnect();
                    }
                }
            }, statusCalls);
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the queue router is closed"));
        }
    }

    /** Ends a waiting poll on a queue node; best effort. */
    public void cancel(String node, String pollId) {
        QueueWire.CancelRequest request = new QueueWire.CancelRequest(pollId);
        call(node, new WireFormats.Call<Void>(null, null, null, QueueWire.TOPIC_CANCEL, () -> json(request), answer -> null),
                request, timeout);
    }

    private <T> CompletionStage<T> routed(QueueMeta meta, int partition, Op op, Function<OpReply, T> value) {
        Routed<T> call = new Routed<>(meta, partition, op, value, System.nanoTime() + timeout.toNanos());
        inFlight.add(call);
        call.result.whenComplete((v, e) -> inFlight.remove(call));
        attempt(call, 0, false);
        return call.result;
    }

    /**
     * One try of a routed call at the partition's primary in the current topology. Each try supersedes the ones
     * before it: a superseded try that succeeds still completes the call (its owner stored it before losing the
     * partition: its successor's dedup records answer the same), and its failures are ignored.
     */
    private <T> void attempt(Routed<T> c, int tries, boolean fresh) {
        if (c.result.isDone()) {
            return;
        }
        long started = System.nanoTime();
        QueueTopology t = topology(fresh);
        String owner = t.primary(c.meta.name(), c.meta.partitions(), c.partition);
        int generation = c.tryAt(owner, started);
        CompletionStage<OpReply> call = owner == null
                ? CompletableFuture.failedFuture(new Retry("no queue node is registered"))
                : batchers.computeIfAbsent(t.messaging(owner), node -> new NodeBatcher(node, messaging, formats, timeout))
                        .submit(c.op);
        call.whenComplete((reply, error) -> {
            Throwable cause = error == null ? null : unwrap(error);
            if (cause == null && reply.status() == 200) {
                c.outages().succeeded();
                c.result.complete(c.value.apply(reply));
                return;
            }
            if (!c.answered(generation)) {
                return; // a later try at another owner took over (hedged) or the call is done
            }
            // Whether the call may have taken effect: a node that took it and did not answer, or answered that its
            // write failed; not an owner that refused it, nor a call that never left this process.
            boolean mayHaveTakenEffect = cause == null ? !QueueWire.NOT_OWNER.equals(reply.error())
                    : cause instanceof NodeBatcher.NodeUnreachable;
            if (cause == null) {
                cause = refusal(reply.status(), reply.error(), reply.message(), c.op.send() != null ? c.op.send() : c.op.settle());
            } else if (cause instanceof NodeBatcher.NodeUnreachable || cause instanceof NodeBatcher.NotSent) {
                cause = new Retry(cause.getMessage());
            }
            if (cause instanceof Retry && mayHaveTakenEffect && !c.repeatable()) {
                c.outages().failed(started);
                c.result.completeExceptionally(new QueueUnavailableException(c.meta.name(), "the release of message "
                        + c.op.settle().id() + " may not have taken effect (" + cause.getMessage() + "); if not, the "
                        + "message is visible again once its visibility timeout ends", null));
                return;
            }
            if (!(cause instanceof Retry)) {
                // An answer (a refusal such as an unknown queue or a stale delivery): the owner is there.
                c.outages().succeeded();
                c.result.completeExceptionally(cause);
                return;
            }
            c.outages().failed(started);
            long pause = Math.min(500, 25L << Math.min(tries, 5));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > c.deadline) {
                c.result.completeExceptionally(new QueueUnavailableException(c.meta.name(), "partition " + c.partition
                        + " of queue '" + c.meta.name() + "' could not be reached within " + timeout.toMillis() + " ms ("
                        + String.valueOf(cause.getMessage()).replace("; the outcome is unknown", "")
                        + "); the outcome is unknown", null));
                return;
            }
            try {
                timer.schedule(() -> attempt(c, tries + 1, true), pause, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                c.result.completeExceptionally(closedBeforeAnswer(c));
            }
        });
    }

    private static QueueUnavailableException closedBeforeAnswer(Routed<?> c) {
        return new QueueUnavailableException(c.meta.name(), "the queue client closed before partition " + c.partition
                + " of queue '" + c.meta.name() + "' answered; the outcome is unknown", null);
    }

    /**
     * Sends again, at its partition's new primary, every repeatable call that has waited {@link #HEDGE_AFTER_NANOS}
     * or more for an owner the ring no longer names: an owner cut off from Redis (or slowed down) can hold a call
     * until its own Redis client gives up, seconds after its successor took the partition over. Safe for the calls it
     * sends again: the same call id, and the successor's claim fences whatever the old owner writes afterwards.
     */
    private void hedge() {
        long now = System.nanoTime();
        QueueTopology t = null;
        for (Routed<?> c : inFlight) {
            String owner = c.owner;
            long since = c.since;
            if (owner == null || now - since < HEDGE_AFTER_NANOS || now >= c.deadline || !c.repeatable()
                    || c.result.isDone()) {
                continue;
            }
            if (t == null) {
                // Once per look, only while a call waits that long, and at most every HEDGE_AFTER: when Redis is slow,
                // every call waits, and the registry read runs on this timer thread.
                t = topology(System.nanoTime() - readAt > HEDGE_AFTER_NANOS);
            }
            String primary = t.primary(c.meta.name(), c.meta.partitions(), c.partition);
            if (primary != null && !primary.equals(owner)) {
                LOG.debug("Queue '{}' partition {}: a call waited {} ms for {}; sent again to {}", c.meta.name(),
                        c.partition, TimeUnit.NANOSECONDS.toMillis(now - since), owner, primary);
                c.outages().failed(since);
                try {
                    attempt(c, 0, false);
                } catch (RuntimeException e) { // never out of the periodic task: that would end it
                    LOG.debug("Queue '{}' partition {}: could not send a call again: {}", c.meta.name(), c.partition,
                            e.toString());
                }
            }
        }
    }

    /** The outage clock of one partition. */
    private OutageClock outages(String queue, int partition) {
        return outages.computeIfAbsent(queue + "/" + partition,
                k -> new OutageClock(nanos -> onRecovery.accept(nanos)));
    }

    /** A send or settle on its way to its partition's owner, across owner changes. */
    private final class Routed<T> {
        final QueueMeta meta;
        final int partition;
        final Op op;
        final Function<OpReply, T> value;
        final long deadline;
        final CompletableFuture<T> result = new CompletableFuture<>();
        private OutageClock clock;
        private int generation;
        /** The owner the latest try went to while it waits for its answer, else null; since when. */
        volatile String owner;
        volatile long since;

        Routed(QueueMeta meta, int partition, Op op, Function<OpReply, T> value, long deadline) {
            this.meta = meta;
            this.partition = partition;
            this.op = op;
            this.value = value;
            this.deadline = deadline;
        }

        /**
         * Whether the call may be sent again while an earlier try may have taken effect: all but releases. A release
         * gives the attempt back, so a release applied once and repeated would take back the next consumer's delivery
         * (same attempt number); one that did not take effect is undone by the delivery's deadline.
         */
        boolean repeatable() {
            return op.settle() == null || op.settle().action() != QueueWire.Action.RELEASE;
        }

        synchronized int tryAt(String node, long startedNanos) {
            since = startedNanos;
            owner = node;
            return ++generation;
        }

        /** A try's answer came: whether it is the latest (so its failure counts); no try waits any more then. */
        synchronized boolean answered(int tryGeneration) {
            if (tryGeneration != generation || result.isDone()) {
                return false;
            }
            owner = null;
            return true;
        }

        OutageClock outages() {
            OutageClock k = clock;
            if (k == null) {
                k = QueueRouter.this.outages(meta.name(), partition);
                clock = k;
            }
            return k;
        }
    }

    private <T> CompletionStage<T> call(String node, WireFormats.Call<T> call, Object request, Duration wait) {
        InetSocketAddress address = topology(false).messaging(node);
        if (address == null) {
            return CompletableFuture.failedFuture(new Retry("queue node " + node + " is not in the ring"));
        }
        return formats.request(messaging, address, call, wait).handle((answer, error) -> {
            if (error != null) {
                Throwable cause = unwrap(error);
                throw cause instanceof RemoteException r ? refusal(0, r.code(), r.getMessage(), request)
                        : new Retry(cause instanceof WireFormats.UnreadableAnswer ? cause.getMessage()
                                : "queue node " + node + " did not answer: " + cause.getMessage());
            }
            return answer;
        });
    }

    /** The JSON form of a call, for nodes of versions before the binary topics. */
    static byte[] json(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T fromJson(byte[] answer, Class<T> type) {
        try {
            return JSON.readValue(answer, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A refusal as the API's exception, or a {@link Retry} for one worth another try at the (new) owner. */
    private static RuntimeException refusal(int status, String code, String message, Object request) {
        String queue = request instanceof SendRequest s ? s.queue() : request instanceof SettleRequest s ? s.queue() : "";
        return switch (code == null ? "" : code) {
            case QueueWire.UNKNOWN_QUEUE -> new QueueNotFoundException(queue);
            case QueueWire.STALE -> request instanceof SettleRequest s
                    ? new StaleDeliveryException(queue, new MessageId(s.id()), s.attempt(), message)
                    : new QueueException(message);
            case QueueWire.TOO_LARGE -> new MessageTooLargeException(queue, -1, -1);
            case "invalid" -> new InvalidQueueRequestException("request", message);
            default -> new Retry(message == null ? "refused with status " + status : message);
        };
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A failure worth another try at the (possibly new) owner. */
    private static final class Retry extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retry(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        statusCalls.shutdownNow();
        // The retries that waited on the timer are gone with it, and a try that fails from now on cannot schedule
        // another: every call still open ends here, so that no caller's future waits forever.
        for (Routed<?> c : inFlight) {
            c.result.completeExceptionally(closedBeforeAnswer(c));
        }
    }

}
