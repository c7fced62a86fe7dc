package io.dsync.cache.node.internal;

import io.dsync.cache.node.home.Homes;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpRequests;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache node's homes on its admin API, for people, tools and the console:
 * <pre>
 * GET /cache/homes                       -> the ring this node follows, its epoch, and its directories' sizes
 * GET /cache/homes?cache=C&amp;limit=N   -> also the first N directory entries of cache C (owner, holders, waiting)
 * </pre>
 */
final class CacheHomesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CacheHomesServlet.class);

    private final transient Homes homes;
    private final transient Supplier<CacheTopology> topology;

    CacheHomesServlet(Homes homes, Supplier<CacheTopology> topology) {
        this.homes = homes;
        this.topology = topology;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            CacheTopology t = topology.get();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ringEpoch", t.epoch());
            body.put("members", t.record().members());
            body.put("homeEpoch", homes.epoch());
            body.put("directories", homes.sizes());
            body.put("retained", homes.retained());
            body.put("grantsFromCopy", homes.grantsFromCopy());
            String cache = req.getParameter("cache");
            if (cache != null) {
                int limit = HttpRequests.intParam(req, "limit", 100, 1, 10_000);
                // No directory yet: none of the cache's keys homed here was asked for since this node started.
                body.put("entries", homes.entries(cache, limit).orElse(java.util.List.of()));
            }
            return HttpCalls.Reply.ok(body);
        });
    }
}
