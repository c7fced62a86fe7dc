package io.dsync.lock.server.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.AdminAccess;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpError;
import io.dsync.lock.protocol.LockJson;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;
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
 * DELETE /lock/members/{id}    remove a member from the group (the admin token, when the node has one)
 * </pre>
 * Failures answer the node's one error shape: 404 {@code not-found} / {@code not-a-member}, 401 {@code token},
 * 409 {@code not-a-member} (this node runs no member now), 503 {@code no-quorum}.
 * {@code GET /lock/table} (every node, in the lock client) reads the same table through the leader.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/lock/raft", "/lock/replica", "/lock/members/*"})
public final class LockServerServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LockServerServlet.class);
    private final transient LockMember member;
    private final transient AdminAccess access;

    @Activate
    public LockServerServlet(@Reference LockMember member, @Reference AdminAccess access) {
        this.member = member;
        this.access = access;
    }

    /** {@code DELETE /lock/members/{id}}: removes a member from the group. */
    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            String id = req.getPathInfo() == null ? "" : req.getPathInfo().replaceFirst("^/", "");
            if (!"/lock/members".equals(req.getServletPath()) || id.isEmpty()) {
                throw HttpError.notFound("DELETE /lock/members/{id} removes a member");
            }
            access.requireWriter(req);
            RaftLockServer s = member.server().orElseThrow(() -> new HttpError(409, "not-a-member", "node '"
                    + member.nodeId() + "' is not a running member of the lock group (" + member.state() + "); ask one that is"));
            try {
                s.removeMember(id, Duration.ofSeconds(30));
            } catch (IllegalArgumentException e) {
                throw new HttpError(404, "not-a-member", e.getMessage());
            } catch (IllegalStateException e) {
                throw new HttpError(409, "last-member", e.getMessage());
            } catch (IOException e) {
                throw new HttpError(503, "no-quorum", e.getMessage());
            }
            LOG.info("Lock server: removed '{}' from the lock group (asked by {})", id, req.getRemoteAddr());
            return Reply.ok(Map.of("removed", id, "members", List.copyOf(s.members().keySet())));
        });
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> "/lock/replica".equals(req.getServletPath()) ? replica(req) : raft());
    }

    /** The lock table as this replica applied it. */
    private Reply replica(HttpServletRequest req) {
        RaftLockServer s = member.server().orElseThrow(() -> new HttpError(404, "not-a-member",
                "node '" + member.nodeId() + "' holds no replica of the lock table: " + member.state()));
        int max = 100;
        try {
            max = Math.max(1, Math.min(LockQuery.Table.MAX_LOCKS, Integer.parseInt(req.getParameter("max"))));
        } catch (NumberFormatException e) {
            // default
        }
        int limit = max;
        return Reply.ok(LockJson.table(LockTableView.union(s.stateMachines().stream().map(m -> m.table(limit)).toList(), max)));
    }

    /** This member: its state, and its Raft status while it runs. */
    private Reply raft() {
        Optional<RaftLockServer> running = member.server();
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
            // Every group this member hosts (group 0's status is the one above); one entry with one group.
            List<Map<String, Object>> groups = new java.util.ArrayList<>();
            for (int i = 0; i < s.groupCount(); i++) {
                RaftLockServer.RaftStatus g = s.status(i);
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("group", i);
                entry.put("role", g.role());
                entry.put("term", g.term());
                entry.put("leader", g.leaderId().orElse(null));
                entry.put("commitIndex", g.commitIndex());
                entry.put("appliedIndex", g.appliedIndex());
                groups.add(entry);
            }
            body.put("groups", groups);
        }
        return Reply.ok(body);
    }
}
