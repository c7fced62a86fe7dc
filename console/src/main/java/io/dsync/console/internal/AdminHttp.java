package io.dsync.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Calls to the nodes' admin HTTP APIs: {@link HttpURLConnection}, which starts no thread of its own (the JDK's HTTP
 * client keeps a selector thread per client until it is collected, which a bundle that stops cannot wait for), JSON
 * answers, and the node's admin token as {@code Authorization: Bearer} when there is one. Thread-safe.
 */
final class AdminHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A node's answer.
     *
     * @param status the HTTP status
     * @param body the JSON body, or {@code null} when there is none (or an error status came with something else)
     */
    record Answer(int status, JsonNode body) {
    }

    private final int timeoutMillis;
    private final Supplier<String> token;

    /**
     * @param timeoutMillis connect timeout, and read timeout unless a call says otherwise
     * @param token the admin token, or blank for none
     */
    AdminHttp(int timeoutMillis, String token) {
        this(timeoutMillis, () -> token);
    }

    /**
     * @param timeoutMillis connect timeout, and read timeout unless a call says otherwise
     * @param token the admin token as it is now (blank or null for none), asked at every call: a changed token
     *     applies to the next call
     */
    AdminHttp(int timeoutMillis, Supplier<String> token) {
        this.timeoutMillis = timeoutMillis;
        this.token = token;
    }

    /** @return the connect (and default read) timeout */
    int timeoutMillis() {
        return timeoutMillis;
    }

    /**
     * @param method {@code GET}, {@code DELETE} ...
     * @param url the whole URL
     * @param readTimeoutMillis how long to wait for the answer
     * @param maxBody the most bytes of body read
     * @return the answer
     * @throws IOException when the node cannot be reached, does not answer in time
     *     ({@link java.net.SocketTimeoutException}), or answers a success with something that is not JSON
     */
    Answer call(String method, String url, int readTimeoutMillis, int maxBody) throws IOException {
        return call(method, url, readTimeoutMillis, maxBody, null);
    }

    /**
     * As {@link #call(String, String, int, int)}, sending {@code requestBody} (a JAR, say) as
     * {@code application/octet-stream}, streamed in fixed-length mode (no copy of it in the connection).
     *
     * @param requestBody the request body, or {@code null} for none
     */
    Answer call(String method, String url, int readTimeoutMillis, int maxBody, byte[] requestBody) throws IOException {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(readTimeoutMillis);
            c.setRequestProperty("Accept", "application/json");
            String t = token.get();
            if (t != null && !t.isBlank()) {
                c.setRequestProperty("Authorization", "Bearer " + t.trim());
            }
            if (requestBody != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/octet-stream");
                c.setFixedLengthStreamingMode(requestBody.length);
                try (var out = c.getOutputStream()) {
                    out.write(requestBody);
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in == null) {
                return new Answer(status, null);
            }
            try (InputStream body = in) {
                byte[] bytes = body.readNBytes(maxBody);
                return new Answer(status, bytes.length == 0 ? null : JSON.readTree(bytes));
            } catch (JacksonException e) {
                if (status >= 400) {
                    return new Answer(status, null);
                }
                throw new IOException(url + " answered " + status + " with something that is not JSON");
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL: " + url, e);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }
}
