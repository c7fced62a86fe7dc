package io.dsync.queue.node.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.HttpCalls;
import io.dsync.http.HttpError;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A queue node's status on its admin API, for people, tools and the console (the owner calls themselves go over node
 * messaging, {@link QueueNodeMessaging}):
 * <pre>
 * GET /queue/node/status[?detail=true] -> 200 NodeStatus   the partitions this node owns, their epochs and counts
 *                                                 (with detail: the oldest message's age and the rates too)
 * </pre>
 */
final class QueueNodeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(QueueNodeServlet.class);

    private final transient QueueNodeCalls calls;

    QueueNodeServlet(QueueNodeCalls calls) {
        this.calls = calls;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            if (!"/status".equals(req.getPathInfo())) {
                throw HttpError.notFound("no such queue node call: " + req.getPathInfo()
                        + " (owner calls go over node messaging)");
            }
            return HttpCalls.Reply.ok(calls.status(Boolean.parseBoolean(req.getParameter("detail"))));
        });
    }
}
