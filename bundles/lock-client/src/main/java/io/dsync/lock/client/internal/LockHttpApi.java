package io.dsync.lock.client.internal;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.http.AdminAccess;
import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpError;
import io.dsync.lock.DeadlockException;
import io.dsync.lock.InvalidLockRequestException;
import io.dsync.lock.LeaseExpiredException;
import io.dsync.lock.LockException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockNotHeldException;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockService;
import io.dsync.lock.LockSession;
import io.dsync.lock.SessionId;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.ClientLockSession;
import io.dsync.lock.client.SessionHandover;
import io.dsync.lock.LockTimeoutException;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.protocol.LockJson;
import io.dsync.lock.protocol.LockQuery;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The lock service over HTTP on every node, for {@code dsync lock} and the console. Sessions opened here live on this
 * node and end when the HTTP client stops renewing them for longer than their TTL (or closes them).
 * <p>
 * <strong>Hot swap.</strong> When this component stops while the node goes on (the lock client's bundle, or one it
 * uses, is updated or restarted), it does not close its sessions: it hands them over ({@link SessionHandover}: their
 * ids, call counters and locks, in a file of the bundle's data area), and the next instance resumes them when it
 * starts, so an HTTP client keeps its session and its locks through the update. Requests that waited for a lock at
 * that moment answer 409 {@code cancelled}. Sessions are closed (their locks released) only when the node stops; a
 * session handed over but never resumed (the bundle stays stopped or is uninstalled) ends after its TTL.
 *
 * <pre>
 * POST   /lock/sessions?ttlMs=15000                            open a session      -> 201 {session, ttlMs}
 * PUT    /lock/sessions/{id}                                   keep it alive       -> 200
 * DELETE /lock/sessions/{id}                                   close it (releases) -> 204
 * DELETE /lock/sessions/{id}?force=true                        close any session of the table, opened on any node
 *                                                              (admin token; 404 when no live session) -> 204
 * POST   /lock/sessions/{id}/acquire?name=&amp;mode=&amp;waitMs=&amp;leaseMs=  acquire (mode shared|exclusive) -> 200 handle
 * POST   /lock/sessions/{id}/release?name=                      release one hold   -> 200 {remainingHoldCount}
 * GET    /lock/status?name=                                    a lock, linearizable -> 200 status
 * GET    /lock/sessions/{id}                                   the session and its holds
 * GET    /lock/table?max=100                                   locks in use, wait-for graph, latest deadlocks
 * </pre>
 *
 * Failures answer the node's one error shape ({@link HttpError}: {@code {"error": code, "message": text}}): 400
 * {@code invalid}, 401 {@code token}, 404 {@code session}, 409 {@code timeout} / {@code deadlock} (with the
 * {@code cycle}) / {@code not-held} / {@code lease-expired} / {@code cancelled} (the session was closed while the
 * request waited), 503 {@code no-quorum} / {@code unavailable} (the lock client is stopping). When the node has an admin token ({@link AdminAccess}), the calls that change
 * something need {@code Authorization: Bearer <token>}.
 */
@Component(service = Servlet.class, immediate = true)
@HttpWhiteboardServletPattern({"/lock/sessions", "/lock/sessions/*", "/lock/status", "/lock/table"})
public final class LockHttpApi extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LockHttpApi.class);
    /** The longest an HTTP request may wait for a lock: longer waits belong in a client library, not a request. */
    static final Duration MAX_HTTP_WAIT = Duration.ofMinutes(5);

    /** A session opened over HTTP and when its client last renewed it. */
    private static final class HttpSession {
        final LockSession session;
        final Duration ttl;
        volatile long seenNanos = System.nanoTime();
        /** Requests in progress: a session is never reaped while one waits for a lock longer than its TTL. */
        final java.util.concurrent.atomic.AtomicInteger busy = new java.util.concurrent.atomic.AtomicInteger();

        HttpSession(LockSession session, Duration ttl) {
            this.session = session;
            this.ttl = ttl;
        }
    }

    /** The file in the bundle's data area that carries the sessions from one instance to the next. */
    static final String HANDOVER_FILE = "lock-http-sessions.bin";

    private final transient BundleContext context;
    private final transient LockService locks;
    private final transient LockTableSource tables;
    private final transient AdminAccess access;
    private final transient Map<String, HttpSession> sessions = new ConcurrentHashMap<>();
    /** Sessions handed over by the previous instance and not resumed yet, by id. */
    private final transient Map<String, SessionHandover> resuming = new ConcurrentHashMap<>();
    /** When the previous instance handed its sessions over (the handover file's time). */
    private transient long handedOverAtMillis;
    /** Set when this instance stops: its reaper's tasks end at once. */
    private transient volatile boolean stopping;
    private final transient ScheduledExecutorService reaper;

    @Activate
    public LockHttpApi(BundleContext context, @Reference LockService locks, @Reference LockTableSource tables,
            @Reference AdminAccess access) {
        this.context = context;
        this.locks = locks;
        this.tables = tables;
        this.access = access;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-lock-http-sessions");
            t.setDaemon(true);
            return t;
        });
        readHandedOver();
        if (!resuming.isEmpty()) {
            reaper.execute(this::resumeHandedOver);
        }
        reaper.scheduleWithFixedDelay(this::reap, 1, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        reaper.shutdown();
        try {
            // A resume under way finishes first, so that each session is either handed on or still to resume.
            if (!reaper.awaitTermination(15, TimeUnit.SECONDS)) {
                reaper.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reaper.shutdownNow();
        }
        if (nodeStopping(context)) {
            sessions.values().forEach(s -> s.session.closeAsync());
        } else {
            handOver();
        }
        sessions.clear();
    }

    /** Whether the node (the framework) stops, rather than the lock client's bundle or one it uses. */
    static boolean nodeStopping(BundleContext context) {
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_ID);
        return system == null || system.getState() != Bundle.ACTIVE;
    }

    /** Leaves the sessions to the next instance of this component, in the handover file. */
    private void handOver() {
        List<SessionHandover> handovers = new ArrayList<>(resuming.values());
        List<CompletableFuture<SessionHandover>> handing = new ArrayList<>();
        for (HttpSession s : sessions.values()) {
            if (s.session instanceof ClientLockSession c) {
                handing.add(c.handOver()); // all at once: each may wait for its withdrawals
            }
        }
        for (CompletableFuture<SessionHandover> f : handing) {
            SessionHandover h = f.join();
            if (h != null) {
                handovers.add(h);
            }
        }
        File file = context.getDataFile(HANDOVER_FILE);
        if (handovers.isEmpty() || file == null) {
            return;
        }
        try {
            SessionHandover.save(file.toPath(), handovers);
            LOG.info("Lock HTTP: {} session(s) handed over to the next instance of the lock client", handovers.size());
        } catch (IOException e) {
            LOG.warn("Lock HTTP: could not hand over {} session(s) ({}); they end after their TTL", handovers.size(),
                    e.toString());
        }
    }

    /** Reads the sessions that the previous instance handed over, if any. */
    private void readHandedOver() {
        File file = context.getDataFile(HANDOVER_FILE);
        if (file == null || !file.exists()) {
            return;
        }
        try {
            SessionHandover.load(file.toPath()).forEach(h -> resuming.put(h.id().value(), h));
            handedOverAtMillis = file.lastModified();
        } catch (IOException e) {
            LOG.warn("Lock HTTP: the sessions handed over by the previous instance could not be read ({}); they end "
                    + "after their TTL", e.toString());
            file.delete();
        }
    }

    /**
     * Resumes the sessions handed over, again every half second while the lock group cannot renew them (no majority
     * during a refresh that restarted the lock server too), until each is resumed, gone, or past its TTL; then deletes
     * the handover file.
     */
    private void resumeHandedOver() {
        if (stopping) {
            return;
        }
        int before = resuming.size();
        LockTableSource.Resumed r;
        try {
            r = tables.resume(List.copyOf(resuming.values()));
        } catch (RuntimeException e) {
            r = new LockTableSource.Resumed(Map.of(), Set.of());
            LOG.debug("Lock HTTP: resuming handed-over sessions failed for now: {}", e.toString());
        }
        r.live().forEach((id, session) -> {
            sessions.put(id, new HttpSession(session, session.ttl()));
            resuming.remove(id);
        });
        r.gone().forEach(resuming::remove);
        long now = System.currentTimeMillis();
        resuming.values().removeIf(h -> now - handedOverAtMillis > h.ttl().toMillis());
        if (!r.live().isEmpty() || resuming.isEmpty()) {
            LOG.info("Lock HTTP: resumed {} of {} session(s) handed over by the previous instance{}", r.live().size(),
                    before, resuming.isEmpty() ? "" : "; " + resuming.size() + " to try again");
        }
        if (resuming.isEmpty()) {
            File file = context.getDataFile(HANDOVER_FILE);
            if (file != null) {
                file.delete();
            }
        } else if (!stopping) {
            try {
                reaper.schedule(this::resumeHandedOver, 500, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // stopping: the sessions still to resume are handed on
            }
        }
    }

    /** Closes the sessions whose HTTP client stopped renewing them. */
    private void reap() {
        long now = System.nanoTime();
        sessions.entrySet().removeIf(e -> {
            HttpSession s = e.getValue();
            boolean stale = (s.busy.get() == 0 && now - s.seenNanos > s.ttl.toNanos()) || !s.session.isLive();
            if (stale) {
                LOG.info("Lock HTTP: session {} {}; closing it", e.getKey(),
                        s.session.isLive() ? "was not renewed within " + s.ttl : "ended");
                s.session.closeAsync();
            }
            return stale;
        });
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        handle(req, resp, () -> {
            String path = req.getServletPath();
            if ("/lock/status".equals(path)) {
                return reply(200, LockJson.status(locks.status(required(req, "name"))));
            }
            if ("/lock/table".equals(path)) {
                int max = intParam(req, "max", 100, 1, LockQuery.Table.MAX_LOCKS);
                return reply(200, LockJson.table(tables.table(max)));
            }
            String[] p = sessionPath(req);
            if (p.length == 1) {
                return reply(200, sessionBody(p[0], session(p[0])));
            }
            return error(405, "method", "GET is not supported on " + path);
        });
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        handle(req, resp, () -> {
            access.requireWriter(req);
            String[] p = sessionPath(req);
            if (p.length == 0 && "/lock/sessions".equals(req.getServletPath())) {
                Duration ttl = Duration.ofMillis(intParam(req, "ttlMs", 15_000, 1, Integer.MAX_VALUE));
                LockSession session = locks.openSession(ttl);
                String id = session.id().value();
                HttpSession opened = new HttpSession(session, ttl);
                sessions.put(id, opened);
                LOG.info("Lock HTTP: opened session {} (ttl {}) for {}", id, ttl, req.getRemoteAddr());
                return reply(201, sessionBody(id, opened));
            }
            if (p.length == 2 && "acquire".equals(p[1])) {
                HttpSession s = touch(p[0]);
                LockMode mode = mode(req.getParameter("mode"));
                Duration wait = Duration.ofMillis(intParam(req, "waitMs", 10_000, 0, (int) MAX_HTTP_WAIT.toMillis()));
                Duration lease = Duration.ofMillis(intParam(req, "leaseMs", 30_000, 1, Integer.MAX_VALUE));
                String name = required(req, "name");
                s.busy.incrementAndGet();
                try {
                    return reply(200, LockJson.handle(s.session.acquire(new LockRequest(name, mode, wait, lease))));
                } finally {
                    s.seenNanos = System.nanoTime();
                    s.busy.decrementAndGet();
                }
            }
            if (p.length == 2 && "release".equals(p[1])) {
                HttpSession s = touch(p[0]);
                String name = required(req, "name");
                LockHandle h = s.session.heldLocks().stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElseThrow(() -> new LockNotHeldException(name, s.session.id(), 0,
                                "session " + p[0] + " does not hold '" + name + "'"));
                return reply(200, Map.of("name", name, "remainingHoldCount", s.session.release(h)));
            }
            return error(404, "path", "no such call: POST " + req.getRequestURI());
        });
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
        handle(req, resp, () -> {
            access.requireWriter(req);
            String[] p = sessionPath(req);
            if (p.length != 1) {
                return error(404, "path", "no such call: PUT " + req.getRequestURI());
            }
            HttpSession s = touch(p[0]);
            return reply(200, sessionBody(p[0], s));
        });
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        handle(req, resp, () -> {
            if ("true".equals(req.getParameter("force"))) {
                return forceClose(req);
            }
            access.requireWriter(req);
            String[] p = sessionPath(req);
            if (p.length != 1) {
                return error(404, "path", "no such call: DELETE " + req.getRequestURI());
            }
            HttpSession s = sessions.remove(p[0]);
            if (s == null) {
                return error(404, "session", "no session " + p[0] + " on this node (it expired, or was opened on another node)");
            }
            s.session.close();
            return reply(204, null);
        });
    }

    /**
     * Closes a session that may belong to another node or client, through the lock group: an administrator's remedy
     * for a holder that hangs (the console's force-release). Needs the admin token, and is refused on a node without
     * one, like bundle management: it takes locks away from their holders.
     */
    private Reply forceClose(HttpServletRequest req) {
        access.requireAdmin(req);
        String[] p = sessionPath(req);
        if (p.length != 1) {
            return error(404, "path", "no such call: DELETE " + req.getRequestURI() + " (force closes a session)");
        }
        // A malformed id is an InvalidLockRequestException: 400 invalid.
        if (!tables.closeAnySession(new SessionId(p[0]))) {
            return error(404, "session", "no live session " + p[0] + " in the lock table (it expired, or never existed)");
        }
        HttpSession local = sessions.remove(p[0]);
        if (local != null) {
            // Ours: its client finds out at its next keep-alive, which the table now refuses.
            local.session.closeAsync();
        }
        LOG.info("Lock HTTP: session {} closed by force for {}", p[0], req.getRemoteAddr());
        return reply(204, null);
    }

    // ---------------------------------------------------------------- plumbing

    private static Reply reply(int status, Object body) {
        return Reply.of(status, body);
    }

    private static Reply error(int status, String code, String message) {
        throw new HttpError(status, code, message);
    }

    private static void handle(HttpServletRequest req, HttpServletResponse resp, HttpCalls.Call call) {
        HttpCalls.handle(req, resp, LOG, LockHttpApi::translate, call);
    }

    /** The lock API's exceptions as answers; {@code null} for anything else, which is a bug. */
    static HttpError translate(Exception e) {
        if (e instanceof InvalidLockRequestException || e instanceof IllegalArgumentException) {
            return HttpError.invalid(e.getMessage());
        }
        if (e instanceof LockTimeoutException) {
            return new HttpError(409, "timeout", e.getMessage());
        }
        if (e instanceof DeadlockException d) {
            return new HttpError(409, "deadlock", e.getMessage(), Map.of("cycle", LockJson.cycle(d.cycle())));
        }
        if (e instanceof LockNotHeldException) {
            return new HttpError(409, "not-held", e.getMessage());
        }
        if (e instanceof LeaseExpiredException) {
            return new HttpError(409, "lease-expired", e.getMessage());
        }
        if (e instanceof NoQuorumException) {
            return new HttpError(503, "no-quorum", e.getMessage());
        }
        if (e instanceof java.util.concurrent.CancellationException) {
            // The session was closed (DELETE, or its end) while this request waited.
            return new HttpError(409, "cancelled", e.getMessage());
        }
        if (e instanceof ClientLockService.ServiceClosedException) {
            return new HttpError(503, "unavailable", e.getMessage());
        }
        if (e instanceof IllegalStateException) {
            // A session closed under a call that had not started waiting yet.
            return new HttpError(409, "session", e.getMessage());
        }
        if (e instanceof LockException) {
            // The lock client is closing (its bundle stops), or the lock group refused a request it could not read.
            return new HttpError(503, "unavailable", e.getMessage());
        }
        return null;
    }

    /** @return the path segments after {@code /lock/sessions/} */
    private static String[] sessionPath(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (!"/lock/sessions".equals(req.getServletPath()) || info == null || info.equals("/")) {
            return new String[0];
        }
        return info.substring(1).split("/");
    }

    private HttpSession session(String id) {
        HttpSession s = sessions.get(id);
        if (s == null && resuming.containsKey(id)) {
            throw new HttpError(503, "unavailable", "session " + id + " is being resumed after an update of the lock "
                    + "client on this node; try again");
        }
        if (s == null || !s.session.isLive()) {
            throw new HttpError(404, "session", "no live session " + id + " on this node (it expired, was closed, "
                    + "or was opened on another node)");
        }
        return s;
    }

    private HttpSession touch(String id) {
        HttpSession s = session(id);
        s.seenNanos = System.nanoTime();
        return s;
    }

    private static String required(HttpServletRequest req, String name) {
        String v = req.getParameter(name);
        if (v == null || v.isEmpty()) {
            throw HttpError.invalid("missing parameter '" + name + "'");
        }
        return v;
    }

    private static int intParam(HttpServletRequest req, String name, int dflt, int min, int max) {
        String v = req.getParameter(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw HttpError.invalid("parameter '" + name + "' must be between " + min + " and " + max + ", was " + v);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw HttpError.invalid("parameter '" + name + "' must be a whole number, was '" + v + "'");
        }
    }

    private static LockMode mode(String v) {
        if (v == null || v.isEmpty() || v.equalsIgnoreCase("exclusive")) {
            return LockMode.EXCLUSIVE;
        }
        if (v.equalsIgnoreCase("shared")) {
            return LockMode.SHARED;
        }
        throw HttpError.invalid("mode must be 'shared' or 'exclusive', was '" + v + "'");
    }

    // ---------------------------------------------------------------- JSON shapes

    private static Map<String, Object> sessionBody(String id, HttpSession s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", id);
        m.put("ttlMs", s.ttl.toMillis());
        m.put("held", s.session.heldLocks().stream().map(LockJson::handle).toList());
        return m;
    }
}
