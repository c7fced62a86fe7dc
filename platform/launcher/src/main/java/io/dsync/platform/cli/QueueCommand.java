package io.dsync.platform.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dsync queue}: the queue service from a shell, through any node's HTTP API. Exit codes: 0 done, 1 failed
 * (node unreachable, queue unavailable), 2 bad usage or input, 4 no such queue.
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {"Declare queues, send and consume messages, and inspect queues and the ring through a node.",
                "Exit codes: 0 done, 1 failed, 2 bad usage or input, 4 no such queue."},
        subcommands = {QueueCommand.Declare.class, QueueCommand.Send.class, QueueCommand.Consume.class,
                QueueCommand.Stats.class, QueueCommand.ListQueues.class, QueueCommand.Ring.class, QueueCommand.Dlq.class,
                QueueCommand.Delete.class})
final class QueueCommand implements Runnable {

    static final int NO_QUEUE = 4;
    private static final String NO_API = "has no queue API: is it a dsync node of this version?";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: declare, send, consume, stats, list, ring, dlq or delete (dsync queue --help)");
    }

    static Dsync.CliException failure(String what, NodeHttp.Answer a) {
        int code = switch (a.error()) {
            case "unknown-queue" -> NO_QUEUE;
            case "invalid", "too-large", "conflict", "stale", "in-use", "deleting" -> 2;
            default -> 1;
        };
        return new Dsync.CliException(what + ": " + a.message(), code);
    }

    static NodeHttp.Answer request(NodeHttp node, String method, String path, Duration timeout, Object body, String what) {
        NodeHttp.Answer a = node.send(method, path, timeout, NO_API, body);
        if (!a.ok()) {
            throw failure(what, a);
        }
        return a;
    }

    /** Polls that find no message not seen before, in a row, after which a peek ends. */
    private static final int PEEK_POLLS_WITHOUT_NEWS = 3;

    /**
     * Up to {@code max} messages of a queue, each once, without taking them: polls whose deliveries the node releases
     * at once (no delivery attempt counted). A poll answers with what the first owners it asks have, and released
     * messages are visible again at once, so one poll shows only part of the queue: the polls go on until one finds
     * nothing, or {@value #PEEK_POLLS_WITHOUT_NEWS} in a row find only messages shown already.
     *
     * @param firstWait how long the first poll waits for a message
     */
    static List<JsonNode> peek(NodeHttp node, String queue, int max, Duration firstWait, String what) {
        Map<String, JsonNode> seen = new LinkedHashMap<>();
        int withoutNews = 0;
        Duration wait = firstWait;
        while (seen.size() < max && withoutNews < PEEK_POLLS_WITHOUT_NEWS) {
            JsonNode r = request(node, "POST", "/queue/queues/" + NodeHttp.enc(queue) + "/poll?max="
                    + Math.min(100, max - seen.size()) + "&waitMs=" + wait.toMillis() + "&settle=release",
                    wait.plusSeconds(20), null, what).body();
            JsonNode deliveries = r.path("deliveries");
            if (deliveries.isEmpty()) {
                break;
            }
            int before = seen.size();
            for (JsonNode d : deliveries) {
                if (seen.size() < max) {
                    seen.putIfAbsent(d.path("id").asText(), d);
                }
            }
            withoutNews = seen.size() == before ? withoutNews + 1 : 0;
            wait = Duration.ZERO; // what is there is visible now: the next polls only look
        }
        return new ArrayList<>(seen.values());
    }

    @Command(name = "declare", mixinStandardHelpOptions = true,
            description = "Declare a queue (idempotent: an equal declaration of an existing queue changes nothing; a different one is refused).")
    static final class Declare implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class, description = "Queue name: letters, digits, '.', '_', '-'.")
        String queue;

        @Option(names = "--visibility", converter = NodeHttp.DurationConverter.class, defaultValue = "30s",
                description = "How long a delivery stays invisible to other consumers before it is delivered again (default: ${DEFAULT-VALUE}).")
        Duration visibility;

        @Option(names = "--max-deliveries", defaultValue = "5",
                description = "Deliveries before a message is dead-lettered (default: ${DEFAULT-VALUE}).")
        int maxDeliveries;

        @Option(names = "--dlq", converter = Names.QueueName.class, description = "Dead-letter queue (declared before); without it, dead letters are deleted.")
        String dlq;

        @Option(names = "--max-payload", defaultValue = "262144", description = "Largest payload in bytes (default: ${DEFAULT-VALUE}).")
        int maxPayload;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("visibilityTimeoutMs", visibility.toMillis());
            body.put("maxDeliveries", maxDeliveries);
            body.put("deadLetterQueue", dlq);
            body.put("maxPayloadBytes", maxPayload);
            JsonNode q;
            try {
                q = request(node, "PUT", "/queue/queues/" + NodeHttp.enc(queue), Duration.ofSeconds(15), body,
                        "cannot declare queue '" + queue + "'").body();
            } catch (Dsync.CliException e) {
                throw NodeHttp.withOptionNames(e, Map.of("visibilityTimeout", "--visibility", "maxDeliveries",
                        "--max-deliveries", "deadLetterQueue", "--dlq", "maxPayloadBytes", "--max-payload"));
            }
            JsonNode meta = q.path("queue");
            spec.commandLine().getOut().printf("queue %s: %d partitions, visibility %d ms, max deliveries %d, dead letters %s%n",
                    meta.path("name").asText(), meta.path("partitions").asInt(), meta.path("visibilityTimeoutMs").asLong(),
                    meta.path("maxDeliveries").asInt(), meta.path("deadLetterQueue").isNull() ? "deleted"
                            : "to " + meta.path("deadLetterQueue").asText());
            return 0;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = {"Send a message; prints its id once it is durable.",
                    "The payload is the PAYLOAD argument, --file's content, or each line of standard input with --lines."})
    static final class Send implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class)
        String queue;

        @Parameters(index = "1", paramLabel = "PAYLOAD", arity = "0..1", description = "The payload, as text.")
        String payload;

        @Option(names = "--file", description = "Send this file's bytes as the payload.")
        Path file;

        @Option(names = "--lines", description = "Send each line of standard input as one message (in batches of 100, in order).")
        boolean lines;

        @Option(names = {"-k", "--key"}, converter = Names.MessageKey.class, description = "Ordering key: messages of one key are delivered one at a time, in order.")
        String key;

        @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "A header (repeatable).")
        Map<String, String> headers = new LinkedHashMap<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int sources = (payload != null ? 1 : 0) + (file != null ? 1 : 0) + (lines ? 1 : 0);
            if (sources != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of PAYLOAD, --file or --lines");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!lines) {
                byte[] body;
                try {
                    body = file != null ? Files.readAllBytes(file) : payload.getBytes(StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new Dsync.CliException("cannot read --file " + file + ": "
                            + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString()), 2);
                }
                Map<String, Object> m = message(body);
                JsonNode r = request(node, "POST", "/queue/queues/" + NodeHttp.enc(queue) + "/messages", Duration.ofSeconds(20),
                        m, "message not sent to '" + queue + "'").body();
                out.println(r.path("ids").path(0).asText());
                return 0;
            }
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<Map<String, Object>> batch = new ArrayList<>();
            int sent = 0;
            for (String line = in.readLine(); ; line = in.readLine()) {
                if (line != null) {
                    batch.add(message(line.getBytes(StandardCharsets.UTF_8)));
                }
                if (!batch.isEmpty() && (line == null || batch.size() == 100)) {
                    JsonNode r = request(node, "POST", "/queue/queues/" + NodeHttp.enc(queue) + "/messages", Duration.ofSeconds(30),
                            Map.of("messages", batch), "messages not sent to '" + queue + "' after " + sent).body();
                    r.path("ids").forEach(id -> out.println(id.asText()));
                    sent += batch.size();
                    batch.clear();
                }
                if (line == null) {
                    break;
                }
            }
            spec.commandLine().getErr().printf("sent %d message(s)%n", sent);
            return 0;
        }

        private Map<String, Object> message(byte[] bytes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", key);
            m.put("payloadBase64", Base64.getEncoder().encodeToString(bytes));
            m.put("headers", headers);
            return m;
        }
    }

    @Command(name = "consume", mixinStandardHelpOptions = true,
            description = {"Receive messages, print them and acknowledge them (--no-ack: print and give them back, a peek).",
                    "Stops after --max messages, or when none arrived for --wait (at most 5m); a peek stops when its polls "
                            + "find no message they did not show."})
    static class Consume implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class)
        String queue;

        @Option(names = {"-n", "--limit", "--max"}, defaultValue = "10", description = "Stop after this many messages (default: ${DEFAULT-VALUE}).")
        int max;

        @Option(names = "--wait", defaultValue = "2s", converter = NodeHttp.DurationConverter.class,
                description = "Stop when no message arrived for this long (default: ${DEFAULT-VALUE}).")
        Duration wait;

        @Option(names = "--no-ack", description = "Peek: show up to --max messages of the queue, each once, and leave "
                + "them there (released at once, no delivery counted); a peek sees the first 100 ready messages of "
                + "each partition at most.")
        boolean noAck;

        @Option(names = "--json", description = "Print each delivery as one JSON line.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (max < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max must be at least 1, was " + max);
            }
            int got = 0;
            int unsettled = 0;
            boolean outputLost = false;
            while (got < max && !outputLost) {
                int batch = Math.min(100, max - got);
                // Not settle=ack: the node would acknowledge messages before this process has them, and a consumer
                // stopped meanwhile (Ctrl-C, a closed pipe) would lose them. Each is acknowledged once printed.
                Iterable<JsonNode> deliveries = noAck
                        ? peek(node, queue, max, wait, "cannot consume from '" + queue + "'")
                        : request(node, "POST", "/queue/queues/" + NodeHttp.enc(queue) + "/poll?max=" + batch
                                + "&waitMs=" + wait.toMillis() + "&settle=none", wait.plusSeconds(20), null,
                                "cannot consume from '" + queue + "'").body().path("deliveries");
                if (!deliveries.iterator().hasNext()) {
                    break;
                }
                for (JsonNode d : deliveries) {
                    if (json) {
                        out.println(NodeHttp.json().writeValueAsString(d));
                    } else {
                        String body = d.has("payload") ? d.path("payload").asText()
                                : "<" + Base64.getDecoder().decode(d.path("payloadBase64").asText()).length + " bytes, base64 "
                                        + d.path("payloadBase64").asText() + ">";
                        out.printf("%s%s%s %s%n", d.path("id").asText(),
                                d.path("key").isNull() ? "" : " key=" + d.path("key").asText(),
                                d.path("attempt").asInt() > 1 ? " attempt=" + d.path("attempt").asInt() : "", body);
                    }
                    out.flush();
                    if (out.checkError()) {
                        // Nobody reads what is printed (a closed pipe): this one and the rest are not acknowledged and
                        // are delivered again once their visibility timeout ends.
                        outputLost = true;
                        break;
                    }
                    got++;
                    if (!noAck) {
                        String ackError;
                        try {
                            NodeHttp.Answer acked = node.send("POST", "/queue/queues/" + NodeHttp.enc(queue) + "/ack",
                                    Duration.ofSeconds(20), NO_API, Map.of("id", d.path("id").asText(),
                                            "attempt", d.path("attempt").asInt()));
                            ackError = acked.ok() ? null : acked.message();
                        } catch (Dsync.CliException e) {
                            ackError = e.getMessage();
                        }
                        if (ackError != null) {
                            unsettled++;
                            spec.commandLine().getErr().printf("%s was not acknowledged: %s%n", d.path("id").asText(),
                                    ackError);
                        }
                    } else if (d.hasNonNull("settleError")) {
                        unsettled++;
                        spec.commandLine().getErr().printf("%s was not %s: %s%n", d.path("id").asText(),
                                noAck ? "released" : "acknowledged", d.path("settleError").asText());
                    }
                }
                if (noAck) {
                    break; // the peek took its polls
                }
            }
            if (outputLost) {
                spec.commandLine().getErr().printf("the output was closed: %d message(s) %s before it%n", got,
                        noAck ? "peeked" : "consumed and acknowledged");
                return 1;
            }
            if (unsettled > 0) {
                spec.commandLine().getErr().printf("%d message(s) %s; %d of them not %s (delivered again once their "
                        + "visibility timeout ends)%n", got, noAck ? "peeked" : "consumed", unsettled,
                        noAck ? "released" : "acknowledged");
                return 1;
            }
            spec.commandLine().getErr().printf("%d message(s) %s%n", got, noAck ? "peeked" : "consumed and acknowledged");
            return 0;
        }
    }

    @Command(name = "dlq", mixinStandardHelpOptions = true,
            description = "Peek at the dead-letter queue of a queue (consume --no-ack on it).")
    static final class Dlq implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class, description = "The queue whose dead letters to show.")
        String queue;

        @Option(names = {"-n", "--limit", "--max"}, defaultValue = "10", description = "At most this many (default: ${DEFAULT-VALUE}).")
        int max;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (max < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max must be at least 1, was " + max);
            }
            JsonNode q = request(node, "GET", "/queue/queues/" + NodeHttp.enc(queue), Duration.ofSeconds(15), null,
                    "cannot read queue '" + queue + "'").body();
            JsonNode dlq = q.path("queue").path("deadLetterQueue");
            if (dlq.isNull() || dlq.isMissingNode()) {
                spec.commandLine().getOut().printf("queue %s has no dead-letter queue: its dead letters are deleted%n", queue);
                return 0;
            }
            List<JsonNode> letters = peek(node, dlq.asText(), max, Duration.ofMillis(500),
                    "cannot read '" + dlq.asText() + "'");
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode d : letters) {
                JsonNode h = d.path("headers");
                out.printf("%s reason=\"%s\" deliveries=%s %s%n", d.path("id").asText(), h.path("dsync-dead-letter-reason").asText(),
                        h.path("dsync-delivery-count").asText("?"), d.has("payload") ? d.path("payload").asText() : "<binary>");
            }
            spec.commandLine().getErr().printf("%d dead letter(s) shown from %s%n", letters.size(), dlq.asText());
            return 0;
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "A queue's configuration and, per partition, its owner, epoch and messages (ready, in flight, delayed, blocked).")
    static final class Stats implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class)
        String queue;

        @Option(names = "--json", description = "Print the node's JSON answer.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode q = request(node, "GET", "/queue/queues/" + NodeHttp.enc(queue), Duration.ofSeconds(15), null,
                    "cannot read queue '" + queue + "'").body();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                LockCommand.printJson(out, q);
                return 0;
            }
            JsonNode meta = q.path("queue");
            out.printf("queue %s: %d messages, %d in flight, %d waiting for the dead-letter queue, oldest %s%n",
                    meta.path("name").asText(), q.path("messages").asLong(), q.path("inFlight").asLong(),
                    q.path("deadLetterDue").asLong(), Duration.ofMillis(q.path("oldestAgeMs").asLong()).toString()
                            .substring(2).toLowerCase(java.util.Locale.ROOT));
            out.printf("rates (messages/s, 1-minute averages): sent %s, delivered %s, acked %s%n",
                    q.path("sentPerSecond").asText("-"), q.path("deliveredPerSecond").asText("-"),
                    q.path("ackedPerSecond").asText("-"));
            if (q.has("deadLetterQueueMessages")) {
                out.printf("dead-letter queue %s: %d messages%n", meta.path("deadLetterQueue").asText(),
                        q.path("deadLetterQueueMessages").asLong());
            }
            out.printf("%-9s %-14s %-14s %6s %8s %6s %9s %7s %7s %8s %8s%n", "PARTITION", "OWNER", "REPLICAS", "EPOCH",
                    "MESSAGES", "READY", "IN-FLIGHT", "DELAYED", "BLOCKED", "SENT/S", "ACKED/S");
            for (JsonNode p : q.path("partitions")) {
                List<String> replicas = new ArrayList<>();
                p.path("replicas").forEach(r -> replicas.add(r.asText()));
                out.printf("%-9d %-14s %-14s %6s %8s %6s %9s %7s %7s %8s %8s%n", p.path("partition").asInt(),
                        p.path("owner").isNull() ? "(none)" : p.path("owner").asText(), String.join(",", replicas),
                        p.path("epoch").asText("-"), p.path("messages").asText("-"), p.path("ready").asText("-"),
                        p.path("inFlight").asText("-"), p.path("delayed").asText("-"), p.path("blocked").asText("-"),
                        p.path("sentPerSecond").asText("-"), p.path("ackedPerSecond").asText("-"));
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete a queue and every message in it, at once (needs the admin token: --token or DSYNC_ADMIN_TOKEN).",
                    "Refused while another queue sends its dead letters to it. Its subscriptions end; calls to it then get "
                            + "'no such queue'. A deletion cut short by a Redis failure is finished by running it again."})
    static final class Delete implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Parameters(index = "0", paramLabel = "QUEUE", converter = Names.QueueName.class)
        String queue;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode r = request(node, "DELETE", "/queue/queues/" + NodeHttp.enc(queue), Duration.ofSeconds(15), null,
                    "cannot delete queue '" + queue + "'").body();
            spec.commandLine().getOut().printf("queue %s deleted: %d partitions, %d messages dropped%s%n", queue,
                    r.path("partitions").asInt(), r.path("messagesDropped").asLong(),
                    r.path("resumed").asBoolean() ? " (an earlier deletion finished)" : "");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The declared queues.")
    static final class ListQueues implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode all = request(node, "GET", "/queue/queues", Duration.ofSeconds(15), null, "cannot list the queues").body();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-30s %10s %12s %8s  %s%n", "QUEUE", "PARTITIONS", "VISIBILITY", "MAX-DEL", "DEAD LETTERS");
            for (JsonNode q : all) {
                out.printf("%-30s %10d %10dms %8d  %s%n", q.path("name").asText(), q.path("partitions").asInt(),
                        q.path("visibilityTimeoutMs").asLong(), q.path("maxDeliveries").asInt(),
                        q.path("deadLetterQueue").isNull() ? "deleted" : q.path("deadLetterQueue").asText());
            }
            return 0;
        }
    }

    @Command(name = "ring", mixinStandardHelpOptions = true,
            description = "The consistent-hash ring of queue nodes and where every queue's partitions live.")
    static final class Ring implements Callable<Integer> {
        @Mixin
        NodeHttp node;

        @Option(names = "--json", description = "Print the node's JSON answer.")
        boolean json;

        @Option(names = "--tokens", description = "Also show every virtual node's ring position, and each partition's.")
        boolean tokens;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            JsonNode ring = request(node, "GET", "/queue/ring?tokens=" + tokens, Duration.ofSeconds(15), null,
                    "cannot read the queue ring").body();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                LockCommand.printJson(out, ring);
                return 0;
            }
            out.printf("ring: %d queue node(s), %d virtual nodes each, bounded load (1+%s) x mean, %d copies per partition%n",
                    ring.path("nodes").size(), ring.path("vnodes").asInt(), ring.path("epsilon").asText(), ring.path("replicas").asInt());
            ring.path("nodes").fields().forEachRemaining(e -> out.printf("  %-14s %s%n", e.getKey(), e.getValue().asText()));
            if (tokens) {
                out.printf("virtual nodes, in ring order (position: node):%n");
                ring.path("tokens").forEach(t -> out.printf("  %20s: %s%n", t.path(0).asText(), t.path(1).asText()));
            }
            for (JsonNode q : ring.path("queues")) {
                out.printf("queue %s (primaries per node: %s)%n", q.path("queue").asText(), q.path("load"));
                for (JsonNode p : q.path("partitions")) {
                    List<String> owners = new ArrayList<>();
                    p.path("owners").forEach(o -> owners.add(o.asText()));
                    out.printf("  %3d -> %-30s owner %-14s epoch %s%s%n", p.path("partition").asInt(), String.join(", ", owners),
                            p.path("owner").isNull() ? "(none)" : p.path("owner").asText(), p.path("epoch").asText("-"),
                            tokens ? "  at " + p.path("position").asText() : "");
                }
            }
            return 0;
        }
    }
}
