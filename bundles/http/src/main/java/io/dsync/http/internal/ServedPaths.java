package io.dsync.http.internal;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The servlet patterns that bundles of this node have registered since it started, so that a request no servlet
 * takes can be told apart: a path some bundle served before and serves no more (its bundle is stopping, updating or
 * starting: try again) from a path nothing here serves. Patterns as the HTTP Whiteboard has them: exact
 * ({@code /queue/ring}), prefix ({@code /cache/caches/*}) or the default servlet ({@code /}, never remembered). Plain
 * Java; thread-safe.
 */
final class ServedPaths {

    private final Set<String> patterns = ConcurrentHashMap.newKeySet();

    /** Remembers the patterns of a servlet that was registered. */
    void served(Collection<String> servletPatterns) {
        for (String p : servletPatterns) {
            if (p != null && p.startsWith("/") && !p.equals("/") && !p.equals("/*")) {
                patterns.add(p);
            }
        }
    }

    /** @return the remembered pattern that covers the path, or {@code null} when none does */
    String servedBefore(String path) {
        for (String p : patterns) {
            if (p.endsWith("/*")) {
                String prefix = p.substring(0, p.length() - 2);
                if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                    return p;
                }
            } else if (path.equals(p)) {
                return p;
            }
        }
        return null;
    }
}
