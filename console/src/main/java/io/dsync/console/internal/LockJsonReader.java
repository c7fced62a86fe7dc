package io.dsync.console.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the lock admin API's answers ({@code LockJson} of lock-protocol, {@code /lock/raft} of lock-server) into the
 * console's values. Lenient where a field is missing (a default, so that an older node still shows), strict about
 * the shape: an answer that is not a JSON object throws {@link IllegalArgumentException} with one line saying so.
 * Stateless.
 */
final class LockJsonReader {

    private LockJsonReader() {
    }

    /**
     * @param body the answer of {@code GET /lock/table}
     * @return the table
     * @throws IllegalArgumentException when {@code body} is not a lock table
     */
    static LockTableSnapshot table(JsonNode body) {
        requireObject(body, "/lock/table");
        if (!body.path("locks").isArray()) {
            throw new IllegalArgumentException("/lock/table answered without a 'locks' list");
        }
        List<LockTableSnapshot.Lock> locks = new ArrayList<>();
        for (JsonNode l : body.path("locks")) {
            List<LockTableSnapshot.Holder> holders = new ArrayList<>();
            for (JsonNode h : l.path("holders")) {
                holders.add(new LockTableSnapshot.Holder(h.path("session").asText(), h.path("mode").asText(),
                        h.path("fencingToken").asLong(), h.path("holdCount").asInt(), instant(h.get("leaseExpiresAt"))));
            }
            List<LockTableSnapshot.Waiter> waiters = new ArrayList<>();
            for (JsonNode w : l.path("waiters")) {
                waiters.add(new LockTableSnapshot.Waiter(w.path("session").asText(), w.path("mode").asText(),
                        w.path("upgrade").asBoolean(), instant(w.get("enqueuedAt")), instant(w.get("waitDeadline"))));
            }
            locks.add(new LockTableSnapshot.Lock(l.path("name").asText(), l.path("lastFencingToken").asLong(),
                    holders, waiters));
        }
        List<LockTableSnapshot.Deadlock> deadlocks = new ArrayList<>();
        for (JsonNode d : body.path("deadlocks")) {
            deadlocks.add(new LockTableSnapshot.Deadlock(d.path("index").asLong(), instant(d.get("at")),
                    d.path("lock").asText(), d.path("victim").asText(), edges(d.path("cycle"))));
        }
        return new LockTableSnapshot(body.path("appliedIndex").asLong(), instant(body.get("logTime")), body.path("sessions").asInt(),
                body.path("lockCount").asInt(locks.size()), locks, edges(body.path("waitFor")), deadlocks);
    }

    /**
     * @param node the node's id
     * @param body the answer of {@code GET /lock/raft}
     * @return the member's status
     * @throws IllegalArgumentException when {@code body} is not a JSON object
     */
    static RaftMemberStatus raft(String node, JsonNode body) {
        requireObject(body, "/lock/raft");
        List<String> members = new ArrayList<>();
        body.path("members").forEach(m -> members.add(m.asText()));
        return new RaftMemberStatus(node, text(body, "state"), text(body, "role"), body.path("term").asLong(-1),
                text(body, "leader"), body.path("commitIndex").asLong(-1), body.path("appliedIndex").asLong(-1),
                members, null);
    }

    /**
     * @param status the HTTP status
     * @param body the body of an error answer ({@code {"error", "message"}}), or {@code null}
     * @return one line for the user
     */
    static String error(int status, JsonNode body) {
        String message = body == null ? null : text(body, "message");
        return "HTTP " + status + (message == null ? "" : ": " + message);
    }

    private static List<LockTableSnapshot.Edge> edges(JsonNode list) {
        List<LockTableSnapshot.Edge> edges = new ArrayList<>();
        for (JsonNode e : list) {
            edges.add(new LockTableSnapshot.Edge(e.path("waiter").asText(), e.path("lock").asText(),
                    e.path("mode").asText(), e.path("holder").asText()));
        }
        return edges;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static void requireObject(JsonNode body, String what) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException(what + " answered something that is not a JSON object");
        }
    }
}
