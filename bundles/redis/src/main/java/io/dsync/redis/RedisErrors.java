package io.dsync.redis;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * One short line for a Redis failure, for logs and error answers.
 * <p>
 * Redisson's messages carry the command with its parameters (whole Lua scripts, buffers), object identities that
 * differ on every attempt, and advice that does not fit the usual cause ("Increase connection pool size" when Redis
 * does not answer at all): logged as they are, one failure fills a screen, and "log each distinct problem once" logs
 * every attempt. This keeps the exception's class and the first sentence of its message.
 */
public final class RedisErrors {

    /** The longest description returned, ellipsis included. */
    static final int MAX_LENGTH = 160;

    /** Where Redisson's first sentence ends: the command's parameters, the node or connection details follow. */
    private static final Pattern END = Pattern.compile("\\R|!|, params:|\\. | Node source:|, connection:|, command:");
    /** Object identities ({@code CompletableFuture@95ce663}): they make equal failures differ. */
    private static final Pattern IDENTITY = Pattern.compile("@[0-9a-f]{4,}\\b");

    private RedisErrors() {
    }

    /**
     * Describes a failure in one line: its simple class name and the first sentence of its message (unwrapped from
     * {@link CompletionException} and {@link ExecutionException}; other causes are the caller's to choose), without
     * object identities, at most {@value #MAX_LENGTH} characters.
     *
     * @param failure the failure, possibly wrapped in {@link CompletionException} or {@link ExecutionException}
     * @return for example {@code RedisTimeoutException: Unable to acquire connection}
     */
    public static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        String name = t.getClass().getSimpleName();
        if (message == null || message.isBlank()) {
            return name;
        }
        var end = END.matcher(message);
        String first = end.find() ? message.substring(0, end.start()) : message;
        first = IDENTITY.matcher(first).replaceAll("").strip();
        String line = first.isEmpty() ? name : name + ": " + first;
        return line.length() <= MAX_LENGTH ? line : line.substring(0, MAX_LENGTH - 1) + "…";
    }
}
