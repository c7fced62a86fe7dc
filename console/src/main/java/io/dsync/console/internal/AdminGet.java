package io.dsync.console.internal;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code GET} of one admin API call on one node, answering its JSON body or failing with one line for the user.
 * The Queues and Cache monitors take one so that their tests answer from recorded JSON without a node.
 */
@FunctionalInterface
interface AdminGet {

    /**
     * @param url the whole URL
     * @return the answer's JSON body (a 200)
     * @throws AdminGetException when the node cannot be reached, does not answer in time or answers an error
     */
    JsonNode get(String url) throws AdminGetException;

    /** Why a node's answer is missing: one line for the user (the call, and what went wrong). */
    final class AdminGetException extends Exception {
        private static final long serialVersionUID = 1L;

        AdminGetException(String message) {
            super(message);
        }
    }

    /**
     * @param http calls the nodes with the admin token and {@link AdminHttp#timeoutMillis()} as read timeout
     * @param maxBody the most bytes read of an answer
     * @return GETs over {@code http}
     */
    static AdminGet over(AdminHttp http, int maxBody) {
        return url -> {
            String call = url.replaceFirst("^https?://[^/]+", "");
            try {
                AdminHttp.Answer a = http.call("GET", url, http.timeoutMillis(), maxBody);
                if (a.status() != 200 || a.body() == null) {
                    throw new AdminGetException(call + ": " + LockJsonReader.error(a.status(), a.body()));
                }
                return a.body();
            } catch (SocketTimeoutException e) {
                throw new AdminGetException(call + ": no answer within " + http.timeoutMillis() + " ms");
            } catch (IOException e) {
                String m = e.getMessage();
                throw new AdminGetException(call + ": " + e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
            }
        };
    }

    /** One read of a poll: what a reader makes of one or more answers. */
    @FunctionalInterface
    interface Read {
        Object run() throws AdminGetException;
    }

    /**
     * Runs a read on {@code executor}.
     *
     * @return the read's value, or its problem as one line (a {@code String}): it never completes exceptionally
     */
    static CompletableFuture<Object> async(Read read, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return read.run();
            } catch (AdminGetException | IllegalArgumentException e) {
                return e.getMessage();
            }
        }, executor).exceptionally(t -> "failed: " + t);
    }

    /** @return the name as one path segment or query value of a URL */
    static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
