package io.dsync.platform.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import io.dsync.platform.NodeOptions;
import io.dsync.platform.Role;
import picocli.CommandLine.Option;

/** Options shared by {@code dsync node} and {@code dsync demo}; each may also come from a {@code DSYNC_*} variable. */
final class NodeArgs {

    @Option(names = "--id", defaultValue = "${env:DSYNC_NODE_ID}",
            description = "Node id, unique in the cluster (default: this host's name; env DSYNC_NODE_ID).")
    String id;

    @Option(names = "--cluster", defaultValue = "${env:DSYNC_CLUSTER:-default}",
            description = "Cluster name; nodes of one cluster find each other in Redis (default: ${DEFAULT-VALUE}; env DSYNC_CLUSTER).")
    String cluster;

    @Option(names = "--admin-port", defaultValue = "${env:DSYNC_ADMIN_PORT:-8080}",
            description = "Port of the admin HTTP API: /health, /metrics, /bundles (default: ${DEFAULT-VALUE}; 0 picks a free one; env DSYNC_ADMIN_PORT).")
    int adminPort;

    @Option(names = "--raft-port", defaultValue = "${env:DSYNC_RAFT_PORT:-9300}",
            description = "Port of the lock Raft group, on nodes with the lock role; keep it across restarts, since "
                    + "the group remembers its members' addresses (default: ${DEFAULT-VALUE}; env DSYNC_RAFT_PORT).")
    int raftPort;

    @Option(names = "--raft-advertise-port", defaultValue = "${env:DSYNC_RAFT_ADVERTISE_PORT:-0}",
            description = "Port other nodes use to reach this node's Raft endpoint when it is not --raft-port: a port "
                    + "mapping, a NAT, or the test harness's partition proxy (default: --raft-port; env DSYNC_RAFT_ADVERTISE_PORT).")
    int raftAdvertisePort;

    @Option(names = "--messaging-port", defaultValue = "${env:DSYNC_MESSAGING_PORT:-0}",
            description = "Port of node messaging, the node-to-node requests of the queue and the cache; other nodes "
                    + "learn it from the registry (default: ${DEFAULT-VALUE}, a free one; env DSYNC_MESSAGING_PORT).")
    int messagingPort;

    @Option(names = "--messaging-advertise-port", defaultValue = "${env:DSYNC_MESSAGING_ADVERTISE_PORT:-0}",
            description = "Port other nodes use to reach this node's messaging when it is not --messaging-port: a port "
                    + "mapping, or the test harness's partition proxy (default: --messaging-port; env DSYNC_MESSAGING_ADVERTISE_PORT).")
    int messagingAdvertisePort;

    @Option(names = "--lock-group-size", defaultValue = "${env:DSYNC_LOCK_GROUP_SIZE:-3}",
            description = "How many lock nodes form the lock Raft group when it is first created; each lock node "
                    + "waits until that many are registered (default: ${DEFAULT-VALUE}; env DSYNC_LOCK_GROUP_SIZE).")
    int lockGroupSize;

    @Option(names = "--lock-groups", defaultValue = "${env:DSYNC_LOCK_GROUPS:-1}",
            description = "How many Raft groups share the lock space, 1 to 64 (lock name -> group by hash; every lock "
                    + "node hosts every group, each with its own leader). Read when the lock cluster is formed: a "
                    + "running cluster keeps its count (default: ${DEFAULT-VALUE}; env DSYNC_LOCK_GROUPS).")
    int lockGroups;

    @Option(names = "--bind", defaultValue = "${env:DSYNC_BIND:-127.0.0.1}",
            description = "Address the node's servers listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 in containers; env DSYNC_BIND).")
    String bind;

    @Option(names = "--advertise", defaultValue = "${env:DSYNC_ADVERTISE}",
            description = "Host other nodes use to reach this one (default: the bind address, or this host's name when binding to all; env DSYNC_ADVERTISE).")
    String advertise;

    @Option(names = "--redis", defaultValue = "${env:DSYNC_REDIS:-redis://127.0.0.1:6379}",
            description = "Redis address, redis://host:port or rediss:// for TLS (default: ${DEFAULT-VALUE}; env DSYNC_REDIS). "
                    + "Sentinel, cluster, password and TLS settings live in etc/io.dsync.redis.cfg.")
    String redis;

    @Option(names = "--admin-token", defaultValue = "${env:DSYNC_ADMIN_TOKEN}",
            description = "Token for bundle changes over HTTP (Authorization: Bearer <token>); without one they are disabled (env DSYNC_ADMIN_TOKEN).")
    String adminToken;

    @Option(names = "--data", defaultValue = "${env:DSYNC_DATA}",
            description = "The node's data folder (default: <home>/data/<id>; env DSYNC_DATA).")
    Path data;

    @Option(names = "--deploy", defaultValue = "${env:DSYNC_DEPLOY}",
            description = "Hot-deploy folder: bundle JARs put there are installed, updated and removed live (default: <home>/deploy; env DSYNC_DEPLOY).")
    Path deploy;

    @Option(names = "--console-port", defaultValue = "${env:DSYNC_CONSOLE_PORT:-8880}",
            description = "Port of the web console, on nodes with the console role; it binds to --bind "
                    + "(default: ${DEFAULT-VALUE}; 0 picks a free one; env DSYNC_CONSOLE_PORT).")
    int consolePort;

    @Option(names = "--console-users", defaultValue = "${env:DSYNC_CONSOLE_USERS}",
            description = "Who may sign in to the console: name:role:bcrypt-hash entries (role viewer or admin) "
                    + "separated by commas; 'dsync console user NAME ROLE' prints one. No entry, no sign-in "
                    + "(env DSYNC_CONSOLE_USERS; or 'users' in etc/io.dsync.console.cfg).")
    String consoleUsers;

    @Option(names = "--shell", description = "Start the Gogo shell on this terminal (off by default).")
    boolean shell;

    String nodeId(String defaultId) {
        return id == null || id.isBlank() ? defaultId : id.trim();
    }

    /** The node's data folder: --data, else {@code <home>/data/<id>}. */
    Path dataDir(Path home, String defaultId) {
        return data != null ? data.toAbsolutePath() : home.resolve("data").resolve(nodeId(defaultId));
    }

    NodeOptions toOptions(Path home, Set<Role> roles, String defaultId) {
        String nodeId = nodeId(defaultId);
        int port = adminPort == 0 ? freePort() : adminPort;
        String host = advertise != null && !advertise.isBlank() ? advertise.trim()
                : "0.0.0.0".equals(bind) || "::".equals(bind) ? hostName() : bind;
        try {
            return new NodeOptions(nodeId, roles, cluster, home, dataDir(home, defaultId),
                    deploy != null ? deploy.toAbsolutePath() : home.resolve("deploy"),
                    port, bind, host, redis, adminToken, shell,
                    extraProperties(roles));
        } catch (IllegalArgumentException e) {
            throw new Dsync.CliException(e.getMessage(), 2);
        }
    }

    private static int freePort() {
        try {
            return io.dsync.devkit.LocalRedis.freePort();
        } catch (java.io.IOException e) {
            throw new Dsync.CliException("cannot find a free port: " + e.getMessage());
        }
    }

    /**
     * The messaging port (every node), what the lock server reads: its raft port (lock role only) and, through
     * etc/io.dsync.lock.server.cfg, the group size; and what the console reads through etc/io.dsync.console.cfg: its
     * port and users (console role only).
     */
    private Map<String, String> extraProperties(Set<Role> roles) {
        if (messagingPort < 0 || messagingPort > 65535 || messagingAdvertisePort < 0 || messagingAdvertisePort > 65535) {
            throw new Dsync.CliException("--messaging-port and --messaging-advertise-port must be between 0 and 65535, got "
                    + messagingPort + " and " + messagingAdvertisePort, 2);
        }
        if (lockGroupSize < 1) {
            throw new Dsync.CliException("--lock-group-size must be at least 1, got " + lockGroupSize, 2);
        }
        if (lockGroups < 1 || lockGroups > 64) {
            throw new Dsync.CliException("--lock-groups must be 1 to 64, got " + lockGroups, 2);
        }
        if (raftPort < 1 || raftPort > 65535 || raftAdvertisePort < 0 || raftAdvertisePort > 65535) {
            throw new Dsync.CliException("--raft-port and --raft-advertise-port must be between 1 and 65535, got "
                    + raftPort + " and " + raftAdvertisePort, 2);
        }
        Map<String, String> p = new java.util.HashMap<>();
        p.put("dsync.lock.groupSize", Integer.toString(lockGroupSize));
        p.put("dsync.lock.groups", Integer.toString(lockGroups));
        p.put("dsync.port.messaging", Integer.toString(messagingPort == 0 ? freePort() : messagingPort));
        if (messagingAdvertisePort != 0) {
            p.put("dsync.advertise.port.messaging", Integer.toString(messagingAdvertisePort));
        }
        if (roles.contains(Role.CONSOLE)) {
            if (consolePort < 0 || consolePort > 65535) {
                throw new Dsync.CliException("--console-port must be between 0 and 65535, got " + consolePort, 2);
            }
            p.put("dsync.port.console", Integer.toString(consolePort == 0 ? freePort() : consolePort));
            p.put("dsync.console.users", consoleUsers == null ? "" : consoleUsers.trim());
        }
        if (roles.contains(Role.LOCK)) {
            p.put("dsync.port.raft", Integer.toString(raftPort));
            if (raftAdvertisePort != 0) {
                p.put("dsync.advertise.port.raft", Integer.toString(raftAdvertisePort));
            }
        }
        return p;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
