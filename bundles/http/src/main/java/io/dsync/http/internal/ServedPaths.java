package io.dsync.http.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servlet patterns that bundles of this node serve, and those they stopped serving lately, so that a request no
 * servlet takes can be told apart: a path whose servlet went away less than {@link #GRACE} ago (its bundle is
 * stopping, updating or starting: try again) from a path nothing here serves (never did, or stopped long ago: a
 * bundle stopped on purpose). Patterns as the HTTP Whiteboard has them: exact ({@code /queue/ring}), prefix
 * ({@code /cache/caches/*}) or the default servlet ({@code /}, never remembered). Plain Java; thread-safe.
 */
final class ServedPaths {

    /** How long after its servlet went away a path still counts as restarting. */
    static final Duration GRACE = Duration.ofSeconds(60);

    /** Live patterns (value {@link Long#MAX_VALUE}) and when the others went away ({@code System.nanoTime()}). */
    private final Map<String, Long> patterns = new ConcurrentHashMap<>();

    /** A servlet with these patterns was registered. */
    void served(Collection<String> servletPatterns) {
        for (String p : servletPatterns) {
            if (remembered(p)) {
                patterns.put(p, Long.MAX_VALUE);
            }
        }
    }

    /** The servlet with these patterns went away at {@code nanoTime}. */
    void gone(Collection<String> servletPatterns, long nanoTime) {
        for (String p : servletPatterns) {
            if (remembered(p)) {
                patterns.put(p, nanoTime);
            }
        }
    }

    /**
     * @param path the request's path within the node
     * @param nanoTime now
     * @return the pattern of a servlet that covers the path and went away less than {@link #GRACE} ago, or
     *     {@code null}
     */
    String restarting(String path, long nanoTime) {
        for (Map.Entry<String, Long> e : patterns.entrySet()) {
            long goneAt = e.getValue();
            if (goneAt != Long.MAX_VALUE && nanoTime - goneAt < GRACE.toNanos() && covers(e.getKey(), path)) {
                return e.getKey();
            }
        }
        return null;
    }

    private static boolean remembered(String pattern) {
        return pattern != null && pattern.startsWith("/") && !pattern.equals("/") && !pattern.equals("/*");
    }

    private static boolean covers(String pattern, String path) {
        if (pattern.endsWith("/*")) {
            String prefix = pattern.substring(0, pattern.length() - 2);
            return path.equals(prefix) || path.startsWith(prefix + "/");
        }
        return path.equals(pattern);
    }
}
