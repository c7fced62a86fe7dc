package io.dsync.registry;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Who this node is: the launcher passes it as framework properties ({@code dsync.node.id}, {@code dsync.node.roles},
 * {@code dsync.node.host}, {@code dsync.cluster}, {@code dsync.node.started}, {@code dsync.version} and one
 * {@code dsync.port.<name>} per listening port, overridden by {@code dsync.advertise.port.<name>} where other nodes
 * reach that port through another one: a port mapping, a NAT, or the test harness's partition proxy).
 *
 * @param id unique node id within the cluster
 * @param cluster the cluster name
 * @param roles the node's roles, e.g. {@code [lock, queue]}
 * @param host the host name or address other nodes use to reach this one
 * @param ports named ports as other nodes reach them, e.g. {@code admin -> 8080}
 * @param startedAt ISO-8601 instant the node started
 * @param version the dsync version
 */
public record NodeIdentity(String id, String cluster, List<String> roles, String host, Map<String, Integer> ports,
                           String startedAt, String version) {

    public NodeIdentity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cluster, "cluster");
        roles = List.copyOf(roles);
        ports = Map.copyOf(ports);
    }

    /** Property naming the node id. */
    public static final String ID = "dsync.node.id";
    /** Property naming the cluster. */
    public static final String CLUSTER = "dsync.cluster";
    /** Property listing the roles, comma-separated. */
    public static final String ROLES = "dsync.node.roles";
    /** Property naming the advertised host. */
    public static final String HOST = "dsync.node.host";
    /** Property holding the start instant. */
    public static final String STARTED = "dsync.node.started";
    /** Property holding the dsync version. */
    public static final String VERSION = "dsync.version";
    /** Prefix of the properties naming ports: {@code dsync.port.admin=8080}. */
    public static final String PORT_PREFIX = "dsync.port.";
    /** Prefix of the properties naming a port as others reach it, when that differs from the bound one. */
    public static final String ADVERTISED_PORT_PREFIX = "dsync.advertise.port.";
    /** The port names the launcher knows about. */
    public static final List<String> KNOWN_PORTS = List.of("admin", "raft", "messaging");

    /**
     * Reads the identity from framework properties.
     *
     * @param props a property lookup, e.g. {@code BundleContext::getProperty}
     * @return the identity; missing values get defaults ({@code id=unknown}, {@code cluster=default})
     */
    public static NodeIdentity from(Function<String, String> props) {
        Map<String, Integer> ports = new TreeMap<>();
        for (String name : KNOWN_PORTS) {
            String v = props.apply(ADVERTISED_PORT_PREFIX + name);
            if (v == null || v.isBlank()) {
                v = props.apply(PORT_PREFIX + name);
            }
            if (v != null && !v.isBlank()) {
                ports.put(name, Integer.parseInt(v.trim()));
            }
        }
        String roles = orElse(props.apply(ROLES), "");
        return new NodeIdentity(orElse(props.apply(ID), "unknown"), orElse(props.apply(CLUSTER), "default"),
                Arrays.stream(roles.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                orElse(props.apply(HOST), "127.0.0.1"), ports, orElse(props.apply(STARTED), ""),
                orElse(props.apply(VERSION), "unknown"));
    }

    private static String orElse(String v, String dflt) {
        return v == null || v.isBlank() ? dflt : v.trim();
    }
}
