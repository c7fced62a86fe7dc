package io.dsync.lock.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.server.raft.LockQuery;
import io.dsync.lock.server.raft.LockRaftStateMachine;
import io.dsync.lock.server.raft.RaftLockServer;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * On nodes with the {@code lock} role, this node's member of the lock Raft group; on every node,
 * {@code GET /lock/raft} showing its role, term, leader and indexes (or why it is not a member), and on members
 * {@code GET /lock/replica?max=100}: the lock table as applied by this replica (no consistency guarantee, but it
 * answers without a quorum; {@code GET /lock/table} reads through the leader).
 *
 * <p>Group formation: the first time, the node waits until {@code initialMembers} lock nodes (with a raft port) are in
 * the registry and takes the first ones by id as the group, the same choice on every node; it writes the member list to
 * {@code <data>/raft/members.properties} and uses that file on every later start, so a restart needs no registry.
 *
 * <p>Membership change: a lock node that finds the group running without it (a node beyond the first ones, e.g. with
 * {@code --scale lock-manager=5}) starts its member knowing only the group id and asks the leader to add it; the
 * leader catches it up and commits the new configuration. {@code DELETE /lock/members/{id}} removes a member. A removed
 * node that comes back with its old data stays out (it would campaign with a stale configuration).
 */
@Component(service = Servlet.class, immediate = true, configurationPid = "io.dsync.lock.server")
@Designate(ocd = LockServerConfig.class)
@HttpWhiteboardServletPattern({"/lock/raft", "/lock/replica", "/lock/members/*"})
public final class LockServerComponent extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LockServerComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final transient BundleContext context;
    private final transient AdminToken token;
    private final transient NodeIdentity identity;
    private final transient NodeRegistry registry;
    private final transient LockServerConfig config;
    private final transient Path storage;
    private final transient Thread starter;
    private transient volatile RaftLockServer server;
    private transient volatile Map<String, InetSocketAddress> members;
    private transient volatile String state = "starting";
    private transient volatile LockServerMetrics serverMetrics;
    private transient volatile java.util.concurrent.ScheduledExecutorService sampler;

    /** Gauges under {@code dsync.lock.raft.*}: what an operator alerts on (no leader, a stuck applied index). */
    static final List<String> GAUGES = List.of("term", "isLeader", "hasLeader", "commitIndex", "appliedIndex");

    private final transient MetricRegistry metrics;

    @Activate
    public LockServerComponent(BundleContext context, @Reference NodeRegistry registry, @Reference MetricRegistry metrics,
                               LockServerConfig config) {
        this.context = context;
        this.token = new AdminToken(context.getProperty("dsync.admin.token"));
        this.identity = NodeIdentity.from(context::getProperty);
        this.registry = registry;
        this.metrics = metrics;
        this.config = config;
        metrics.register("dsync.lock.raft.term", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::term).orElse(-1L));
        metrics.register("dsync.lock.raft.isLeader", (Gauge<Integer>) () -> status().filter(s -> "LEADER".equals(s.role())).isPresent() ? 1 : 0);
        metrics.register("dsync.lock.raft.hasLeader", (Gauge<Integer>) () -> status().flatMap(RaftLockServer.RaftStatus::leaderId).isPresent() ? 1 : 0);
        metrics.register("dsync.lock.raft.commitIndex", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::commitIndex).orElse(-1L));
        metrics.register("dsync.lock.raft.appliedIndex", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::appliedIndex).orElse(-1L));
        // Calls queued in this replica's table, and the long-polls it holds (one per client, on the leader).
        metrics.register("dsync.lock.waiting", (Gauge<Integer>) () -> replica().map(LockRaftStateMachine::waitingCalls).orElse(0));
        metrics.register("dsync.lock.polls", (Gauge<Integer>) () -> replica().map(LockRaftStateMachine::heldPolls).orElse(0));
        this.storage = Path.of(context.getProperty("dsync.data")).resolve("raft");
        if (!identity.roles().contains("lock")) {
            state = "not a lock node";
            starter = null;
            return;
        }
        if (!identity.ports().containsKey("raft")) {
            state = "no raft port: start the node with --raft-port";
            LOG.error("Lock server: node '{}' has the lock role but no raft port; it does not join the lock group", identity.id());
            starter = null;
            return;
        }
        starter = new Thread(this::join, "dsync-lock-raft-start");
        starter.setDaemon(true);
        starter.start();
    }

    private void join() {
        // Ratis keeps the thread context class loader of its first use in a static: make it this bundle's.
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(LockServerComponent.class.getClassLoader());
        try {
            Files.createDirectories(storage);
            Map<String, InetSocketAddress> peers = loadMembers();
            if (peers != null && wasRemoved()) {
                return;
            }
            boolean joining = false;
            if (peers == null) {
                Map<String, InetSocketAddress> initial = awaitInitialMembers();
                if (initial == null) {
                    return;
                }
                Map<String, InetSocketAddress> running = awaitRunningGroupUnless(initial);
                if (running == null) {
                    peers = initial; // this node is one of the first members: form the group with the others
                } else if (running.containsKey(identity.id())) {
                    peers = running; // formed with this node in it (it started a little later than the others)
                } else {
                    joining = true;
                    peers = new LinkedHashMap<>(running);
                    peers.put(identity.id(), LockNodes.inRegistry(registry).getOrDefault(identity.id(), advertised()));
                }
            }
            members = peers;
            RaftLockServer.Options options = new RaftLockServer.Options(identity.cluster(), identity.id(), peers, storage,
                    Duration.ofMillis(config.electionTimeoutMinMillis()), Duration.ofMillis(config.electionTimeoutMaxMillis()),
                    RaftLockServer.Options.DEFAULT_RPC_TIMEOUT, RaftLockServer.Options.DEFAULT_SNAPSHOT_THRESHOLD,
                    Duration.ofMillis(200), LockStateMachine.Limits.DEFAULT, bindAddress());
            if (joining) {
                state = "joining the running lock group " + peers.keySet() + ": asking its leader to add this node";
                LOG.info("Lock server: node '{}' is {}", identity.id(), state);
                server = RaftLockServer.startJoining(options);
                while (true) {
                    try {
                        server.requestMembership(Duration.ofSeconds(30));
                        break;
                    } catch (java.io.InterruptedIOException e) {
                        return;
                    } catch (IOException e) {
                        LOG.warn("Lock server: node '{}' not added to the lock group yet, asking again: {}", identity.id(), e.getMessage());
                    }
                }
            }
            if (!Files.exists(storage.resolve("members.properties"))) {
                saveMembers(peers);
            }
            if (!joining) {
                server = RaftLockServer.start(options);
            }
            serverMetrics = new LockServerMetrics(metrics);
            server.stateMachine().setEvents(serverMetrics);
            sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dsync-lock-leader-sampler");
                t.setDaemon(true);
                return t;
            });
            RaftLockServer running = server;
            sampler.scheduleAtFixedRate(() -> serverMetrics.sampleLeader(running.status().leaderId().isPresent(), System.nanoTime()),
                    100, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
            state = "running";
            LOG.info("Lock server: node '{}' runs in lock group {}, listening on {}, reached at {}", identity.id(),
                    peers.keySet(), options.bind(), peers.get(identity.id()));
        } catch (IOException | RuntimeException e) {
            state = "failed: " + e;
            LOG.error("Lock server: could not start the Raft member of node '{}': {}", identity.id(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /**
     * Asks the registered lock nodes whether the group runs already. When this node is one of the {@code initial}
     * members, one round of asking is enough (no answer: the group is to be formed now); otherwise it waits until the
     * group runs, to join it.
     *
     * @return the running group's members, or {@code null} when this node is to form the group
     */
    private Map<String, InetSocketAddress> awaitRunningGroupUnless(Map<String, InetSocketAddress> initial) throws InterruptedException {
        long lastLog = 0;
        while (true) {
            java.util.Optional<Map<String, InetSocketAddress>> running = runningGroup();
            if (running.isPresent()) {
                return running.get();
            }
            if (initial.containsKey(identity.id())) {
                return null;
            }
            state = "waiting for the lock group " + initial.keySet() + " to run, to join it";
            if (System.nanoTime() - lastLog > 10_000_000_000L) {
                LOG.info("Lock server: {}", state);
                lastLog = System.nanoTime();
            }
            Thread.sleep(1_000);
        }
    }

    /**
     * A node removed from the group must not come back with its old log (it would campaign with a stale
     * configuration): when the running group does not list it, it stays out.
     */
    private boolean wasRemoved() {
        java.util.Optional<Map<String, InetSocketAddress>> running = runningGroup();
        if (running.isPresent() && !running.get().containsKey(identity.id())) {
            state = "removed from the lock group " + running.get().keySet() + "; to join again, start it with an empty data folder";
            LOG.warn("Lock server: node '{}' was {}", identity.id(), state);
            return true;
        }
        return false;
    }

    /**
     * Asks the other lock nodes in the registry for the group's current configuration.
     *
     * @return its members, or empty when no other node runs the group or the registry cannot be read
     */
    private java.util.Optional<Map<String, InetSocketAddress>> runningGroup() {
        Map<String, InetSocketAddress> others;
        try {
            others = new LinkedHashMap<>(LockNodes.inRegistry(registry));
        } catch (RuntimeException e) {
            state = "waiting for the registry: " + e.getMessage();
            return java.util.Optional.empty();
        }
        others.remove(identity.id());
        return others.isEmpty() ? java.util.Optional.empty()
                : RaftLockServer.runningMembers(identity.cluster(), others, Duration.ofSeconds(1));
    }

    private InetSocketAddress advertised() {
        return new InetSocketAddress(identity.host(), identity.ports().get("raft"));
    }

    /** The bound Raft port ({@code dsync.port.raft}); the identity holds the advertised one. */
    private InetSocketAddress bindAddress() {
        String bind = context.getProperty("dsync.node.bind");
        int port = Integer.parseInt(context.getProperty(NodeIdentity.PORT_PREFIX + "raft").trim());
        return new InetSocketAddress(bind == null || bind.isBlank() ? identity.host() : bind.trim(), port);
    }

    private Map<String, InetSocketAddress> awaitInitialMembers() throws InterruptedException {
        int wanted = Math.max(1, config.initialMembers());
        long lastLog = 0;
        while (!Thread.currentThread().isInterrupted()) {
            Map<String, InetSocketAddress> lockNodes = new TreeMap<>();
            try {
                lockNodes = LockNodes.inRegistry(registry);
            } catch (RuntimeException e) {
                state = "waiting for the registry: " + e.getMessage();
            }
            if (lockNodes.size() >= wanted) {
                Map<String, InetSocketAddress> first = new LinkedHashMap<>();
                lockNodes.entrySet().stream().limit(wanted).forEach(e -> first.put(e.getKey(), e.getValue()));
                return first;
            }
            state = "waiting for " + wanted + " lock nodes in the registry, found " + lockNodes.keySet();
            if (System.nanoTime() - lastLog > 10_000_000_000L) {
                LOG.info("Lock server: {}", state);
                lastLog = System.nanoTime();
            }
            Thread.sleep(500);
        }
        return null;
    }

    private Map<String, InetSocketAddress> loadMembers() throws IOException {
        Path file = storage.resolve("members.properties");
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, InetSocketAddress> peers = new TreeMap<>();
        for (String id : p.stringPropertyNames()) {
            peers.put(id, RaftLockServer.parseHostPort(p.getProperty(id)));
        }
        return new LinkedHashMap<>(peers);
    }

    private void saveMembers(Map<String, InetSocketAddress> peers) throws IOException {
        Properties p = new Properties();
        peers.forEach((id, a) -> p.setProperty(id, RaftLockServer.hostPort(a)));
        try (OutputStream out = Files.newOutputStream(storage.resolve("members.properties"))) {
            p.store(out, "members of the lock Raft group when it was formed");
        }
    }

    private java.util.Optional<RaftLockServer.RaftStatus> status() {
        RaftLockServer s = server;
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(s.status());
    }

    private java.util.Optional<LockRaftStateMachine> replica() {
        RaftLockServer s = server;
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(s.stateMachine());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        GAUGES.forEach(g -> metrics.remove("dsync.lock.raft." + g));
        metrics.remove("dsync.lock.waiting");
        metrics.remove("dsync.lock.polls");
        if (starter != null) {
            starter.interrupt();
            starter.join(5_000);
        }
        if (sampler != null) {
            sampler.shutdownNow();
        }
        if (serverMetrics != null) {
            serverMetrics.remove();
        }
        RaftLockServer s = server;
        if (s != null) {
            try {
                s.close();
                LOG.info("Lock server: node '{}' left the lock group", identity.id());
            } catch (IOException e) {
                LOG.warn("Lock server: closing the Raft member failed: {}", e.toString());
            }
        }
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
        RaftLockServer s = server;
        String id = req.getPathInfo() == null ? "" : req.getPathInfo().replaceFirst("^/", "");
        if (!"/lock/members".equals(req.getServletPath()) || id.isEmpty()) {
            reply(resp, 404, Map.of("error", "path", "message", "DELETE /lock/members/{id} removes a member"));
        } else if (refusal != null) {
            reply(resp, 401, Map.of("error", "token", "message", refusal));
        } else if (s == null) {
            reply(resp, 409, Map.of("error", "not-a-member", "message",
                    "node '" + identity.id() + "' is not a running member of the lock group (" + state + "); ask one that is"));
        } else {
            try {
                s.removeMember(id, Duration.ofSeconds(30));
                LOG.info("Lock server: removed '{}' from the lock group (asked by {})", id, req.getRemoteAddr());
                reply(resp, 200, Map.of("removed", id, "members", List.copyOf(s.members().keySet())));
            } catch (IllegalArgumentException e) {
                reply(resp, 404, Map.of("error", "not-a-member", "message", e.getMessage()));
            } catch (IOException e) {
                reply(resp, 503, Map.of("error", "no-quorum", "message", e.getMessage()));
            }
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if ("/lock/replica".equals(req.getServletPath())) {
            RaftLockServer s = server;
            if (s == null) {
                reply(resp, 404, Map.of("error", "not-a-member", "message",
                        "node '" + identity.id() + "' holds no replica of the lock table: " + state));
                return;
            }
            int max = 100;
            try {
                max = Math.max(1, Math.min(LockQuery.Table.MAX_LOCKS, Integer.parseInt(req.getParameter("max"))));
            } catch (NumberFormatException e) {
                // default
            }
            reply(resp, 200, LockHttpApi.table(s.stateMachine().table(max)));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", identity.id());
        body.put("state", state);
        Map<String, InetSocketAddress> m = members;
        body.put("members", m == null ? List.of() : List.copyOf(m.keySet()));
        Map<String, String> peers = new LinkedHashMap<>();
        if (m != null) {
            m.forEach((id, a) -> peers.put(id, RaftLockServer.hostPort(a)));
        }
        body.put("peers", peers);
        RaftLockServer running = server;
        if (running != null) {
            // The group's configuration as this member knows it: changes with joins and removals.
            body.put("members", List.copyOf(running.members().keySet()));
            body.put("peers", running.members());
        }
        RaftLockServer s = server;
        if (s != null) {
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
