package io.dsync.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request that is refused or failed, as the client sees it: an HTTP status, a stable machine-readable
 * {@link #code() code} that clients (the CLI, scripts) branch on, a message for the person who sent the request, and
 * optional extra JSON fields (e.g. a deadlock's {@code cycle}). {@link HttpJson#writeError} writes it as
 * {@code {"error": <code>, "message": <message>, ...extra}}.
 *
 * <p>Throw it from a servlet's {@link HttpCalls.Call}; {@link HttpCalls#handle} answers with it. It is control flow,
 * not a bug report, so it carries no stack trace and nothing logs it at ERROR.
 *
 * <p>Codes are lower-case words with dashes. The shared ones are constants here; a bundle may add its own (the lock
 * API answers {@code timeout}, {@code deadlock}, {@code no-quorum}...). A code, once published, keeps its meaning.
 *
 * <p>Immutable and thread-safe.
 */
public final class HttpError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** 400: the request is malformed or names something impossible. */
    public static final String INVALID = "invalid";
    /** 401: a token is required and was missing or wrong. */
    public static final String TOKEN = "token";
    /** 403: the operation is switched off on this node because it has no admin token. */
    public static final String ADMIN_DISABLED = "admin-disabled";
    /** 404: no such resource. */
    public static final String NOT_FOUND = "not-found";
    /**
     * 404: nothing on this node serves the path (no bundle of the node has an API there), unlike {@link #NOT_FOUND},
     * which an API answers about a resource it does not have.
     *
     * @since 1.2
     */
    public static final String NO_API = "no-api";
    /**
     * 503: the API that serves the path on this node is not running right now (its bundle is stopping, updating or
     * starting): the request reached no API, took no effect, and can be sent again.
     *
     * @since 1.2
     */
    public static final String API_DOWN = "api-down";
    /** 405: the resource exists but does not support the method. */
    public static final String METHOD = "method";
    /** 409: the request conflicts with the current state. */
    public static final String CONFLICT = "conflict";
    /** 500: a bug of the node; the node log has the stack trace. */
    public static final String INTERNAL = "internal";
    /** 503: the node is stopping and gave up the request. */
    public static final String INTERRUPTED = "interrupted";

    private final int status;
    private final String code;
    private final transient Map<String, Object> extra;

    /**
     * @param status an HTTP error status, 400 to 599
     * @param code a stable machine-readable code, e.g. {@link #NOT_FOUND}
     * @param message what went wrong, for the person who sent the request
     */
    public HttpError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    /**
     * @param status an HTTP error status, 400 to 599
     * @param code a stable machine-readable code
     * @param message what went wrong, for the person who sent the request
     * @param extra further fields of the JSON body, in order; not {@code error} or {@code message}
     * @throws IllegalArgumentException when the status is not an error status, the code is blank, or {@code extra}
     *         would overwrite {@code error} or {@code message}
     */
    public HttpError(int status, String code, String message, Map<String, ?> extra) {
        // No stack trace: this is an answer, built where the refusal is decided; a trace would only cost time.
        super(Objects.requireNonNull(message, "message"), null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an HttpError needs a 4xx or 5xx status, got " + status);
        }
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("an HttpError needs a code");
        }
        if (extra.containsKey("error") || extra.containsKey("message")) {
            throw new IllegalArgumentException("extra fields cannot replace 'error' or 'message'");
        }
        this.status = status;
        this.code = code;
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** @return 400 {@link #INVALID} */
    public static HttpError invalid(String message) {
        return new HttpError(400, INVALID, message);
    }

    /** @return 404 {@link #NOT_FOUND} */
    public static HttpError notFound(String message) {
        return new HttpError(404, NOT_FOUND, message);
    }

    /** @return 409 with the given code ({@link #CONFLICT} when nothing more precise fits) */
    public static HttpError conflict(String code, String message) {
        return new HttpError(409, code, message);
    }

    /**
     * A declaration refused because the thing exists with another configuration: names the fields that differ, as a
     * person reads them (not the records' {@code toString}).
     *
     * @param what what was declared, for instance {@code "queue 'orders'"}
     * @param existing the stored configuration (a record)
     * @param requested the requested one, of the same record type
     * @param advice what to do about it, appended after a semicolon; may be empty
     * @return 409 {@link #CONFLICT}, e.g. "queue 'orders' already exists with maxDeliveries 3 (requested 4)"
     * @since 1.3
     */
    public static HttpError configConflict(String what, Record existing, Record requested, String advice) {
        StringBuilder m = new StringBuilder(what).append(" already exists with ");
        String separator = "";
        for (java.lang.reflect.RecordComponent c : existing.getClass().getRecordComponents()) {
            try {
                Object was = c.getAccessor().invoke(existing);
                Object wanted = c.getAccessor().invoke(requested);
                if (!Objects.equals(was, wanted)) {
                    m.append(separator).append(c.getName()).append(' ').append(shown(was)).append(" (requested ")
                            .append(shown(wanted)).append(')');
                    separator = ", ";
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        if (separator.isEmpty()) {
            m.append("another configuration");
        }
        return conflict(CONFLICT, advice.isEmpty() ? m.toString() : m + "; " + advice);
    }

    private static String shown(Object value) {
        if (value == null) {
            return "none";
        }
        if (value instanceof java.time.Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
        }
        if (value instanceof CharSequence) {
            return "'" + value + "'";
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
        return value.toString();
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the machine-readable code, written as the body's {@code error} field */
    public String code() {
        return code;
    }

    /** @return the further fields of the body, in order; unmodifiable, may be empty */
    public Map<String, Object> extra() {
        return extra == null ? Map.of() : extra; // null only after Java deserialization
    }

    @Override
    public String toString() {
        return "HttpError " + status + " " + code + ": " + getMessage();
    }
}
