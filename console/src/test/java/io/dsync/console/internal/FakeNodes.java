package io.dsync.console.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

/** A registry and nodes' admin APIs for the monitors' tests: answers by URL, a failure for a URL not set. */
final class FakeNodes implements AdminGet {

    static final ObjectMapper JSON = new ObjectMapper();

    final List<NodeInfo> nodes = new CopyOnWriteArrayList<>();
    final Map<String, JsonNode> answers = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    static NodeInfo node(String id, int port, String... roles) {
        return new NodeInfo(id, id + "-1", "default", List.of(roles), "127.0.0.1", Map.of("admin", port), List.of(),
                null, null, "test");
    }

    FakeNodes add(NodeInfo n) {
        nodes.add(n);
        return this;
    }

    /** Answers {@code json} at {@code url} (from the port on: {@code :8101/queue/ring?tokens=true}). */
    FakeNodes answer(String url, String json) {
        try {
            answers.put("http://127.0.0.1" + url, JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    FakeNodes answer(String url, JsonNode json) {
        answers.put("http://127.0.0.1" + url, json);
        return this;
    }

    @Override
    public JsonNode get(String url) throws AdminGetException {
        calls.add(url);
        JsonNode a = answers.get(url);
        if (a == null) {
            throw new AdminGetException(url.replaceFirst("^http://[^/]+", "") + ": ConnectException: Connection refused");
        }
        return a;
    }

    NodeRegistry registry() {
        return new NodeRegistry() {
            @Override
            public NodeInfo self() {
                return nodes.get(0);
            }

            @Override
            public List<NodeInfo> nodes() {
                return new ArrayList<>(nodes);
            }

            @Override
            public Optional<Instant> lastHeartbeat() {
                return Optional.empty();
            }

            @Override
            public Optional<String> problem() {
                return Optional.empty();
            }
        };
    }
}
