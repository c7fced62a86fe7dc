package io.dsync.lock.server.internal;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

/** The lock nodes of the cluster as the registry lists them: their ids and Raft addresses. */
final class LockNodes {

    private LockNodes() {
    }

    /**
     * @return the live nodes with the lock role and a raft port, by node id
     * @throws io.dsync.registry.RegistryUnavailableException when Redis cannot be read
     */
    static Map<String, InetSocketAddress> inRegistry(NodeRegistry registry) {
        Map<String, InetSocketAddress> nodes = new TreeMap<>();
        for (NodeInfo n : registry.nodes()) {
            Integer port = n.ports().get("raft");
            if (n.roles().contains("lock") && port != null) {
                nodes.put(n.id(), new InetSocketAddress(n.host(), port));
            }
        }
        return nodes;
    }
}
