package io.dsync.queue.protocol;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.ObjectMapper;

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

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A node that did not answer a batch: the calls' outcome is unknown. */
    static final class NodeUnreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NodeUnreachable(String message) {
            super(message, null, false, false);
        }
    }

    private record Pending(Op op, CompletableFuture<OpReply> reply) {
    }

    private final String url;
    private final HttpClient http;
    private final Duration timeout;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private int inFlight;

    NodeBatcher(String url, HttpClient http, Duration timeout) {
        this.url = url;
        this.http = http;
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
        while (!waiting.isEmpty() && batch.size() < MAX_OPS) {
            batch.add(waiting.poll());
        }
        return batch;
    }

    private void send(List<Pending> batch) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url + QueueWire.NODE_PATH + "/batch")).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(
                            JSON.writeValueAsBytes(new BatchRequest(batch.stream().map(Pending::op).toList()))))
                    .build();
        } catch (IOException | RuntimeException e) {
            done(batch, null, new IllegalArgumentException("cannot encode a queue call: " + e, e));
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((resp, error) -> {
            if (error != null) {
                done(batch, null, new NodeUnreachable(url + " did not answer: " + error));
                return;
            }
            try {
                if (resp.statusCode() != 200) {
                    done(batch, null, new NodeUnreachable(url + " answered HTTP " + resp.statusCode() + " to a batch"));
                    return;
                }
                BatchReply reply = JSON.readValue(resp.body(), BatchReply.class);
                if (reply.replies() == null || reply.replies().size() != batch.size()) {
                    done(batch, null, new NodeUnreachable(url + " answered a batch of " + batch.size() + " calls with "
                            + (reply.replies() == null ? 0 : reply.replies().size()) + " answers"));
                    return;
                }
                done(batch, reply.replies(), null);
            } catch (IOException e) {
                done(batch, null, new NodeUnreachable(url + " answered something unreadable: " + e));
            }
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
        synchronized (this) {
            inFlight--;
            more = next();
        }
        if (more != null) {
            send(more);
        }
    }
}
