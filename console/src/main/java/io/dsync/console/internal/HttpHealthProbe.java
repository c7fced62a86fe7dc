package io.dsync.console.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code GET <adminUrl>/health} through {@link AdminHttp}. Thread-safe. */
final class HttpHealthProbe implements HealthProbe {

    private static final int MAX_BODY = 1 << 20;

    private final AdminHttp http;

    /** @param http calls the nodes' admin APIs */
    HttpHealthProbe(AdminHttp http) {
        this.http = http;
    }

    @Override
    public HealthReport probe(String adminUrl) {
        try {
            AdminHttp.Answer a = http.call("GET", adminUrl + "/health", http.timeoutMillis(), MAX_BODY);
            if (a.body() == null) {
                return new HealthReport(true, "DEGRADED", List.of("/health answered " + a.status() + " without a body"), null, null);
            }
            return parse(a.status(), a.body());
        } catch (IOException e) {
            return HealthReport.unreachable(describe(e));
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
