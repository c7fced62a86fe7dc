package io.dsync.http;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tells a client that hung up from a failure of the node. Plain Java with no servlet or Jetty types, so that the
 * launcher's log filter (outside OSGi) and {@link HttpCalls} (inside) use the same test.
 *
 * <p>Stateless; thread-safe.
 */
public final class ClientHangUp {

    private ClientHangUp() {
    }

    /**
     * Whether {@code t}, or one of its causes, says that the client closed its connection: Jetty's
     * {@code org.eclipse.jetty.io.EofException} (early EOF while reading, or a write after the peer closed), or an
     * I/O error whose message is the kernel's "Broken pipe" or "Connection reset". Such a failure belongs to the
     * peer (a {@code curl -f} that stops reading at a 503, a killed client, a load balancer's timeout), not to the
     * node.
     *
     * @param t a failure, or {@code null}
     * @return whether it is a client that hung up
     */
    public static boolean causedBy(Throwable t) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null; c = c.getCause()) {
            for (Class<?> k = c.getClass(); k != null; k = k.getSuperclass()) {
                // By name: nothing here imports Jetty, which Felix HTTP embeds privately.
                if (k.getName().equals("org.eclipse.jetty.io.EofException")) {
                    return true;
                }
            }
            String m = c.getMessage();
            if (c instanceof IOException && m != null) {
                String lower = m.toLowerCase(Locale.ROOT);
                if (lower.contains("broken pipe") || lower.contains("connection reset")) {
                    return true;
                }
            }
        }
        return false;
    }
}
