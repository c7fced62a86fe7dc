package io.dsync.http.internal;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.dsync.http.HttpCalls;
import io.dsync.http.HttpError;
import io.dsync.http.HttpJson;

/**
 * The node's answer to a request that no servlet takes (the Whiteboard's default servlet, {@code /}, ranked last):
 * JSON in the shape of every other error instead of the container's HTML page, and the right status. A path whose
 * servlet went away less than a minute ago ({@link ServedPaths#GRACE}), because its bundle is being stopped, updated
 * or started, is {@code 503} {@link HttpError#API_DOWN} with {@code Retry-After: 1}: the request reached no API, so
 * it took no effect and can be sent again (a bundle update under load, see {@code CacheHotSwapIT}). Any other path
 * (never served, or by a bundle stopped for longer) is {@code 404} {@link HttpError#NO_API}.
 */
@Component(service = Servlet.class, immediate = true, property = {
    "osgi.http.whiteboard.servlet.pattern=/",
    "osgi.http.whiteboard.servlet.name=dsync-unserved-paths",
    "service.ranking:Integer=-2147483648" })
public final class UnservedPathServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient ServedPaths served = new ServedPaths();

    /** Follows the patterns of every other Whiteboard servlet of the node (immediate: so it keeps them). */
    @Reference(service = Servlet.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(&(osgi.http.whiteboard.servlet.pattern=*)"
                    + "(!(osgi.http.whiteboard.servlet.name=dsync-unserved-paths)))")
    void addServlet(Map<String, Object> properties) {
        served.served(patterns(properties));
    }

    void removeServlet(Map<String, Object> properties) {
        served.gone(patterns(properties), System.nanoTime());
    }

    private static List<String> patterns(Map<String, Object> properties) {
        Object patterns = properties.get("osgi.http.whiteboard.servlet.pattern");
        if (patterns instanceof String one) {
            return List.of(one);
        } else if (patterns instanceof String[] many) {
            return List.of(many);
        } else if (patterns instanceof Collection<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // The path within the context, decoded, as the Whiteboard matched it; this servlet's own path is all of it.
        String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        String pattern = served.restarting(path, System.nanoTime());
        HttpError error;
        if (pattern != null) {
            resp.setHeader("Retry-After", "1");
            error = new HttpError(503, HttpError.API_DOWN, "the API at " + pattern + " is not running on this node "
                    + "right now (its bundle is stopping, updating or starting); the request took no effect, send it "
                    + "again");
        } else {
            error = new HttpError(404, HttpError.NO_API, "nothing on this node serves " + req.getMethod() + " " + path);
        }
        try {
            HttpJson.writeError(resp, error);
        } catch (IOException e) {
            if (!HttpCalls.isClientGone(e)) {
                throw e;
            }
        }
    }
}
