package io.dsync.queue.client.internal;

import static io.dsync.http.HttpRequests.intParam;
import static io.dsync.http.HttpRequests.jsonBody;
import static io.dsync.http.HttpRequests.longParam;
import static io.dsync.http.HttpRequests.param;
import static io.dsync.http.HttpRequests.path;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.http.AdminAccess;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpError;
import io.dsync.http.HttpJson;
import io.dsync.queue.Delivery;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.Message;
import io.dsync.queue.MessageId;
import io.dsync.queue.MessageTooLargeException;
import io.dsync.queue.NackAction;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueConfigConflictException;
import io.dsync.queue.QueueException;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.QueueUnavailableException;
import io.dsync.queue.StaleDeliveryException;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueDeletion;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.NodeStatus;
import io.dsync.queue.protocol.QueueWire.PartitionStatus;
import io.dsync.ring.HashRing;
import io.dsync.ring.Placement;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The queue over HTTP on every node, for {@code dsync queue} and the console:
 * <pre>
 * GET  /queue/queues                               declared queues
 * PUT  /queue/queues/{q}                           declare {visibilityTimeoutMs, maxDeliveries, deadLetterQueue, maxPayloadBytes}
 * GET  /queue/queues/{q}                           the queue: configuration, totals, rates, oldest message's age, its
 *                                                  dead-letter queue's size, every partition (owner, epoch, counts, rates)
 * DELETE /queue/queues/{q}                         delete it and every message in it (admin token); 409 {@code in-use}
 *                                                  while it is another queue's dead-letter queue
 * POST /queue/queues/{q}/messages                  send {key, payload | payloadBase64, headers} or {messages: [...]}
 * POST /queue/queues/{q}/poll?max=&amp;waitMs=&amp;settle=  receive; settle = none (default), ack, or release (peek);
 *                                             each delivery says "settled" or, if that failed, "settleError"
 * POST /queue/queues/{q}/ack                       {id, attempt}
 * POST /queue/queues/{q}/nack                      {id, attempt, action: requeue | dead-letter, delayMs}
 * GET  /queue/ring?tokens=false                    the ring: queue nodes, vnode tokens and partition positions (with
 *                                                  tokens=true), every queue's placement and epochs
 * </pre>
 * Errors: 400 {@code invalid}, 404 {@code unknown-queue}, 409 {@code conflict} / {@code stale} / {@code in-use} /
 * {@code deleting} (a declaration while the name's deletion is unfinished), 413
 * {@code too-large}, 503 {@code unavailable}. With an admin token configured, calls that change something need it.
 */
final class QueueHttpApi extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(QueueHttpApi.class);

    private final transient ClientQueueService queues;
    private final transient QueueCatalog catalog;
    private final transient QueueRouter router;
    private final transient AdminAccess access;
    private final transient QueueDeletion deletion;

    QueueHttpApi(ClientQueueService queues, QueueCatalog catalog, QueueRouter router, AdminAccess access,
                 QueueDeletion deletion) {
        this.queues = queues;
        this.catalog = catalog;
        this.router = router;
        this.access = access;
        this.deletion = deletion;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, QueueHttpApi::translate, () -> {
            if ("/queue/ring".equals(req.getServletPath())) {
                return Reply.ok(ring(Boolean.parseBoolean(req.getParameter("tokens"))));
            }
            String[] path = path(req);
            if (path.length == 0) {
                List<Object> all = new ArrayList<>();
                catalog.list().forEach(all::add);
                return Reply.ok(all);
            }
            if (path.length == 1) {
                return Reply.ok(queue(path[0]));
            }
            throw HttpError.notFound("no such queue call: " + req.getRequestURI());
        });
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, QueueHttpApi::translate, () -> {
            access.requireWriter(req);
            String[] path = path(req);
            if (path.length != 1) {
                throw HttpError.notFound("declare a queue with PUT /queue/queues/{name}");
            }
            queues.declare(config(path[0], jsonBody(req)));
            return Reply.ok(queue(path[0]));
        });
    }

    /** Deletes a queue: it takes every message away, so it needs the admin token (refused on a node without one). */
    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, QueueHttpApi::translate, () -> {
            access.requireAdmin(req);
            String[] path = path(req);
            if (path.length != 1) {
                throw HttpError.notFound("delete a queue with DELETE /queue/queues/{name}");
            }
            QueueDeletion.Deleted d = deletion.delete(QueueConfig.requireValidName(path[0])).toCompletableFuture()
                    .get(router.timeout().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Queue {} deleted: {} partition(s), {} message(s) dropped{}", d.queue(), d.partitions(),
                    d.messages(), d.resumed() ? " (finishing an earlier deletion)" : "");
            return Reply.ok(Map.of("deleted", d.queue(), "partitions", d.partitions(), "messagesDropped",
                    d.messages(), "resumed", d.resumed()));
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, QueueHttpApi::translate, () -> {
            access.requireWriter(req);
            String[] path = path(req);
            if (path.length != 2) {
                throw HttpError.notFound("no such queue call: " + req.getRequestURI());
            }
            String queue = path[0];
            return switch (path[1]) {
                case "messages" -> send(queue, jsonBody(req));
                case "poll" -> poll(queue, req);
                case "ack" -> {
                    JsonNode b = jsonBody(req);
                    queues.ack(delivery(queue, b));
                    yield Reply.ok(Map.of("acked", b.path("id").asText()));
                }
                case "nack" -> {
                    JsonNode b = jsonBody(req);
                    String action = b.path("action").asText("requeue");
                    NackAction nack = switch (action) {
                        case "requeue" -> NackAction.REQUEUE;
                        case "dead-letter" -> NackAction.DEAD_LETTER;
                        default -> throw HttpError.invalid("action must be requeue or dead-letter, was '" + action + "'");
                    };
                    queues.nack(delivery(queue, b), nack, Duration.ofMillis(b.path("delayMs").asLong(0)));
                    yield Reply.ok(Map.of("nacked", b.path("id").asText(), "action", action));
                }
                default -> throw HttpError.notFound("no such queue call: " + req.getRequestURI());
            };
        });
    }

    private Reply send(String queue, JsonNode body) {
        List<Message> messages = new ArrayList<>();
        if (body.has("messages")) {
            body.get("messages").forEach(m -> messages.add(message(m)));
        } else {
            messages.add(message(body));
        }
        List<MessageId> ids = queues.sendAll(queue, messages);
        return Reply.ok(Map.of("ids", ids.stream().map(MessageId::value).toList()));
    }

    private static Message message(JsonNode m) {
        byte[] payload;
        if (m.hasNonNull("payloadBase64")) {
            try {
                payload = Base64.getDecoder().decode(m.get("payloadBase64").asText());
            } catch (IllegalArgumentException e) {
                throw HttpError.invalid("payloadBase64 is not base64: " + e.getMessage());
            }
        } else if (m.hasNonNull("payload")) {
            payload = m.get("payload").asText().getBytes(StandardCharsets.UTF_8);
        } else {
            throw HttpError.invalid("a message needs a payload (text) or a payloadBase64");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        m.path("headers").fields().forEachRemaining(h -> {
            if (!h.getValue().isTextual()) {
                throw HttpError.invalid("header '" + h.getKey() + "' must be a string");
            }
            headers.put(h.getKey(), h.getValue().asText());
        });
        return new Message(m.hasNonNull("key") ? m.get("key").asText() : null, payload, headers);
    }

    private Reply poll(String queue, HttpServletRequest req) throws InterruptedException {
        int max = intParam(req, "max", 10, Integer.MIN_VALUE, Integer.MAX_VALUE);
        long waitMs = Math.max(0, longParam(req, "waitMs", 0, Long.MIN_VALUE, Long.MAX_VALUE));
        String settle = param(req, "settle", "none");
        if (!List.of("none", "ack", "release").contains(settle)) {
            throw HttpError.invalid("settle must be none, ack or release, was '" + settle + "'");
        }
        List<Delivery> got = queues.poll(queue, max, Duration.ofMillis(waitMs));
        List<Map<String, Object>> out = new ArrayList<>();
        // Each delivery is settled on its own and returned whatever came of it: a failure half-way must neither lose
        // the deliveries acknowledged before it (their caller would never see them) nor hide those after it.
        for (Delivery d : got) {
            Map<String, Object> m = json(d);
            if (!"none".equals(settle)) {
                try {
                    if ("ack".equals(settle)) {
                        queues.ack(d);
                    } else {
                        queues.release(d);
                    }
                    m.put("settled", settle);
                } catch (QueueException e) {
                    m.put("settleError", e.getMessage());
                }
            }
            out.add(m);
        }
        return Reply.ok(Map.of("deliveries", out));
    }

    private static Map<String, Object> json(Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id().value());
        m.put("attempt", d.deliveryCount());
        m.put("key", d.key());
        String text = text(d.payload());
        if (text != null) {
            m.put("payload", text);
        } else {
            m.put("payloadBase64", Base64.getEncoder().encodeToString(d.payload()));
        }
        m.put("headers", d.headers());
        m.put("enqueuedAt", d.enqueuedAt().toString());
        m.put("visibleUntil", d.visibleUntil().toString());
        return m;
    }

    /** The payload as text when it is valid UTF-8, else null. */
    private static String text(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The delivery an ack or nack names: only its queue, id and attempt matter. */
    private static Delivery delivery(String queue, JsonNode b) {
        if (!b.hasNonNull("id") || !b.has("attempt")) {
            throw HttpError.invalid("name the delivery with its id and attempt");
        }
        Instant now = Instant.now();
        return new Delivery(new MessageId(b.get("id").asText()), queue, null, new byte[0], Map.of(),
                (int) whole(b, "attempt", 1, Integer.MAX_VALUE), now, now);
    }

    private static final java.util.Set<String> DECLARE_FIELDS =
            java.util.Set.of("visibilityTimeoutMs", "maxDeliveries", "deadLetterQueue", "maxPayloadBytes");

    /**
     * A declaration's configuration from its JSON body: numbers must be whole and in range, and an unknown field is
     * refused (a queue never changes once declared: a misspelt field would leave it with a default for good).
     */
    static QueueConfig config(String name, JsonNode body) {
        if (!body.isObject()) {
            throw HttpError.invalid("the body of a declaration is a JSON object");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!DECLARE_FIELDS.contains(f)) {
                throw HttpError.invalid("unknown field '" + f + "'; a declaration takes " + new java.util.TreeSet<>(DECLARE_FIELDS));
            }
        });
        QueueConfig config = QueueConfig.of(name);
        if (body.has("visibilityTimeoutMs")) {
            config = config.withVisibilityTimeout(Duration.ofMillis(whole(body, "visibilityTimeoutMs", 1, Long.MAX_VALUE)));
        }
        if (body.has("maxDeliveries")) {
            config = config.withMaxDeliveries((int) whole(body, "maxDeliveries", 1, Integer.MAX_VALUE));
        }
        if (body.hasNonNull("deadLetterQueue")) {
            if (!body.get("deadLetterQueue").isTextual()) {
                throw HttpError.invalid("deadLetterQueue must be a queue name (a string)");
            }
            config = config.withDeadLetterQueue(body.get("deadLetterQueue").asText());
        }
        if (body.has("maxPayloadBytes")) {
            config = config.withMaxPayloadBytes((int) whole(body, "maxPayloadBytes", 1, Integer.MAX_VALUE));
        }
        return config;
    }

    /** A whole number field within bounds; a fraction, a string, a boolean or a number out of range is refused. */
    private static long whole(JsonNode body, String field, long min, long max) {
        JsonNode v = body.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw HttpError.invalid(field + " must be a whole number from " + min + " to " + max + ", got " + v);
        }
        return v.asLong();
    }

    /** The queue with its partitions: placement from the ring, epochs and counts from the owners. */
    private Map<String, Object> queue(String name) throws Exception {
        QueueMeta meta = catalog.find(QueueConfig.requireValidName(name)).toCompletableFuture()
                .get(router.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .orElseThrow(() -> new QueueNotFoundException(name));
        QueueTopology topology = router.topology(true);
        Map<String, Map<String, Owned>> all = owned(topology);
        Map<String, Owned> owned = all.get(meta.name());
        Placement placement = topology.isEmpty() ? null : topology.placement(meta.name(), meta.partitions());
        List<Map<String, Object>> partitions = new ArrayList<>();
        long messages = 0;
        long inFlight = 0;
        long deadLetterDue = 0;
        long oldestAge = 0;
        double sent = 0;
        double delivered = 0;
        double acked = 0;
        for (int p = 0; p < meta.partitions(); p++) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("partition", p);
            part.put("primary", placement == null ? null : placement.primary(p));
            part.put("replicas", placement == null ? List.of() : placement.replicas(p));
            Owned o = owned == null ? null : owned.get(Integer.toString(p));
            PartitionStatus s = o == null ? null : o.status();
            part.put("owner", o == null ? null : o.node());
            if (s != null) {
                part.put("epoch", s.epoch());
                part.put("messages", s.messages());
                part.put("ready", s.ready());
                part.put("inFlight", s.inFlight());
                part.put("delayed", s.delayed());
                part.put("blocked", s.blocked());
                part.put("deadLetterDue", s.deadLetterDue());
                part.put("oldestAgeMs", s.oldestAgeMillis());
                part.put("sentPerSecond", rate(s.sentPerSecond()));
                part.put("deliveredPerSecond", rate(s.deliveredPerSecond()));
                part.put("ackedPerSecond", rate(s.ackedPerSecond()));
                messages += s.messages();
                inFlight += s.inFlight();
                deadLetterDue += s.deadLetterDue();
                oldestAge = Math.max(oldestAge, s.oldestAgeMillis());
                sent += s.sentPerSecond();
                delivered += s.deliveredPerSecond();
                acked += s.ackedPerSecond();
            }
            partitions.add(part);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("queue", meta);
        out.put("messages", messages);
        out.put("inFlight", inFlight);
        out.put("deadLetterDue", deadLetterDue);
        out.put("oldestAgeMs", oldestAge);
        out.put("sentPerSecond", rate(sent));
        out.put("deliveredPerSecond", rate(delivered));
        out.put("ackedPerSecond", rate(acked));
        if (meta.deadLetterQueue() != null) {
            // What its dead-letter queue holds (messages of every queue that sends it theirs), as its owners report.
            Map<String, Owned> dlq = all.getOrDefault(meta.deadLetterQueue(), Map.of());
            out.put("deadLetterQueueMessages", dlq.values().stream().mapToLong(o -> o.status().messages()).sum());
        }
        out.put("partitions", partitions);
        return out;
    }

    /** A partition as its owner reports it. */
    record Owned(String node, PartitionStatus status) {
    }

    /** Messages per second, to two decimals. */
    private static double rate(double perSecond) {
        return Math.round(perSecond * 100) / 100.0;
    }

    /** Queue name to partition number (as text) to its owner's report, from every queue node that answers. */
    private Map<String, Map<String, Owned>> owned(QueueTopology topology) {
        Map<String, CompletableFuture<NodeStatus>> asked = new LinkedHashMap<>();
        topology.urls().forEach((node, url) -> asked.put(node, router.status(url).toCompletableFuture()));
        Map<String, Map<String, Owned>> owned = new LinkedHashMap<>();
        asked.forEach((node, f) -> {
            try {
                for (PartitionStatus s : f.get(router.timeout().toMillis(), TimeUnit.MILLISECONDS).partitions()) {
                    owned.computeIfAbsent(s.queue(), q -> new LinkedHashMap<>())
                            .put(Integer.toString(s.partition()), new Owned(node, s));
                }
            } catch (Exception e) {
                LOG.debug("Queue node {} did not report its partitions: {}", node, e.toString());
            }
        });
        return owned;
    }

    private Map<String, Object> ring(boolean tokens) {
        QueueTopology topology = router.topology(true);
        return ring(topology, catalog.list(), owned(topology), tokens);
    }

    /**
     * The body of {@code GET /queue/ring}: the ring's parameters, its nodes, with {@code tokens} every vnode token and
     * each partition's ring position (unsigned decimal, the hash of {@code <queue>/<partition>}, where the console
     * draws it), and every queue's placement with what its owners report.
     */
    static Map<String, Object> ring(QueueTopology topology, Iterable<QueueMeta> metas,
                                    Map<String, Map<String, Owned>> owned, boolean tokens) {
        HashRing ring = topology.ring();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vnodes", QueueTopology.VNODES);
        out.put("epsilon", QueueTopology.EPSILON);
        out.put("replicas", QueueTopology.REPLICAS);
        out.put("nodes", topology.urls());
        if (tokens) {
            out.put("tokens", ring.tokens().stream().map(t -> List.of(Long.toUnsignedString(t.position()), t.node())).toList());
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (QueueMeta meta : metas) {
            Placement placement = topology.isEmpty() ? null : topology.placement(meta.name(), meta.partitions());
            List<Map<String, Object>> partitions = new ArrayList<>();
            for (int p = 0; p < meta.partitions(); p++) {
                Map<String, Object> part = new LinkedHashMap<>();
                part.put("partition", p);
                if (tokens) {
                    part.put("position", Long.toUnsignedString(HashRing.hash(meta.name() + "/" + p)));
                }
                part.put("owners", placement == null ? List.of() : placement.owners().get(p));
                Owned o = owned.getOrDefault(meta.name(), Map.of()).get(Integer.toString(p));
                part.put("owner", o == null ? null : o.node());
                part.put("epoch", o == null ? null : o.status().epoch());
                part.put("messages", o == null ? null : o.status().messages());
                partitions.add(part);
            }
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("queue", meta.name());
            q.put("load", placement == null ? Map.of() : placement.primaryLoad());
            q.put("partitions", partitions);
            list.add(q);
        }
        out.put("queues", list);
        return out;
    }

    static HttpError translate(Exception e) {
        Throwable t = ClientQueueService.unwrap(e);
        if (t instanceof HttpError h) {
            return h;
        }
        if (t instanceof QueueNotFoundException q) {
            return new HttpError(404, QueueWire.UNKNOWN_QUEUE, "queue '" + q.queue() + "' has not been declared");
        }
        if (t instanceof QueueConfigConflictException c) {
            return HttpError.configConflict("queue '" + c.existing().name() + "'", c.existing(), c.requested(),
                    "declare it as it is, or delete it first (dsync queue delete " + c.existing().name() + ")");
        }
        if (t instanceof QueueCatalog.DeletionUnfinishedException d) {
            return HttpError.conflict("deleting", d.getMessage());
        }
        if (t instanceof QueueDeletion.InUseException u) {
            return new HttpError(409, "in-use", u.getMessage(), Map.of("deadLetterQueueOf", u.deadLetterQueueOf()));
        }
        if (t instanceof StaleDeliveryException s) {
            return HttpError.conflict(QueueWire.STALE, s.getMessage());
        }
        if (t instanceof MessageTooLargeException m) {
            return new HttpError(413, QueueWire.TOO_LARGE, m.getMessage());
        }
        if (t instanceof InvalidQueueRequestException || t instanceof NumberFormatException) {
            return HttpError.invalid(t.getMessage());
        }
        if (t instanceof QueueUnavailableException || t instanceof java.util.concurrent.TimeoutException
                || t instanceof org.redisson.client.RedisException) {
            // Redis restarting or failing over: routine, for the caller to retry (not a bug, not an ERROR).
            return new HttpError(503, QueueWire.UNAVAILABLE, t.getMessage());
        }
        return null;
    }
}
