package io.dsync.queue.protocol;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The calls a queue client makes to the node that owns a partition, over node messaging, and a node's status
 * ({@code GET /queue/node/status} on its admin API). Batches and polls travel in binary ({@link QueueWireCodec}, topics
 * {@value #TOPIC_BATCH_BINARY} and {@value #TOPIC_POLL_BINARY}) to nodes that serve it, else as JSON (topics
 * {@value #TOPIC_BATCH}, {@value #TOPIC_POLL}, which every node serves; payloads as base64, Jackson's encoding of
 * {@code byte[]}); see {@link WireFormats}. Cancels ({@value #TOPIC_CANCEL}) and the status are JSON.
 * Refusals carry the codes below (a messaging refusal's code, or an {@link OpReply}'s {@code error});
 * {@link #NOT_OWNER} tells the client to read the topology again and retry with the same call id.
 */
public final class QueueWire {

    /** HTTP 421: this node does not (or no longer) own the partition. */
    public static final String NOT_OWNER = "not-owner";
    /** HTTP 404: the queue was never declared. */
    public static final String UNKNOWN_QUEUE = "unknown-queue";
    /** HTTP 409: the delivery is not the message's current attempt (or the message is gone). */
    public static final String STALE = "stale";
    /** HTTP 413: a payload exceeds the queue's limit. */
    public static final String TOO_LARGE = "too-large";
    /** HTTP 503: the partition's storage failed; the outcome is unknown. */
    public static final String UNAVAILABLE = "unavailable";

    /** Path prefix of a queue node's status on its admin API. */
    public static final String NODE_PATH = "/queue/node";
    /** Messaging topic of {@link BatchRequest} (answered with {@link BatchReply}). */
    public static final String TOPIC_BATCH = "queue.batch";
    /** Messaging topic of {@link PollRequest} (answered with {@link PollReply}). */
    public static final String TOPIC_POLL = "queue.poll";
    /** {@link #TOPIC_BATCH} in {@link QueueWireCodec}'s binary form; nodes before it answer {@code no-handler}. */
    public static final String TOPIC_BATCH_BINARY = "queue.batch.bin";
    /** {@link #TOPIC_POLL} in {@link QueueWireCodec}'s binary form. */
    public static final String TOPIC_POLL_BINARY = "queue.poll.bin";
    /** Messaging topic of {@link CancelRequest} (answered with nothing). */
    public static final String TOPIC_CANCEL = "queue.cancel";

    private QueueWire() {
    }

    /** One message to store. */
    public record OutMessage(String key, byte[] payload, Map<String, String> headers) {
    }

    /** A send of a batch: store messages in one partition, atomically; retried calls keep their call id. */
    public record SendRequest(String queue, int partition, String callId, List<OutMessage> messages) {
    }

    /** The message ids, in request order. */
    public record SendReply(List<String> ids) {
    }

    /**
     * Topic {@value #TOPIC_POLL}: deliveries from the partitions of the queue that the node owns, waiting up to
     * {@code waitMs} for a first one. A poll with an id can be ended early ({@value #TOPIC_CANCEL}).
     */
    public record PollRequest(String queue, String pollId, int max, long waitMs) {
    }

    /** One delivery; times on the owner's clock, {@code nowMs} being the owner's time when it answered. */
    public record InDelivery(String id, String key, byte[] payload, Map<String, String> headers, int attempt,
                             long enqueuedMs, long visibleUntilMs) {
    }

    public record PollReply(List<InDelivery> deliveries, long nowMs) {
    }

    /** Topic {@value #TOPIC_CANCEL}: end a waiting poll now (with what it has, possibly nothing). */
    public record CancelRequest(String pollId) {
    }

    /** What a settle call does. */
    public enum Action { ACK, REQUEUE, DEAD_LETTER, EXTEND, RELEASE }

    /**
     * A settlement of a batch: act on one delivery. {@code millis} is the requeue delay or the new visibility
     * (from now) of an extension.
     */
    public record SettleRequest(String queue, String callId, String id, int attempt, Action action, long millis) {
    }

    /**
     * Topic {@value #TOPIC_BATCH}: several sends and settlements for one node in one request, answered in order,
     * each on its own ({@link OpReply}). Clients gather the calls that wait for a node while an earlier request to it is
     * in flight (group commit), so many concurrent callers cost few requests.
     */
    public record BatchRequest(List<Op> ops) {
    }

    /** One call of a batch: exactly one of {@code send} and {@code settle}. */
    public record Op(SendRequest send, SettleRequest settle) {
    }

    /**
     * The answer to one call of a batch: {@code status} 200 with {@code ids} (a send) or {@code settled} (a settlement),
     * or the status (as HTTP's), {@code error} code and {@code message} the call would have been refused with alone.
     */
    public record OpReply(int status, List<String> ids, SettleReply settled, String error, String message) {
    }

    public record BatchReply(List<OpReply> replies) {
    }

    /** {@code GET /queue/node/status}: the partitions a node owns, with their delivery state. */
    public record NodeStatus(String node, List<PartitionStatus> partitions) {
    }

    /**
     * One owned partition: its epoch, how many messages are in which state and, when the status was asked for with
     * {@code detail=true}, the age of its oldest message and its rates (messages per second, moving averages over a
     * minute, since its owner claimed it). Those are left out of the JSON when zero, so that a client of a version
     * before them, which refuses fields it does not know, reads the status of a node that did not put them in.
     */
    public record PartitionStatus(String queue, int partition, long epoch, int messages, int ready, int inFlight,
                                  int delayed, int blocked, int deadLetterDue,
                                  @JsonInclude(JsonInclude.Include.NON_DEFAULT) long oldestAgeMillis,
                                  @JsonInclude(JsonInclude.Include.NON_DEFAULT) double sentPerSecond,
                                  @JsonInclude(JsonInclude.Include.NON_DEFAULT) double deliveredPerSecond,
                                  @JsonInclude(JsonInclude.Include.NON_DEFAULT) double ackedPerSecond) {
    }

    /** The delivery's new deadline for {@link Action#EXTEND} (owner's clock), else 0; {@code nowMs} the owner's time. */
    public record SettleReply(long visibleUntilMs, long nowMs) {
    }
}
