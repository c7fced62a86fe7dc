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
    /** Owner calls that found no owner to answer (and were retried or failed), until the next that got an answer. */
    private final OutageClock outages = new OutageClock(nanos -> onRecovery.accept(nanos));

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
     * Sets what is told, after an outage of partition owners, how long it lasted: from the start of the earliest
     * attempt of a send or settle that found no owner to answer (a node that could not be reached, was not the owner
     * any more or was not ready) to the next attempt that got an answer. This is the partition recovery time as this
     * node's queue client saw it (an owner's failure until its successor served, a cut until it healed).
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
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(meta, partition, op, value, System.nanoTime() + timeout.toNanos(), 0, false, result);
        return result;
    }

    private <T> void attempt(QueueMeta meta, int partition, Op op, Function<OpReply, T> value, long deadline,
                             int tries, boolean fresh, CompletableFuture<T> result) {
        long started = System.nanoTime();
        QueueTopology t = topology(fresh);
        String owner = t.primary(meta.name(), meta.partitions(), partition);
        CompletionStage<OpReply> call = owner == null
                ? CompletableFuture.failedFuture(new Retry("no queue node is registered"))
                : batchers.computeIfAbsent(t.messaging(owner), node -> new NodeBatcher(node, messaging, formats, timeout))
                        .submit(op);
        call.whenComplete((reply, error) -> {
            Throwable cause = error == null ? null : unwrap(error);
            if (cause == null && reply.status() == 200) {
                outages.succeeded();
                result.complete(value.apply(reply));
                return;
            }
            // Whether the call may have taken effect: a node that took it and did not answer, or answered that its
            // write failed; not an owner that refused it, nor a call that never left this process.
            boolean mayHaveTakenEffect = cause == null ? !QueueWire.NOT_OWNER.equals(reply.error())
                    : cause instanceof NodeBatcher.NodeUnreachable;
            if (cause == null) {
                cause = refusal(reply.status(), reply.error(), reply.message(), op.send() != null ? op.send() : op.settle());
            } else if (cause instanceof NodeBatcher.NodeUnreachable || cause instanceof NodeBatcher.NotSent) {
                cause = new Retry(cause.getMessage());
            }
            if (cause instanceof Retry && mayHaveTakenEffect && op.settle() != null
                    && op.settle().action() == QueueWire.Action.RELEASE) {
                // Not sent again: a release gives the attempt back, so a release applied once and repeated would take
                // back the next consumer's delivery (same attempt number). One that did not take effect is undone by
                // the delivery's deadline.
                outages.failed(started);
                result.completeExceptionally(new QueueUnavailableException(meta.name(), "the release of message "
                        + op.settle().id() + " may not have taken effect (" + cause.getMessage() + "); if not, the "
                        + "message is visible again once its visibility timeout ends", null));
                return;
            }
            if (!(cause instanceof Retry)) {
                // An answer (a refusal such as an unknown queue or a stale delivery): the owner is there.
                outages.succeeded();
                result.completeExceptionally(cause);
                return;
            }
            outages.failed(started);
            long pause = Math.min(500, 25L << Math.min(tries, 5));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline) {
                result.completeExceptionally(new QueueUnavailableException(meta.name(), "partition " + partition
                        + " of queue '" + meta.name() + "' could not be reached within " + timeout.toMillis() + " ms ("
                        + String.valueOf(cause.getMessage()).replace("; the outcome is unknown", "")
                        + "); the outcome is unknown", null));
                return;
            }
            timer.schedule(() -> attempt(meta, partition, op, value, deadline, tries + 1, true, result),
                    pause, TimeUnit.MILLISECONDS);
        });
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
    }

}
