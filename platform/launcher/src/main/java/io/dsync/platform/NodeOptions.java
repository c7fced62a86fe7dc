package io.dsync.platform;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything a node needs to start.
 *
 * @param id node id, unique in the cluster ({@code [A-Za-z0-9._-]{1,64}})
 * @param roles the node's roles
 * @param cluster cluster name, the name space of its keys in Redis
 * @param home the distribution folder ({@code bin/}, {@code etc/}, {@code bundles/}, {@code deploy/})
 * @param data the node's own folder (framework cache, logs, later the Raft log)
 * @param deploy the hot-deploy folder FileInstall watches for bundle JARs
 * @param adminPort the admin HTTP port
 * @param bind the address servers bind to
 * @param advertise the host other nodes and the console use to reach this node
 * @param redis the Redis address, e.g. {@code redis://127.0.0.1:6379}
 * @param adminToken the admin token; empty disables bundle changes over HTTP
 * @param shell whether to start the Gogo shell on the console
 * @param extraProperties further framework properties (tests)
 */
public record NodeOptions(String id, Set<Role> roles, String cluster, Path home, Path data, Path deploy, int adminPort, String bind,
                          String advertise, String redis, String adminToken, boolean shell,
                          Map<String, String> extraProperties) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public NodeOptions {
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(deploy, "deploy");
        requireName("node id", id);
        requireName("cluster", cluster);
        roles = Set.copyOf(roles);
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("a node needs at least one role; roles are " + Role.known());
        }
        if (adminPort < 1 || adminPort > 65535) {
            throw new IllegalArgumentException("admin port must be between 1 and 65535, got " + adminPort);
        }
        if (redis == null || !(redis.startsWith("redis://") || redis.startsWith("rediss://"))) {
            throw new IllegalArgumentException("Redis address must look like redis://host:port, got '" + redis + "'");
        }
        adminToken = adminToken == null ? "" : adminToken;
        extraProperties = extraProperties == null ? Map.of() : Map.copyOf(extraProperties);
    }

    private static void requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 64 letters, digits, '.', '_' or '-', got '" + value + "'");
        }
    }
}
