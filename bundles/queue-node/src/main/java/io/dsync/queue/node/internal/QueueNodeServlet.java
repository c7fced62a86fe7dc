package io.dsync.queue.node.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.http.HttpCalls;
import io.dsync.http.HttpError;
import io.dsync.http.HttpJson;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.Message;
import io.dsync.queue.MessageId;
import io.dsync.queue.QueueService;
import io.dsync.queue.core.EntryId;
import io.dsync.queue.core.PartitionState;
import io.dsync.queue.node.owner.PartitionOwner;
import io.dsync.queue.node.owner.OwnerException;
import io.dsync.queue.node.owner.QueueNode;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.CancelRequest;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.NodeStatus;
import io.dsync.queue.protocol.QueueWire.PartitionStatus;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendReply;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The calls queue clients make to the owner of a partition ({@link QueueWire}):
 * <pre>
 * POST /queue/node/poll     PollRequest   -> 200 PollReply      deliveries from the owned partitions of a queue
 * POST /queue/node/cancel   CancelRequest -> 204                end a waiting poll
 * POST /queue/node/batch    BatchRequest  -> 200 BatchReply     sends (store messages in an owned partition) and
 *                                                              settlements (ack, requeue, dead-letter, extend,
 *                                                              release), each answered on its own
 * GET  /queue/node/status                 -> 200 NodeStatus     the partitions this node owns, their epochs and counts
 * </pre>
 * Errors: 400 {@code invalid}, 404 {@code unknown-queue}, 409 {@code stale}, 413 {@code too-large}, 421
 * {@code not-owner}, 503 {@code unavailable}. Polls and sends are answered asynchronously: a waiting poll holds no
 * thread.
 */
final class QueueNodeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(QueueNodeServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient QueueNode node;
    private final transient QueueCatalog catalog;

    private final String self;

    QueueNodeServlet(String self, QueueNode node, QueueCatalog catalog) {
        this.self = self;
        this.node = node;
        this.catalog = catalog;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            if (!"/status".equals(req.getPathInfo())) {
                throw HttpError.notFound("no such queue node call: " + req.getPathInfo());
            }
            List<PartitionStatus> partitions = new ArrayList<>();
            for (PartitionOwner o : node.all()) {
                PartitionState.Stats s = o.stats();
                partitions.add(new PartitionStatus(o.queue(), o.partition(), o.epoch(), s.size(), s.ready(),
                        s.inFlight(), s.delayed(), s.blocked(), s.deadLetterDue()));
            }
            partitions.sort(Comparator.comparing(PartitionStatus::queue).thenComparingInt(PartitionStatus::partition));
            return HttpCalls.Reply.ok(new NodeStatus(self, partitions));
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        HttpCalls.handle(req, resp, LOG, QueueNodeServlet::translate, () -> {
            CompletionStage<?> answer = switch (path) {
                case "/poll" -> poll(JSON.readValue(req.getInputStream(), PollRequest.class));
                case "/batch" -> batch(JSON.readValue(req.getInputStream(), BatchRequest.class));
                case "/cancel" -> {
                    node.cancel(JSON.readValue(req.getInputStream(), CancelRequest.class).pollId());
                    yield CompletableFuture.completedFuture(null);
                }
                default -> throw HttpError.notFound("no such queue node call: " + path);
            };
            answerLater(req, resp, answer);
            return HttpCalls.Reply.written();
        });
    }

    private CompletionStage<QueueMeta> queue(String name) {
        if (name == null) {
            throw HttpError.invalid("the call names no queue");
        }
        return catalog.find(name).thenApply(found -> found.orElseThrow(
                () -> new HttpError(404, QueueWire.UNKNOWN_QUEUE, "queue '" + name + "' has not been declared")));
    }

    private CompletionStage<SendReply> send(SendRequest r) {
        if (r.messages() == null || r.messages().isEmpty() || r.messages().size() > QueueService.MAX_BATCH_SIZE) {
            throw HttpError.invalid("a send carries 1 to " + QueueService.MAX_BATCH_SIZE + " messages");
        }
        return queue(r.queue()).thenCompose(meta -> {
            if (r.partition() < 0 || r.partition() >= meta.partitions()) {
                throw HttpError.invalid("queue '" + meta.name() + "' has partitions 0 to " + (meta.partitions() - 1)
                        + ", not " + r.partition());
            }
            for (OutMessage m : r.messages()) {
                if (m.payload() == null) {
                    throw HttpError.invalid("a message has no payload");
                }
                if (m.payload().length > meta.maxPayloadBytes()) {
                    throw new HttpError(413, QueueWire.TOO_LARGE, "a payload of " + m.payload().length
                            + " bytes exceeds the limit of queue '" + meta.name() + "', " + meta.maxPayloadBytes() + " bytes");
                }
                // Validates key and headers as the API does; the reserved headers are the service's own (a node
                // moving a message to its dead-letter queue adds them), so they are left out of the check.
                java.util.Map<String, String> headers = new java.util.HashMap<>(m.headers() == null ? java.util.Map.of() : m.headers());
                headers.keySet().removeIf(name -> name.startsWith(Message.RESERVED_HEADER_PREFIX));
                new Message(m.key(), m.payload(), headers);
            }
            return node.owner(meta.name(), r.partition()).send(r.callId(), r.messages()).thenApply(SendReply::new);
        });
    }

    private CompletionStage<PollReply> poll(PollRequest r) {
        if (r.max() < 1 || r.max() > QueueService.MAX_BATCH_SIZE) {
            throw HttpError.invalid("max must be between 1 and " + QueueService.MAX_BATCH_SIZE + ", was " + r.max());
        }
        long wait = Math.min(Math.max(0, r.waitMs()), QueueService.MAX_POLL_WAIT.toMillis());
        return queue(r.queue()).thenCompose(meta -> node.poll(meta.name(), r.pollId(), r.max(), wait))
                .thenApply(deliveries -> new PollReply(deliveries, System.currentTimeMillis()));
    }

    private CompletionStage<SettleReply> settle(SettleRequest r) {
        if (r.id() == null || r.action() == null || r.attempt() < 1) {
            throw HttpError.invalid("a settle call needs an id, an attempt of at least 1 and an action");
        }
        return queue(r.queue()).thenCompose(meta -> {
            MessageIds.Parsed id = MessageIds.parse(new MessageId(r.id()), meta.partitions());
            return node.owner(meta.name(), id.partition()).settle(r.callId(), EntryId.parse(id.entry()), r.attempt(),
                    r.action(), Math.max(0, r.millis()));
        });
    }

    /** Runs every call of a batch; each gets its own answer, a refusal included. */
    private CompletionStage<BatchReply> batch(BatchRequest r) {
        if (r.ops() == null || r.ops().isEmpty()) {
            throw HttpError.invalid("a batch carries at least one call");
        }
        List<CompletableFuture<OpReply>> replies = new ArrayList<>(r.ops().size());
        for (Op op : r.ops()) {
            CompletionStage<?> stage;
            try {
                if ((op.send() == null) == (op.settle() == null)) {
                    throw HttpError.invalid("a batch call is a send or a settlement");
                }
                stage = op.send() != null ? send(op.send()) : settle(op.settle());
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            replies.add(stage.handle((value, error) -> error == null ? ok(value) : refused(error)).toCompletableFuture());
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                .thenApply(v -> new BatchReply(replies.stream().map(CompletableFuture::join).toList()));
    }

    private static OpReply ok(Object value) {
        return value instanceof SendReply s ? new OpReply(200, s.ids(), null, null, null)
                : new OpReply(200, null, (SettleReply) value, null, null);
    }

    private static OpReply refused(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        HttpError e = t instanceof Exception ex ? translate(ex) : null;
        if (e == null) {
            LOG.error("A queue call of a batch failed", t);
            e = new HttpError(500, HttpError.INTERNAL, "internal error (" + t + "); the node's log has the details");
        }
        return new OpReply(e.status(), null, null, e.code(), e.getMessage());
    }

    /** Writes the answer when the stage completes, without holding the request's thread meanwhile. */
    private void answerLater(HttpServletRequest req, HttpServletResponse resp, CompletionStage<?> answer) {
        CompletableFuture<?> f = answer.toCompletableFuture();
        if (f.isDone()) {
            write(req, resp, f);
            return;
        }
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        // The answer is written on a thread of the HTTP server, not on the Redis client's I/O thread that completed
        // the stage: a slow reader must not hold up Redis traffic.
        f.whenComplete((v, e) -> async.start(() -> {
            try {
                write(req, resp, f);
            } finally {
                async.complete();
            }
        }));
    }

    private void write(HttpServletRequest req, HttpServletResponse resp, CompletableFuture<?> f) {
        HttpCalls.handle(req, resp, LOG, QueueNodeServlet::translate, () -> {
            Object body;
            try {
                body = f.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            if (body == null) {
                resp.setStatus(204);
                return HttpCalls.Reply.written();
            }
            HttpJson.write(resp, 200, body, JSON);
            return HttpCalls.Reply.written();
        });
    }

    /** The node's refusals as the wire's error codes; null for a bug (logged, 500). */
    static HttpError translate(Exception e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof HttpError h) {
            return h;
        }
        if (t instanceof OwnerException o) {
            return switch (o.kind()) {
                case NOT_OWNER -> new HttpError(421, QueueWire.NOT_OWNER, o.getMessage());
                case STALE -> new HttpError(409, QueueWire.STALE, o.getMessage());
                case UNAVAILABLE -> new HttpError(503, QueueWire.UNAVAILABLE, o.getMessage());
            };
        }
        if (t instanceof InvalidQueueRequestException || t instanceof com.fasterxml.jackson.core.JacksonException
                || t instanceof IllegalArgumentException) {
            return HttpError.invalid(t.getMessage());
        }
        if (t instanceof org.redisson.client.RedisException) {
            return new HttpError(503, QueueWire.UNAVAILABLE, "Redis: " + t.getMessage());
        }
        return null;
    }
}
