package io.dsync.platform.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options and HTTP plumbing shared by the commands that talk to one node's HTTP API ({@code dsync lock ...}):
 * which node, which token, and answers turned into one-line errors.
 */
final class NodeHttp {

    /** How long a request is sent again while the node says its API is restarting ({@code 503 api-down}). */
    static final Duration API_DOWN_PATIENCE = Duration.ofSeconds(10);

    /** @return whether the node answered that the API of the path is restarting ({@code 503 api-down}) */
    private static boolean apiDown(HttpResponse<String> r) {
        if (r.statusCode() != 503) {
            return false;
        }
        try {
            return "api-down".equals(json().readTree(r.body()).path("error").asText());
        } catch (IOException e) {
            return false;
        }
    }

    @Option(names = "--node", defaultValue = "${env:DSYNC_NODE:-http://127.0.0.1:8080}",
            description = "Admin URL of a node of the cluster (default: ${DEFAULT-VALUE}: env DSYNC_NODE, else "
                    + "http://127.0.0.1:8080, the demo's).")
    String node;

    @Option(names = "--token", defaultValue = "${env:DSYNC_ADMIN_TOKEN}",
            description = "The node's admin token, if it has one (env DSYNC_ADMIN_TOKEN).")
    String token;

    /**
     * Jackson's mapper, made on first use. Picocli builds the options of every command (this class is a mixin of 23)
     * for any command line, so what this class holds in fields or statics is paid by {@code dsync --help} too.
     */
    static ObjectMapper json() {
        return Json.MAPPER;
    }

    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** One HTTP client for the process, made on the first request (each client starts a selector thread). */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /** An answer of the node: status and parsed JSON body ({@code null} when empty). */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status / 100 == 2;
        }

        /** The node's error kind, e.g. {@code timeout}, {@code deadlock}, {@code no-quorum}. */
        String error() {
            return body == null ? "" : body.path("error").asText("");
        }

        String message() {
            return body == null ? "HTTP " + status : body.path("message").asText("HTTP " + status);
        }
    }

    Answer get(String pathAndQuery, Duration timeout) {
        return send("GET", pathAndQuery, timeout);
    }

    Answer send(String method, String pathAndQuery, Duration timeout) {
        return send(method, pathAndQuery, timeout, null);
    }

    /**
     * Sends a request; the node's failures come back as answers, only an unreachable node throws.
     *
     * @param missing what to tell the user when the node serves no such path (a plain 404), or {@code null} for "no
     *     lock API"
     * @throws Dsync.CliException when the node cannot be reached, does not answer in time, or serves no such path
     */
    Answer send(String method, String pathAndQuery, Duration timeout, String missing) {
        return send(method, pathAndQuery, timeout, missing, null);
    }

    /**
     * Sends a request with a JSON body ({@code null} for none); see {@link #send(String, String, Duration, String)}.
     */
    Answer send(String method, String pathAndQuery, Duration timeout, String missing, Object json) {
        URI uri;
        try {
            uri = URI.create(base() + pathAndQuery);
        } catch (IllegalArgumentException e) {
            throw new Dsync.CliException("--node must be an http:// URL, got '" + node + "'", 2);
        }
        HttpRequest.BodyPublisher publisher;
        try {
            publisher = json == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(json().writeValueAsBytes(json));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(uri).timeout(timeout).method(method, publisher);
        } catch (IllegalArgumentException e) {
            throw new Dsync.CliException("--node must be an http:// URL with a host and a numeric port, got '" + node + "'", 2);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token.trim());
        }
        try {
            HttpRequest request = b.build();
            HttpResponse<String> r = Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            // The API is restarting on that node (a bundle update): the request took no effect; send it again, once a
            // second (the answer's Retry-After), for as long as the caller's timeout and the patience allow.
            long giveUp = System.nanoTime() + Math.min(API_DOWN_PATIENCE.toNanos(), timeout.toNanos());
            while (apiDown(r) && System.nanoTime() + 1_000_000_000L < giveUp) {
                Thread.sleep(1_000);
                r = Http.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            }
            JsonNode body = null;
            if (!r.body().isBlank()) {
                try {
                    body = json().readTree(r.body());
                } catch (IOException e) {
                    if (r.statusCode() != 404) { // a plain 404 (an HTML page from the HTTP server) means no such API
                        throw new Dsync.CliException("node " + node + " answered " + r.statusCode()
                                + " with something else than JSON: " + r.body().lines().findFirst().orElse(""));
                    }
                }
            }
            // No API at the path: a node's own answer since http 1.2 ("no-api"), a container's HTML page before.
            if (r.statusCode() == 404
                    && (body == null || !body.has("error") || "no-api".equals(body.path("error").asText()))) {
                throw new Dsync.CliException(missing != null ? "node " + node + " " + missing
                        : "node " + node + " has no lock API (" + method + " " + uri.getPath()
                                + " answered 404): is it a dsync node of this version?");
            }
            if (r.statusCode() == 401) {
                // The node names the header; the command line's way to send it is --token.
                String why = body == null ? "" : body.path("message").asText("");
                throw new Dsync.CliException("node " + node + " refused the request without the right admin token"
                        + (why.isEmpty() ? "" : " (" + why + ")") + ": pass it with --token or DSYNC_ADMIN_TOKEN "
                        + "(the node's --admin-token; 'dsync demo' and 'dsync dev' print it)", 2);
            }
            return new Answer(r.statusCode(), body);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new Dsync.CliException("cannot reach node " + node + ": is it running? (start one with 'dsync demo'; "
                    + "'dsync status' lists the nodes; --node or DSYNC_NODE picks another)");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new Dsync.CliException("node " + node + " did not answer within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new Dsync.CliException("request to node " + node + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Dsync.CliException("interrupted");
        }
    }

    private String base() {
        String b = node.trim();
        if (!b.startsWith("http://") && !b.startsWith("https://")) {
            throw new Dsync.CliException("--node must be an http:// URL, got '" + node + "'", 2);
        }
        return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }

    /**
     * The same failure, with the API's field names in its message replaced by the options that set them (the node
     * says "maxDeliveries must be...", the user typed --max-deliveries).
     */
    static Dsync.CliException withOptionNames(Dsync.CliException e, Map<String, String> optionOfField) {
        String message = e.getMessage();
        for (Map.Entry<String, String> f : optionOfField.entrySet()) {
            message = message.replaceAll("\\b" + f.getKey() + "\\b",
                    java.util.regex.Matcher.quoteReplacement(f.getValue()));
        }
        return new Dsync.CliException(message, e.exitCode());
    }

    static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Reads {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, plain seconds ({@code 0}, {@code 30}) or ISO-8601 ({@code PT10S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            Matcher m = SIMPLE.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2) == null ? "s" : m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            try {
                return Duration.parse(value.trim());
            } catch (java.time.format.DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: use e.g. 0, 500ms, 10s, 2m, 1h");
            }
        }
    }
}
