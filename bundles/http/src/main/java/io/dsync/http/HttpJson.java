package io.dsync.http;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import jakarta.servlet.http.HttpServletResponse;

/**
 * The one way dsync servlets write JSON, and the one error shape of every bundle:
 * <pre>
 * {"error": "&lt;code&gt;", "message": "&lt;text for a person&gt;", ...extra fields}
 * </pre>
 * Clients read {@code error} as the machine-readable code (see {@link HttpError}) and show {@code message}.
 *
 * <p>Bodies are serialized before anything is sent, so a body that cannot be serialized still leaves the response
 * uncommitted (and {@link HttpCalls#handle} answers 500 instead of half a document); then the response gets a
 * {@code Content-Length}, {@code Cache-Control: no-store} and is closed.
 *
 * <p>Thread-safety: all methods are safe for concurrent use.
 */
public final class HttpJson {

    /** The realm named in {@code WWW-Authenticate} on every 401. */
    public static final String REALM = "dsync";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HttpJson() {
    }

    /**
     * The shared mapper: indented output, Jackson's defaults otherwise. Thread-safe for reading and writing; do not
     * reconfigure it (that would change every bundle's output) — {@link ObjectMapper#copy() copy()} it to add a
     * module, as the metrics servlet does.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Writes {@code body} as the JSON response with the given status, through the shared mapper.
     *
     * @param body the body; {@code null} for a response without a body (e.g. 204)
     * @throws IOException when the client cannot be written to (see {@link HttpCalls#isClientGone})
     * @throws IllegalArgumentException when {@code body} cannot be serialized (a bug); nothing was sent then
     */
    public static void write(HttpServletResponse resp, int status, Object body) throws IOException {
        write(resp, status, body, MAPPER);
    }

    /**
     * Writes {@code body} as the JSON response with the given status, through {@code mapper}.
     *
     * @throws IOException when the client cannot be written to
     * @throws IllegalArgumentException when {@code body} cannot be serialized (a bug); nothing was sent then
     */
    public static void write(HttpServletResponse resp, int status, Object body, ObjectMapper mapper) throws IOException {
        byte[] bytes;
        try {
            bytes = body == null ? null : mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + body.getClass().getName() + " as JSON: " + e.getOriginalMessage(), e);
        }
        resp.setStatus(status);
        resp.setHeader("Cache-Control", "no-store");
        if (bytes == null) {
            resp.setContentLength(0);
            return;
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setContentLength(bytes.length);
        // Closing completes the response here, on our stack, so a client that hung up surfaces as our IOException
        // (handled by HttpCalls) instead of in the container after the servlet returned. Not try-with-resources:
        // after a failed write, close() may throw the very same exception, which cannot suppress itself.
        OutputStream out = resp.getOutputStream();
        out.write(bytes);
        out.close();
    }

    /**
     * Writes the error shape, and {@code WWW-Authenticate: Bearer realm="dsync"} with a 401.
     *
     * @throws IOException when the client cannot be written to
     */
    public static void writeError(HttpServletResponse resp, HttpError error) throws IOException {
        if (error.status() == 401) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
        }
        write(resp, error.status(), errorBody(error));
    }

    /** @return the body {@link #writeError} writes: {@code error}, {@code message}, then the extra fields in order */
    public static Map<String, Object> errorBody(HttpError error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error.code());
        body.put("message", error.getMessage());
        body.putAll(error.extra());
        return body;
    }
}
