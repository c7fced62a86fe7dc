package io.dsync.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;

/**
 * Reading a request in an admin API servlet: the path below the servlet, a JSON body, numeric query parameters. Bad
 * input becomes an {@link HttpError} (400 {@code invalid}) whose message names the parameter.
 *
 * @since 1.1
 */
public final class HttpRequests {

    private HttpRequests() {
    }

    /** @return the segments of the path below the servlet's pattern ({@code /a/b} gives {@code [a, b]}), maybe none */
    public static String[] path(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (info == null || info.equals("/")) {
            return new String[0];
        }
        return info.substring(1).split("/");
    }

    /**
     * Reads the body as JSON; an empty body is an empty object. Read it before the first {@code getParameter}: a body
     * sent as a form would otherwise be consumed as parameters.
     *
     * @throws HttpError 400 when the body is not JSON
     */
    public static JsonNode jsonBody(HttpServletRequest req) {
        try {
            JsonNode node = HttpJson.mapper().readTree(req.getInputStream());
            return node == null || node.isMissingNode() ? HttpJson.mapper().createObjectNode() : node;
        } catch (JsonProcessingException e) {
            // Jackson's own message ends with where it was, naming its settings; say where in the caller's terms.
            JsonLocation at = e.getLocation();
            throw HttpError.invalid("the body is not JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw HttpError.invalid("the body could not be read: " + e.getMessage());
        }
    }

    /** @return the parameter, or {@code fallback} when it is missing or blank */
    public static String param(HttpServletRequest req, String name, String fallback) {
        String v = req.getParameter(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /**
     * @return the parameter as a whole number from {@code min} to {@code max}, or {@code fallback} when it is missing
     * @throws HttpError 400 when it is not a whole number in that range
     */
    public static long longParam(HttpServletRequest req, String name, long fallback, long min, long max) {
        String v = param(req, name, null);
        if (v == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw HttpError.invalid(name + " must be a whole number, was '" + v + "'");
        }
        if (value < min || value > max) {
            throw HttpError.invalid(name + " must be from " + min + " to " + max + ", was " + value);
        }
        return value;
    }

    /** As {@link #longParam}, for an {@code int}. */
    public static int intParam(HttpServletRequest req, String name, int fallback, int min, int max) {
        return (int) longParam(req, name, fallback, min, max);
    }
}
