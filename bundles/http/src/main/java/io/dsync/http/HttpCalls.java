package io.dsync.http;

import java.io.IOException;
import java.util.function.Function;

import org.slf4j.Logger;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Runs one request of a servlet and turns its outcome into the response, the same way in every bundle:
 * <ul>
 * <li>a {@link Reply} is written as JSON with its status ({@link HttpJson#write});</li>
 * <li>an {@link HttpError} is written in the error shape ({@link HttpJson#writeError}); nothing is logged;</li>
 * <li>an {@link InterruptedException} answers 503 {@link HttpError#INTERRUPTED} and keeps the thread interrupted;</li>
 * <li>any other exception, after the optional translation into an {@code HttpError}, is a bug of the node: 500
 * {@link HttpError#INTERNAL}, logged once at ERROR with its stack trace, for the operator to report;</li>
 * <li>a client that hung up (closed its connection before or while we answered, see {@link #isClientGone}) is not an
 * error of the node: logged once at DEBUG, without a stack trace, and nothing more is written.</li>
 * </ul>
 *
 * <p>Thread-safety: stateless; the methods are safe for concurrent use.
 */
public final class HttpCalls {

    private HttpCalls() {
    }

    /** The work of one request: returns the answer or throws {@link HttpError} (or anything else, which is a bug). */
    @FunctionalInterface
    public interface Call {
        /** @return the answer; {@link Reply#written()} when the call wrote the response itself */
        Reply call() throws Exception;
    }

    /**
     * An answer: a status and a body written as JSON ({@code null} for none).
     *
     * @param status an HTTP status (100 to 599), or 0 for {@link #written()}
     * @param body the JSON body, or {@code null}
     */
    public record Reply(int status, Object body) {

        private static final Reply WRITTEN = new Reply(0, null);

        /** @throws IllegalArgumentException when the status is not an HTTP status */
        public Reply {
            if (status != 0 && (status < 100 || status > 599)) {
                throw new IllegalArgumentException("not an HTTP status: " + status);
            }
        }

        /** @return 200 with {@code body} */
        public static Reply ok(Object body) {
            return new Reply(200, body);
        }

        /** @return {@code status} with {@code body} */
        public static Reply of(int status, Object body) {
            return new Reply(status, body);
        }

        /** @return the answer of a call that wrote the response itself (a non-JSON body, e.g. Prometheus text) */
        public static Reply written() {
            return WRITTEN;
        }
    }

    /**
     * Runs {@code call} and answers; never throws.
     *
     * @param log the servlet's logger, for the ERROR of a bug and the DEBUG of a client that hung up
     */
    public static void handle(HttpServletRequest req, HttpServletResponse resp, Logger log, Call call) {
        handle(req, resp, log, e -> null, call);
    }

    /**
     * Runs {@code call} and answers; never throws.
     *
     * @param log the servlet's logger, for the ERROR of a bug and the DEBUG of a client that hung up
     * @param errors translates a bundle's own exceptions (e.g. a lock timeout) into the answer; returns {@code null}
     *        for an exception it does not know, which is then a bug (500)
     */
    public static void handle(HttpServletRequest req, HttpServletResponse resp, Logger log,
                              Function<? super Exception, HttpError> errors, Call call) {
        HttpError error;
        try {
            Reply reply = call.call();
            if (reply == null) {
                throw new IllegalStateException("the call returned no reply; return Reply.written() when it wrote the response itself");
            }
            error = reply == Reply.WRITTEN ? null : send(req, resp, log, reply);
        } catch (HttpError e) {
            error = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = new HttpError(503, HttpError.INTERRUPTED, "the node is stopping; try again or try another node");
        } catch (Exception e) {
            if (isClientGone(e)) {
                hungUp(req, log, e);
                return;
            }
            HttpError translated = errors.apply(e);
            error = translated != null ? translated : bug(req, log, e);
        }
        if (error == null) {
            return;
        }
        if (resp.isCommitted()) {
            // The call wrote part of its answer itself before it failed: a second status cannot be sent.
            log.debug("{} {}: answer already committed, cannot send {} {}", req.getMethod(), req.getRequestURI(),
                    error.status(), error.code());
            return;
        }
        try {
            resp.resetBuffer();
            HttpJson.writeError(resp, error);
        } catch (IOException e) {
            failedWrite(req, log, e);
        } catch (IllegalArgumentException e) {
            // The extra fields of the error cannot be serialized: a bug, but the client still deserves an answer.
            HttpError internal = bug(req, log, e);
            try {
                resp.resetBuffer();
                HttpJson.writeError(resp, internal);
            } catch (IOException | IllegalArgumentException again) {
                log.debug("{} {}: could not send the 500 either: {}", req.getMethod(), req.getRequestURI(), again.toString());
            }
        }
    }

    /**
     * Whether {@code t} says that the client closed its connection ({@link ClientHangUp#causedBy}).
     *
     * @param t a failure, or {@code null}
     * @return whether it is a client that hung up
     */
    public static boolean isClientGone(Throwable t) {
        return ClientHangUp.causedBy(t);
    }

    /** Writes a reply. @return {@code null}, or the error to send instead when the body cannot be serialized */
    private static HttpError send(HttpServletRequest req, HttpServletResponse resp, Logger log, Reply reply) {
        try {
            HttpJson.write(resp, reply.status(), reply.body());
            return null;
        } catch (IllegalArgumentException e) {
            return bug(req, log, e);
        } catch (IOException e) {
            failedWrite(req, log, e);
            return null;
        }
    }

    private static HttpError bug(HttpServletRequest req, Logger log, Exception e) {
        log.error("{} {} failed", req.getMethod(), req.getRequestURI(), e);
        return new HttpError(500, HttpError.INTERNAL, "internal error (" + e + "); the node's log has the details");
    }

    private static void failedWrite(HttpServletRequest req, Logger log, IOException e) {
        if (isClientGone(e)) {
            hungUp(req, log, e);
        } else {
            // An I/O failure towards the client (e.g. a write timeout): the network's business, not a bug of the node.
            log.warn("{} {}: could not send the answer: {}", req.getMethod(), req.getRequestURI(), e.toString());
        }
    }

    private static void hungUp(HttpServletRequest req, Logger log, Exception e) {
        log.debug("{} {}: the client hung up before the answer was complete ({})", req.getMethod(), req.getRequestURI(), e.toString());
    }
}
