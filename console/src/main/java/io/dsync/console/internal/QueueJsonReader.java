package io.dsync.console.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the queue admin API's answers ({@code QueueHttpApi} of queue-client) and the per-queue meters of a node's
 * {@code /metrics} into the console's values. Lenient where a field is missing (a default, so that an older node still
 * shows), strict about the shape: an answer that is not what the call returns throws {@link IllegalArgumentException}
 * with one line saying so. Stateless.
 */
final class QueueJsonReader {

    /** The per-queue meters' names: {@code dsync.queue.client.queue.<queue>.sent} and {@code .acked}. */
    static final String METER_PREFIX = "dsync.queue.client.queue.";

    private QueueJsonReader() {
    }

    /**
     * @param body the answer of {@code GET /queue/ring?tokens=true}
     * @return the ring
     * @throws IllegalArgumentException when {@code body} is not a ring
     */
    static QueueRing ring(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("nodes").isObject()) {
            throw new IllegalArgumentException("/queue/ring answered something that is not a ring");
        }
        Map<String, String> nodes = new TreeMap<>();
        body.path("nodes").fields().forEachRemaining(e -> nodes.put(e.getKey(), e.getValue().asText()));
        List<QueueRing.Token> tokens = new ArrayList<>();
        for (JsonNode t : body.path("tokens")) {
            Long position = unsigned(t.path(0));
            if (position != null) {
                tokens.add(new QueueRing.Token(position, t.path(1).asText()));
            }
        }
        // The node sorts them as signed numbers; on the circle they go round from 0 to 2^64.
        tokens.sort((a, b) -> Long.compareUnsigned(a.position(), b.position()));
        List<QueueRing.Queue> queues = new ArrayList<>();
        for (JsonNode q : body.path("queues")) {
            String name = q.path("queue").asText();
            List<QueueRing.Partition> partitions = new ArrayList<>();
            for (JsonNode p : q.path("partitions")) {
                List<String> owners = new ArrayList<>();
                p.path("owners").forEach(o -> owners.add(o.asText()));
                partitions.add(new QueueRing.Partition(name, p.path("partition").asInt(), unsigned(p.get("position")),
                        owners, text(p, "owner"), p.hasNonNull("epoch") ? p.get("epoch").asLong() : null,
                        p.hasNonNull("messages") ? p.get("messages").asInt() : null));
            }
            queues.add(new QueueRing.Queue(name, partitions));
        }
        return new QueueRing(body.path("vnodes").asInt(), body.path("replicas").asInt(), nodes, tokens, queues);
    }

    /**
     * @param body the answer of {@code GET /queue/queues/{name}}
     * @return the queue's totals
     * @throws IllegalArgumentException when {@code body} is not a queue
     */
    static QueueInfo queue(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("queue").isObject()) {
            throw new IllegalArgumentException("/queue/queues/{name} answered something that is not a queue");
        }
        JsonNode meta = body.get("queue");
        int reported = 0;
        for (JsonNode p : body.path("partitions")) {
            if (p.has("messages")) {
                reported++;
            }
        }
        return new QueueInfo(meta.path("name").asText(), meta.path("partitions").asInt(body.path("partitions").size()),
                text(meta, "deadLetterQueue"), body.path("messages").asLong(), body.path("inFlight").asLong(),
                body.path("deadLetterDue").asLong(), reported);
    }

    /**
     * @param metrics a node's {@code GET /metrics}
     * @return per queue, its cumulative counts on that node: {@code [sent, acked]}
     */
    static Map<String, long[]> counts(JsonNode metrics) {
        Map<String, long[]> counts = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> meters = metrics == null ? java.util.Collections.emptyIterator()
                : metrics.path("meters").fields();
        while (meters.hasNext()) {
            Map.Entry<String, JsonNode> m = meters.next();
            String name = m.getKey();
            if (!name.startsWith(METER_PREFIX) || !m.getValue().has("count")) {
                continue;
            }
            int i;
            if (name.endsWith(".sent")) {
                i = 0;
            } else if (name.endsWith(".acked")) {
                i = 1;
            } else {
                continue;
            }
            String queue = name.substring(METER_PREFIX.length(), name.lastIndexOf('.'));
            counts.computeIfAbsent(queue, q -> new long[2])[i] = m.getValue().get("count").asLong();
        }
        return counts;
    }

    private static Long unsigned(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(v.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
