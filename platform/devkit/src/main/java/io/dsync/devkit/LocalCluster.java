package io.dsync.devkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A whole dsync topology on this machine: a Redis, and node processes started from the distribution, each with its
 * own data folder and admin port. Backs {@code bin/dsync dev} and the multi-process tests.
 *
 * <p>With {@link Builder#proxied(boolean) proxied links}, each node reaches Redis through its own {@link TcpProxy}, so
 * a test can partition one node from Redis ({@link #link(String)}) while the others keep working.
 *
 * <p>With {@link Builder#partitionable(boolean) partitionable nodes}, a {@link TcpProxy} stands in front of every lock
 * node's Raft port and of every node's messaging port, and the node advertises the proxies' ports, so every node, and every client in the test's JVM,
 * reaches it through the proxy. The proxy tells from {@code /proc} which node opened each connection, so links can be
 * cut one by one and one way: {@link #cut(String, String)}, {@link #disconnect(String, String)},
 * {@link #partition(Collection[])}, {@link #isolate(String)}, {@link #healAll()}. Clients that are not node processes
 * count as {@link #EXTERNAL}.
 *
 * <p>Thread-safety: start and close are not concurrent with each other; fault methods may be called from any thread.
 */
public final class LocalCluster implements AutoCloseable {

    /** The name of clients that are not node processes (the test's own JVM) in link rules. */
    public static final String EXTERNAL = "external";

    private final Builder config;
    private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    /** The same nodes, for the proxies' threads. */
    private final List<ClusterNode> nodeList = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, TcpProxy> redisLinks = new LinkedHashMap<>();
    private final Map<String, TcpProxy> raftProxies = new LinkedHashMap<>();
    private final Map<String, TcpProxy> messagingProxies = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> raftAddresses = new TreeMap<>();
    private final Map<String, Integer> consolePorts = new TreeMap<>();
    /** Cut directed links, {@code from + ">" + to}. */
    private final Set<String> cutLinks = ConcurrentHashMap.newKeySet();
    private LocalRedis ownRedis;
    private String redisAddress;
    private int redisPort;
    private int nextPort;

    private LocalCluster(Builder config) {
        this.config = config;
    }

    /**
     * @param home the distribution folder (with {@code bin/dsync})
     * @param workDir where node data folders and outputs go
     */
    public static Builder builder(Path home, Path workDir) {
        return new Builder(home, workDir);
    }

    /** What to start. */
    public static final class Builder {
        private final Path home;
        private final Path workDir;
        private final List<String[]> nodeSpecs = new ArrayList<>();
        private String cluster = "local";
        private String redis;
        private boolean proxied;
        private boolean partitionable;
        private int lockGroupSize;
        private int lockGroups;
        private int basePort;
        private String adminToken;
        private String javaOpts;
        private String consoleUsers;
        private int consolePort;
        private LocalRedis.Fsync redisFsync;
        private Duration startTimeout = Duration.ofSeconds(120);

        private Builder(Path home, Path workDir) {
            this.home = home;
            this.workDir = workDir;
        }

        /** Adds a node. */
        public Builder node(String id, String roles) {
            nodeSpecs.add(new String[] {id, roles});
            return this;
        }

        /** Adds {@code count} nodes {@code <prefix>-1 .. <prefix>-count} with the given roles. */
        public Builder nodes(String prefix, int count, String roles) {
            for (int i = 1; i <= count; i++) {
                node(prefix + "-" + i, roles);
            }
            return this;
        }

        /** Cluster name (default {@code local}). */
        public Builder cluster(String name) {
            this.cluster = name;
            return this;
        }

        /** Uses this Redis instead of starting one. */
        public Builder redis(String address) {
            this.redis = address;
            return this;
        }

        /**
         * Runs the cluster's own Redis with an append-only file ({@code --appendonly yes --appendfsync <policy>}) in
         * {@code <workDir>/redis}, so that {@link LocalCluster#startRedis()} brings it back with its data after
         * {@link LocalCluster#stopRedis()} or {@link LocalCluster#killRedis()}. Without it (the default) the cluster's
         * Redis keeps no data. Not for a Redis given with {@link #redis(String)}.
         */
        public Builder redisAppendFsync(LocalRedis.Fsync policy) {
            this.redisFsync = policy;
            return this;
        }

        /** Puts a controllable proxy between each node and Redis. */
        public Builder proxied(boolean proxied) {
            this.proxied = proxied;
            return this;
        }

        /**
         * Puts a proxy in front of every lock node's Raft port and every node's messaging port, so links between nodes
         * can be cut.
         */
        public Builder partitionable(boolean partitionable) {
            this.partitionable = partitionable;
            return this;
        }

        /** How many lock nodes form the lock group (default: the nodes' default, 3). */
        public Builder lockGroupSize(int size) {
            this.lockGroupSize = size;
            return this;
        }

        /** How many Raft groups share the lock space (default: the nodes' default, 1). */
        public Builder lockGroups(int groups) {
            this.lockGroups = groups;
            return this;
        }

        /** Admin ports {@code base, base+1, ...} in node order; 0 (the default) picks free ports. */
        public Builder basePort(int base) {
            this.basePort = base;
            return this;
        }

        /** Admin token of every node. */
        public Builder adminToken(String token) {
            this.adminToken = token;
            return this;
        }

        /** JVM options of every node (default {@link ClusterNode#DEFAULT_JAVA_OPTS}). */
        public Builder javaOpts(String opts) {
            this.javaOpts = opts;
            return this;
        }

        /** Who may sign in to the console of console nodes: {@code name:role:bcrypt-hash} entries (default: nobody). */
        public Builder consoleUsers(String entries) {
            this.consoleUsers = entries;
            return this;
        }

        /** The web console's port of the first console node (default 0: a free one, as for every other console node). */
        public Builder consolePort(int port) {
            this.consolePort = port;
            return this;
        }

        /** How long {@link #start()} waits for every node to be healthy. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts Redis (unless given), the proxies and the nodes, and waits until every node is healthy.
         *
         * @throws IOException if something cannot start; everything already started is stopped again
         */
        public LocalCluster start() throws IOException, InterruptedException {
            LocalCluster c = new LocalCluster(this);
            try {
                c.startAll();
                return c;
            } catch (IOException | InterruptedException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    private void startAll() throws IOException, InterruptedException {
        if (config.redis == null) {
            ownRedis = config.redisFsync == null ? LocalRedis.start()
                    : LocalRedis.start(LocalRedis.freePort(), LocalRedis.Flavor.configured(),
                            new LocalRedis.AppendOnly(config.workDir.resolve("redis"), config.redisFsync));
            redisAddress = ownRedis.address();
        } else {
            if (config.redisFsync != null) {
                throw new IllegalStateException("redisAppendFsync is for the cluster's own Redis, not for " + config.redis);
            }
            redisAddress = config.redis;
        }
        URI redisUri = URI.create(redisAddress);
        redisPort = redisUri.getPort();
        nextPort = config.basePort;
        for (String[] spec : config.nodeSpecs) {
            launch(spec[0], spec[1]);
        }
        for (ClusterNode node : nodes.values()) {
            node.awaitHealthy(config.startTimeout);
            awaitConsole(node.id());
        }
    }

    /**
     * Waits until a console node's web console accepts connections: a node is healthy once its admin API answers, and
     * its console may still be starting then (a browser test was refused right after the start).
     */
    private void awaitConsole(String id) throws InterruptedException {
        Integer port = consolePorts.get(id);
        if (port == null) {
            return;
        }
        long deadline = System.nanoTime() + config.startTimeout.toNanos();
        while (true) {
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the console of node " + id + " did not listen on port " + port
                            + " within " + config.startTimeout.toSeconds() + " s: " + e.getMessage());
                }
                Thread.sleep(100);
            }
        }
    }

    /** Starts one node process (and its proxies); returns without waiting for it to be healthy. */
    private ClusterNode launch(String id, String roles) throws IOException {
        URI redisUri = URI.create(redisAddress);
        String nodeRedis = redisAddress;
        if (config.proxied) {
            TcpProxy proxy = TcpProxy.start(id + "-redis", new InetSocketAddress(redisUri.getHost(), redisPort));
            redisLinks.put(id, proxy);
            nodeRedis = redisUri.getScheme() + "://127.0.0.1:" + proxy.port();
        }
        int adminPort = config.basePort == 0 ? LocalRedis.freePort() : nextPort++;
        List<String> args = new ArrayList<>();
        if (config.lockGroupSize > 0) {
            args.addAll(List.of("--lock-group-size", Integer.toString(config.lockGroupSize)));
        }
        if (config.lockGroups > 0) {
            args.addAll(List.of("--lock-groups", Integer.toString(config.lockGroups)));
        }
        if (roles.contains("lock")) {
            // Lock nodes keep one Raft port for their life, restarts included: the group remembers addresses.
            int raftPort = LocalRedis.freePort();
            args.addAll(List.of("--raft-port", Integer.toString(raftPort)));
            InetSocketAddress raft = new InetSocketAddress("127.0.0.1", raftPort);
            if (config.partitionable) {
                TcpProxy proxy = TcpProxy.start(id + "-raft", raft, linkFilter(id));
                raftProxies.put(id, proxy);
                raft = new InetSocketAddress("127.0.0.1", proxy.port());
                args.addAll(List.of("--raft-advertise-port", Integer.toString(proxy.port())));
            }
            raftAddresses.put(id, raft);
        }
        if (roles.contains("console")) {
            int port = config.consolePort != 0 && consolePorts.isEmpty() ? config.consolePort : LocalRedis.freePort();
            consolePorts.put(id, port);
            args.addAll(List.of("--console-port", Integer.toString(port)));
            if (config.consoleUsers != null) {
                args.addAll(List.of("--console-users", config.consoleUsers));
            }
        }
        // The messaging port is picked here, not by the node, so that it cannot be a port picked for another node
        // that has not bound it yet (a node's own pick once took the admin port of a node still starting).
        int messagingPort = LocalRedis.freePort();
        if (!config.partitionable) {
            args.addAll(List.of("--messaging-port", Integer.toString(messagingPort)));
        } else {
            // Node messaging (queue owner calls, cache coherence) through a proxy too: one port for the node's life.
            TcpProxy proxy = TcpProxy.start(id + "-messaging", new InetSocketAddress("127.0.0.1", messagingPort),
                    linkFilter(id));
            messagingProxies.put(id, proxy);
            args.addAll(List.of("--messaging-port", Integer.toString(messagingPort),
                    "--messaging-advertise-port", Integer.toString(proxy.port())));
        }
        ClusterNode node = new ClusterNode(config.home, config.workDir,
                new ClusterNode.Spec(id, roles, adminPort, nodeRedis, config.cluster, config.adminToken, config.javaOpts, args));
        nodes.put(id, node);
        nodeList.add(node);
        node.start();
        return node;
    }

    /**
     * Adds a node to the running cluster, e.g. a fourth lock node that joins the lock group, and waits until it is
     * healthy.
     *
     * @return the new node
     */
    public synchronized ClusterNode addNode(String id, String roles) throws IOException, InterruptedException {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("there is a node '" + id + "' already");
        }
        ClusterNode node = launch(id, roles);
        node.awaitHealthy(config.startTimeout);
        awaitConsole(id);
        return node;
    }

    /** @return the node with that id */
    public ClusterNode node(String id) {
        ClusterNode n = nodes.get(id);
        if (n == null) {
            throw new NoSuchElementException("no node '" + id + "'; nodes are " + nodes.keySet());
        }
        return n;
    }

    /** @return every node, in the order they were added */
    public List<ClusterNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** @return the Redis address the cluster uses (not a proxy's) */
    public String redisAddress() {
        return redisAddress;
    }

    /** @return the cluster name */
    public String name() {
        return config.cluster;
    }

    /** @return the proxy between this node and Redis (only with proxied links) */
    public TcpProxy link(String nodeId) {
        TcpProxy p = redisLinks.get(nodeId);
        if (p == null) {
            throw new IllegalStateException("no proxied Redis link for node '" + nodeId + "' (build the cluster with proxied(true))");
        }
        return p;
    }

    /** @return every lock node's Raft address as others reach it (its proxy's, when partitionable), by node id */
    public Map<String, InetSocketAddress> raftAddresses() {
        return Map.copyOf(raftAddresses);
    }

    /**
     * @return the web console of a console node, {@code http://127.0.0.1:<port>/}
     * @throws IllegalArgumentException when the node has no console role
     */
    public String consoleUrl(String id) {
        Integer port = consolePorts.get(id);
        if (port == null) {
            throw new IllegalArgumentException("node " + id + " has no console role");
        }
        return "http://127.0.0.1:" + port + "/";
    }

    /** Cuts one direction: nothing {@code from} sends reaches {@code to} (a node id or {@link #EXTERNAL}). */
    public void cut(String from, String to) {
        requirePartitionable(from, to);
        cutLinks.add(from + ">" + to);
    }

    /** Cuts both directions between two nodes. */
    public void disconnect(String a, String b) {
        cut(a, b);
        cut(b, a);
    }

    /**
     * Splits the cluster: every link between nodes of different sides is cut both ways; links within a side and to
     * nodes on no side stay. Put {@link #EXTERNAL} on a side to cut the test's clients from the others.
     */
    @SafeVarargs
    public final void partition(Collection<String>... sides) {
        for (int i = 0; i < sides.length; i++) {
            for (int j = i + 1; j < sides.length; j++) {
                for (String a : sides[i]) {
                    for (String b : sides[j]) {
                        disconnect(a, b);
                    }
                }
            }
        }
    }

    /** Cuts a node from every other node and from the external clients, both ways. */
    public void isolate(String id) {
        for (String other : nodes.keySet()) {
            if (!other.equals(id)) {
                disconnect(id, other);
            }
        }
        disconnect(id, EXTERNAL);
    }

    /** @return the cut directed links, {@code from>to}, sorted */
    public List<String> cutLinks() {
        return cutLinks.stream().sorted().toList();
    }

    /** Heals every cut link: to Redis, and between nodes. */
    public void healAll() {
        redisLinks.values().forEach(TcpProxy::heal);
        cutLinks.clear();
        raftProxies.values().forEach(TcpProxy::recheck);
        messagingProxies.values().forEach(TcpProxy::recheck);
    }

    private void requirePartitionable(String... ids) {
        if (!config.partitionable) {
            throw new IllegalStateException("links between nodes cannot be cut: build the cluster with partitionable(true)");
        }
        for (String id : ids) {
            if (!id.equals(EXTERNAL)) {
                node(id);
            }
        }
    }

    /** The filter of the proxy in front of node {@code target}: who connected, and is that link cut now. */
    private TcpProxy.LinkFilter linkFilter(String target) {
        return new TcpProxy.LinkFilter() {
            @Override
            public String source(Socket accepted) {
                List<Long> pids = new ArrayList<>();
                Map<Long, String> byPid = new java.util.HashMap<>();
                for (ClusterNode n : nodeList) {
                    if (n.isAlive()) {
                        pids.add(n.pid());
                        byPid.put(n.pid(), n.id());
                    }
                }
                var owner = SocketOwners.owner(accepted.getPort(), accepted.getLocalPort(), pids);
                return owner.isPresent() ? byPid.get(owner.getAsLong()) : EXTERNAL;
            }

            @Override
            public boolean open(String source, boolean upstream) {
                return !cutLinks.contains(upstream ? source + ">" + target : target + ">" + source);
            }
        };
    }

    /**
     * Stops the Redis this cluster started (SIGTERM: with an append-only file, Redis flushes it first); the nodes see
     * it disappear.
     */
    public void stopRedis() {
        requireOwnRedis().close();
    }

    /** Kills the Redis this cluster started (SIGKILL: it flushes nothing), as a crash. */
    public void killRedis() {
        requireOwnRedis().kill();
    }

    /**
     * Starts the Redis again on the same port and from the same binary: empty by default; with
     * {@link Builder#redisAppendFsync an append-only file}, with what the file holds.
     */
    public void startRedis() throws IOException {
        ownRedis = requireOwnRedis().startAgain();
    }

    /**
     * Leaves stopping the Redis this cluster started to {@link #close()}, after the nodes, instead of the JVM's exit
     * stopping it beside them: for a caller that closes the cluster in a shutdown hook of its own.
     */
    public void stopRedisOnlyOnClose() {
        if (ownRedis != null) {
            ownRedis.stopOnlyOnClose();
        }
    }

    /** @return the process id of the Redis this cluster started (the current one, after {@link #startRedis()}) */
    public long redisPid() {
        return requireOwnRedis().pid();
    }

    private LocalRedis requireOwnRedis() {
        if (ownRedis == null) {
            throw new IllegalStateException("this cluster uses an external Redis at " + redisAddress);
        }
        return ownRedis;
    }

    /** @return process ids of every running node and of the Redis this cluster started */
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        for (ClusterNode n : nodes.values()) {
            if (n.isAlive()) {
                pids.add(n.pid());
            }
        }
        if (ownRedis != null && ownRedis.isAlive()) {
            pids.add(ownRedis.pid());
        }
        return pids;
    }

    /** @return every port the cluster listens on: admin ports, proxies, and its own Redis */
    public List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        nodes.values().forEach(n -> ports.add(n.adminPort()));
        redisLinks.values().forEach(p -> ports.add(p.port()));
        raftProxies.values().forEach(p -> ports.add(p.port()));
        messagingProxies.values().forEach(p -> ports.add(p.port()));
        if (ownRedis != null) {
            ports.add(redisPort);
        }
        return ports;
    }

    /** Copies every node's output and log into {@code dir}. */
    public void collectLogs(Path dir) {
        for (ClusterNode n : nodes.values()) {
            try {
                n.copyLogs(dir);
            } catch (IOException e) {
                System.err.println("could not copy the logs of " + n.id() + ": " + e.getMessage());
            }
        }
    }

    /** Stops every node (SIGTERM, in parallel), the proxies and the Redis this cluster started. */
    @Override
    public void close() throws InterruptedException {
        ExecutorService stopper = Executors.newFixedThreadPool(Math.max(1, nodes.size()));
        try {
            List<Future<?>> stops = new ArrayList<>();
            for (ClusterNode n : nodes.values()) {
                stops.add(stopper.submit(() -> {
                    n.stop(Duration.ofSeconds(30));
                    return null;
                }));
            }
            for (Future<?> f : stops) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    System.err.println(e.getCause().getMessage());
                }
            }
        } finally {
            stopper.shutdownNow();
            stopper.awaitTermination(5, TimeUnit.SECONDS);
            redisLinks.values().forEach(TcpProxy::close);
            raftProxies.values().forEach(TcpProxy::close);
            messagingProxies.values().forEach(TcpProxy::close);
            if (ownRedis != null) {
                ownRedis.close();
            }
        }
    }
}
