package io.dsync.lock.server.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.dsync.lock.protocol.LockJson;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.server.raft.RaftLockServer;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The lock group's HTTP API on lock nodes:
 * <pre>
 * GET    /lock/raft            this member: state, role, term, leader, commit and applied index, members and peers
 * GET    /lock/replica?max=100 the lock table as applied by this replica (no quorum needed; may be behind)
 * DELETE /lock/members/{id}    remove a member from the group (admin token)
 * </pre>
 * {@code GET /lock/table} (every node, in the lock client) reads the same table through the leader.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/lock/raft", "/lock/replica", "/lock/members/*"})
public final class LockServerServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LockServerServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final transient LockMember member;
    private final transient AdminToken token;

    @Activate
    public LockServerServlet(BundleContext context, @Reference LockMember member) {
        this.member = member;
        this.token = new AdminToken(context.getProperty("dsync.admin.token"));
    }

    private static void reply(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-store");
        JSON.writeValue(resp.getOutputStream(), body);
    }

    /** {@code DELETE /lock/members/{id}}: removes a member from the group (admin token). */
    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String refusal = token.refusal(req);
        Optional<RaftLockServer> s = member.server();
        String id = req.getPathInfo() == null ? "" : req.getPathInfo().replaceFirst("^/", "");
        if (!"/lock/members".equals(req.getServletPath()) || id.isEmpty()) {
            reply(resp, 404, Map.of("error", "path", "message", "DELETE /lock/members/{id} removes a member"));
        } else if (refusal != null) {
            reply(resp, 401, Map.of("error", "token", "message", refusal));
        } else if (s.isEmpty()) {
            reply(resp, 409, Map.of("error", "not-a-member", "message",
                    "node '" + member.nodeId() + "' is not a running member of the lock group (" + member.state() + "); ask one that is"));
        } else {
            try {
                s.get().removeMember(id, Duration.ofSeconds(30));
                LOG.info("Lock server: removed '{}' from the lock group (asked by {})", id, req.getRemoteAddr());
                reply(resp, 200, Map.of("removed", id, "members", List.copyOf(s.get().members().keySet())));
            } catch (IllegalArgumentException e) {
                reply(resp, 404, Map.of("error", "not-a-member", "message", e.getMessage()));
            } catch (IOException e) {
                reply(resp, 503, Map.of("error", "no-quorum", "message", e.getMessage()));
            }
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Optional<RaftLockServer> running = member.server();
        if ("/lock/replica".equals(req.getServletPath())) {
            if (running.isEmpty()) {
                reply(resp, 404, Map.of("error", "not-a-member", "message",
                        "node '" + member.nodeId() + "' holds no replica of the lock table: " + member.state()));
                return;
            }
            int max = 100;
            try {
                max = Math.max(1, Math.min(LockQuery.Table.MAX_LOCKS, Integer.parseInt(req.getParameter("max"))));
            } catch (NumberFormatException e) {
                // default
            }
            reply(resp, 200, LockJson.table(running.get().stateMachine().table(max)));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", member.nodeId());
        body.put("state", member.state());
        Map<String, String> peers = new LinkedHashMap<>();
        member.startedWith().forEach((id, a) -> peers.put(id, LockRaftGroup.hostPort(a)));
        body.put("members", List.copyOf(peers.keySet()));
        body.put("peers", peers);
        if (running.isPresent()) {
            RaftLockServer s = running.get();
            // The group's configuration as this member knows it: changes with joins and removals.
            body.put("members", List.copyOf(s.members().keySet()));
            body.put("peers", s.members());
            RaftLockServer.RaftStatus st = s.status();
            body.put("role", st.role());
            body.put("term", st.term());
            body.put("leader", st.leaderId().orElse(null));
            body.put("commitIndex", st.commitIndex());
            body.put("appliedIndex", st.appliedIndex());
        }
        reply(resp, 200, body);
    }
}
