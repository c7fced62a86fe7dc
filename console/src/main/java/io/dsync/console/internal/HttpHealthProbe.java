package io.dsync.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code GET <adminUrl>/health} with {@link HttpURLConnection}: it starts no thread of its own (the JDK's HTTP client
 * keeps a selector thread per client until it is collected, which a bundle that stops cannot wait for). The admin
 * token, when the node has one, is sent as {@code Authorization: Bearer}; {@code /health} itself does not need it,
 * the admin APIs the console calls later do.
 *
 * <p>Thread-safe.
 */
final class HttpHealthProbe implements HealthProbe {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 1 << 20;

    private final int timeoutMillis;
    private final String token;

    /**
     * @param timeoutMillis connect and read timeout each
     * @param token the admin token, or blank for none
     */
    HttpHealthProbe(int timeoutMillis, String token) {
        this.timeoutMillis = timeoutMillis;
        this.token = token == null || token.isBlank() ? null : token.trim();
    }

    @Override
    public HealthReport probe(String adminUrl) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(adminUrl + "/health").toURL().openConnection();
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setRequestProperty("Accept", "application/json");
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in == null) {
                return new HealthReport(true, "DEGRADED", List.of("/health answered " + status + " without a body"), null, null);
            }
            JsonNode body;
            try (InputStream body0 = in) {
                body = JSON.readTree(body0.readNBytes(MAX_BODY));
            }
            return parse(status, body);
        } catch (IOException | IllegalArgumentException e) {
            return HealthReport.unreachable(describe(e));
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /** Reads the body of {@code /health} (see the admin bundle's HealthServlet). */
    static HealthReport parse(int status, JsonNode body) {
        if (body == null || !body.isObject()) {
            return new HealthReport(true, "DEGRADED", List.of("/health answered " + status + " with no JSON object"), null, null);
        }
        String reported = body.path("status").asText(null);
        List<String> problems = new ArrayList<>();
        body.path("problems").forEach(p -> problems.add(p.asText()));
        if (reported == null) {
            problems.add("/health answered " + status + " without a status");
        }
        String state = status == 200 && "UP".equals(reported) ? "UP" : "DEGRADED";
        JsonNode redis = body.path("redis");
        Boolean redisReachable = redis.has("reachable") ? redis.get("reachable").asBoolean() : null;
        Long latency = redis.hasNonNull("latencyMicros") ? redis.get("latencyMicros").asLong() : null;
        return new HealthReport(true, state, problems, redisReachable, latency);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
