package io.dsync.queue.node.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.HttpError;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.Message;
import io.dsync.queue.MessageId;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueService;
import io.dsync.queue.core.EntryId;
import io.dsync.queue.core.PartitionState;
import io.dsync.queue.node.owner.OwnerException;
import io.dsync.queue.node.owner.PartitionOwner;
import io.dsync.queue.node.owner.QueueNode;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.NodeStatus;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PartitionStatus;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendReply;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import io.dsync.redis.RedisErrors;

/**
 * What a queue node does for the calls of queue clients ({@link QueueWire}), whatever carries them: validation, the
 * queue's metadata, and the owners of its partitions. Refusals are {@link HttpError}s with the wire's codes
 * ({@link #translate}). Nothing here blocks: answers are stages.
 */
final class QueueNodeCalls {

    private static final Logger LOG = LoggerFactory.getLogger(QueueNodeCalls.class);

    private final String self;
    private final QueueNode node;
    private final QueueCatalog catalog;

    QueueNodeCalls(String self, QueueNode node, QueueCatalog catalog) {
        this.self = self;
        this.node = node;
        this.catalog = catalog;
    }

    /**
     * The partitions this node owns, with their epochs and counts; with {@code detail}, also the oldest message's age
     * and the rates (left out otherwise: see {@link PartitionStatus}).
     */
    NodeStatus status(boolean detail) {
        List<PartitionStatus> partitions = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (PartitionOwner o : node.all()) {
            PartitionState.Stats s = o.stats();
            PartitionOwner.Rates r = detail ? o.rates() : new PartitionOwner.Rates(0, 0, 0);
            partitions.add(new PartitionStatus(o.queue(), o.partition(), o.epoch(), s.size(), s.ready(),
                    s.inFlight(), s.delayed(), s.blocked(), s.deadLetterDue(), detail ? s.oldestAgeMillis(now) : 0,
                    r.sent(), r.delivered(), r.acked()));
        }
        partitions.sort(Comparator.comparing(PartitionStatus::queue).thenComparingInt(PartitionStatus::partition));
        return new NodeStatus(self, partitions);
    }

    /** Ends a waiting poll now. */
    void cancel(String pollId) {
        node.cancel(pollId);
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
                if (headers.containsValue(null)) {
                    throw HttpError.invalid("a header has no value");
                }
                headers.keySet().removeIf(name -> name.startsWith(Message.RESERVED_HEADER_PREFIX));
                new Message(m.key(), m.payload(), headers);
            }
            return node.owner(meta.name(), r.partition()).send(r.callId(), r.messages()).thenApply(SendReply::new);
        });
    }

    CompletionStage<PollReply> poll(PollRequest r) {
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
        // The API's bound, checked here too: a node call is not only the client library's, and a deadline past the
        // clock's range would be stored as a negative one that no later owner could load.
        if (r.millis() > QueueConfig.MAX_VISIBILITY_TIMEOUT.toMillis()) {
            throw HttpError.invalid("a requeue delay or extension must be at most "
                    + QueueConfig.MAX_VISIBILITY_TIMEOUT.toMillis() + " ms, was " + r.millis() + " ms");
        }
        return queue(r.queue()).thenCompose(meta -> {
            MessageIds.Parsed id = MessageIds.parse(new MessageId(r.id()), meta.partitions());
            return node.owner(meta.name(), id.partition()).settle(r.callId(), EntryId.parse(id.entry()), r.attempt(),
                    r.action(), Math.max(0, r.millis()));
        });
    }

    /** Runs every call of a batch; each gets its own answer, a refusal included. */
    CompletionStage<BatchReply> batch(BatchRequest r) {
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

    /** The node's refusals as the wire's error codes; null for a bug (logged, 500). */
    static HttpError translate(Exception e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof java.io.UncheckedIOException u && u.getCause() != null) {
            t = u.getCause(); // an unreadable JSON request
        }
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
            return new HttpError(503, QueueWire.UNAVAILABLE, "Redis: " + RedisErrors.describe(t));
        }
        return null;
    }
}
