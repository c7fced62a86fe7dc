package io.dsync.itests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsync.devkit.ClusterNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The cache HTTP API of one node ({@code /cache/caches}), for tests: every call goes through that node's cache client,
 * so it is an operation of the coherent cache like any other. A call that does not answer 200 throws
 * {@link CacheHttp.Failed} with the status, except a read, which answers {@code null} for an absent key.
 */
final class CacheHttp {

    static final class Failed extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        Failed(int status, String body) {
            super("HTTP " + status + ": " + body);
            this.status = status;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Longer than the cache's operation timeout (10 s), so that the node answers first. */
    private static final Duration TIMEOUT = Duration.ofSeconds(13);

    private final ClusterNode node;
    private final String token;

    CacheHttp(ClusterNode node) {
        this(node, null);
    }

    /** Calls with the cluster's admin token ({@code null}: none configured). */
    CacheHttp(ClusterNode node, String token) {
        this.node = node;
        this.token = token;
    }

    ClusterNode node() {
        return node;
    }

    void declare(String cache, String writeMode) throws IOException, InterruptedException {
        send("PUT", "/cache/caches/" + cache, "{\"writeMode\":\"" + writeMode + "\"}");
    }

    /** The value, or {@code null} when the key has none. */
    String get(String cache, String key) throws IOException, InterruptedException {
        JsonNode answer = send("GET", entry(cache, key), null);
        return answer.path("present").asBoolean() ? answer.path("value").asText() : null;
    }

    void put(String cache, String key, String value) throws IOException, InterruptedException {
        send("PUT", entry(cache, key), JSON.createObjectNode().put("value", value).toString());
    }

    long increment(String cache, String key) throws IOException, InterruptedException {
        return send("POST", "/cache/caches/" + cache + "/increment?key=" + enc(key), null).path("value").asLong();
    }

    JsonNode stats(String cache) throws IOException, InterruptedException {
        return send("GET", "/cache/caches/" + cache, null);
    }

    private static String entry(String cache, String key) {
        return "/cache/caches/" + cache + "/entry?key=" + enc(key);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> resp = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new Failed(resp.statusCode(), resp.body());
        }
        return JSON.readTree(resp.body());
    }
}
