package io.dsync.registry;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a node publishes in the registry at each heartbeat.
 *
 * @param id node id, unique in the cluster
 * @param instance random id of this process; tells a restarted node from a second node that took the same id
 * @param cluster cluster name
 * @param roles roles of the node
 * @param host host other nodes use to reach it
 * @param ports named ports ({@code admin}, and per role {@code raft}, {@code messaging} ...)
 * @param bundles bundles of the node and their states
 * @param startedAt ISO-8601 instant the node started
 * @param heartbeatAt ISO-8601 instant of this heartbeat (the node's clock; informative only)
 * @param version the dsync version
 */
public record NodeInfo(String id, String instance, String cluster, List<String> roles, String host,
                       Map<String, Integer> ports, List<BundleInfo> bundles, String startedAt, String heartbeatAt,
                       String version) {

    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(instance, "instance");
        roles = roles == null ? List.of() : List.copyOf(roles);
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        bundles = bundles == null ? List.of() : List.copyOf(bundles);
    }

    /** @return {@code http://host:port} of the admin API, or {@code null} when the node has no admin port */
    public String adminUrl() {
        Integer port = ports.get("admin");
        return port == null ? null : "http://" + host + ":" + port;
    }
}
