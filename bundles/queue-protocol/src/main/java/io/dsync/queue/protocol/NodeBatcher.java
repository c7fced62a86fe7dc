package io.dsync.queue.protocol;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.dsync.messaging.Messaging;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;

/**
 * Group commit of the calls to one queue node: a call goes out at once while fewer than {@value #MAX_IN_FLIGHT}
 * requests to the node are in flight; otherwise it waits, and the next request carries every call that waited (up to
 * {@value #MAX_OPS}). One caller pays one round trip; many callers share them. A request that fails (the node does not
 * answer, or answers something else than a batch reply) fails each of its calls with {@link NodeUnreachable}: their
 * outcome is unknown, and the router retries them with their call ids. Thread-safe.
 */
final class NodeBatcher {

    /** Requests to one node at a time. */
    static final int MAX_IN_FLIGHT = 2;
    /** Calls in one request. */
    static final int MAX_OPS = 256;
    /**
     * Payload bytes in one request, beyond which the calls that wait go in the next one (a single call may be larger:
     * it goes alone). Keeps requests well under the messaging limit, even as JSON, whose base64 grows them by a third.
     */
    static final long MAX_PAYLOAD_BYTES = 8L << 20;

    /** A node that did not answer a batch: the calls' outcome is unknown. */
    static final class NodeUnreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NodeUnreachable(String message) {
            super(message, null, false, false);
        }
    }

    /** A call that waited for a node that then did not answer another request: never sent, so free to retry. */
    static final class NotSent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotSent(String message) {
            super(message, null, false, false);
        }
    }

    private record Pending(Op op, CompletableFuture<OpReply> reply) {
    }

    private final InetSocketAddress node;
    private final Messaging messaging;
    private final WireFormats formats;
    private final Duration timeout;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private int inFlight;

    NodeBatcher(InetSocketAddress node, Messaging messaging, WireFormats formats, Duration timeout) {
        this.node = node;
        this.messaging = messaging;
        this.formats = formats;
        this.timeout = timeout;
    }

    CompletableFuture<OpReply> submit(Op op) {
        CompletableFuture<OpReply> reply = new CompletableFuture<>();
        List<Pending> batch;
        synchronized (this) {
            waiting.add(new Pending(op, reply));
            batch = next();
        }
        if (batch != null) {
            send(batch);
        }
        return reply;
    }

    /** The calls to send now, if a request may go out; under the monitor. */
    private List<Pending> next() {
        if (inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
            return null;
        }
        inFlight++;
        List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), MAX_OPS));
        long bytes = 0;
        while (!waiting.isEmpty() && batch.size() < MAX_OPS
                && (batch.isEmpty() || bytes + payloadBytes(waiting.peek().op()) <= MAX_PAYLOAD_BYTES)) {
            Pending next = waiting.poll();
            bytes += payloadBytes(next.op());
            batch.add(next);
        }
        return batch;
    }

    private static long payloadBytes(Op op) {
        long n = 0;
        if (op.send() != null) {
            for (QueueWire.OutMessage m : op.send().messages()) {
                n += m.payload() == null ? 0 : m.payload().length;
            }
        }
        return n;
    }

    private void send(List<Pending> batch) {
        BatchRequest request = new BatchRequest(batch.stream().map(Pending::op).toList());
        WireFormats.Call<BatchReply> call;
        try {
            call = new WireFormats.Call<>(QueueWire.TOPIC_BATCH_BINARY, QueueWireCodec.encode(request),
                    QueueWireCodec::decodeBatchReply, QueueWire.TOPIC_BATCH, () -> QueueRouter.json(request),
                    answer -> QueueRouter.fromJson(answer, BatchReply.class));
        } catch (RuntimeException e) {
            done(batch, null, new IllegalArgumentException("cannot encode a queue call: " + e, e));
            return;
        }
        formats.request(messaging, node, call, timeout).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                done(batch, null, cause instanceof IllegalArgumentException tooLarge
                        ? new InvalidQueueRequestException("messages", "the messages of one call to one partition are "
                                + "too large to send together (" + tooLarge.getMessage() + "); send them in smaller calls")
                        : new NodeUnreachable(cause instanceof WireFormats.UnreadableAnswer ? cause.getMessage()
                                : "queue node " + node + " did not take a batch: " + cause.getMessage()));
                return;
            }
            if (reply.replies() == null || reply.replies().size() != batch.size()) {
                done(batch, null, new NodeUnreachable("queue node " + node + " answered a batch of " + batch.size()
                        + " calls with " + (reply.replies() == null ? 0 : reply.replies().size()) + " answers"));
                return;
            }
            done(batch, reply.replies(), null);
        });
    }

    private void done(List<Pending> batch, List<OpReply> replies, RuntimeException failure) {
        for (int i = 0; i < batch.size(); i++) {
            if (failure != null) {
                batch.get(i).reply().completeExceptionally(failure);
            } else {
                batch.get(i).reply().complete(replies.get(i));
            }
        }
        List<Pending> more;
        List<Pending> unsent = List.of();
        synchronized (this) {
            inFlight--;
            if (failure instanceof NodeUnreachable) {
                // The node did not answer: the calls that waited for it go back to the router, which reads the ring
                // again, instead of going to a node that is probably gone or cut off.
                unsent = new ArrayList<>(waiting);
                waiting.clear();
            }
            more = next();
        }
        NotSent notSent = unsent.isEmpty() ? null
                : new NotSent("queue node " + node + " did not answer an earlier request: " + failure.getMessage());
        unsent.forEach(p -> p.reply().completeExceptionally(notSent));
        if (more != null) {
            send(more);
        }
    }
}
