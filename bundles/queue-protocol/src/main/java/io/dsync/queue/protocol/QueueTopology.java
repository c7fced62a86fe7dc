package io.dsync.queue.protocol;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.dsync.registry.NodeInfo;
import io.dsync.ring.HashRing;
import io.dsync.ring.Placement;

/**
 * The queue nodes of a cluster and where each queue's partitions live. Immutable; every node computes the same
 * placement from the same set of queue nodes, so clients route to owners and owners claim partitions without asking
 * anyone.
 * <p>
 * Placement is consistent hashing with bounded loads over a ring of {@value #VNODES} virtual nodes per queue node
 * (no node is primary for more than {@code ceil((1 + }{@value #EPSILON}{@code ) · partitions / nodes)} partitions of a
 * queue); each partition has a primary and up to {@value #REPLICAS}{@code  - 1} replicas, the next distinct nodes on
 * the ring, which are the successors that take it over. A partition's ring position is the hash of
 * {@code <queue>/<partition>}, so the partitions of different queues spread differently. These parameters must be
 * the same on every node of a cluster, which is why they are constants and not configuration.
 */
public final class QueueTopology {

    /** The role of the nodes that own queue partitions. */
    public static final String ROLE = "queue";
    /** The bundle that owns the partitions on a queue node ({@code bundles/queue-node}). */
    public static final String NODE_BUNDLE = "io.dsync.queue.node";
    public static final int VNODES = 128;
    public static final double EPSILON = 0.25;
    public static final int REPLICAS = 2;

    private static final QueueTopology EMPTY = new QueueTopology(Map.of());

    /**
     * How a queue node is reached: its admin API (status, for people and the console) and its node messaging address
     * (the owner calls).
     */
    public record Endpoint(String adminUrl, InetSocketAddress messaging) {
    }

    private final Map<String, Endpoint> nodes;
    private final Map<String, String> urls;
    private final HashRing ring;
    private final Map<String, Placement> placements = new ConcurrentHashMap<>();

    private QueueTopology(Map<String, Endpoint> nodes) {
        this.nodes = Map.copyOf(nodes);
        Map<String, String> urls = new TreeMap<>();
        nodes.forEach((id, e) -> urls.put(id, e.adminUrl()));
        this.urls = java.util.Collections.unmodifiableMap(urls);
        this.ring = HashRing.of(nodes.keySet(), VNODES);
    }

    public static QueueTopology empty() {
        return EMPTY;
    }

    /**
     * How a registered node is reached as a queue node, or {@code null} when it is not one: it needs the queue role,
     * an admin port, a messaging port and its {@value #NODE_BUNDLE} bundle ACTIVE. A queue node whose queue-node
     * bundle is stopped, being updated or uninstalled leaves the ring, so that the others take its partitions over
     * instead of clients waiting for it; it is back in the ring once the bundle is ACTIVE again (the registry publishes
     * bundle changes at once). A node that reports no bundles at all (an entry made by hand) counts on its role alone.
     */
    public static Endpoint endpoint(NodeInfo node) {
        Integer messaging = node.ports().get("messaging");
        if (!node.roles().contains(ROLE) || node.adminUrl() == null || messaging == null || !ownsPartitions(node)) {
            return null;
        }
        return new Endpoint(node.adminUrl(), InetSocketAddress.createUnresolved(node.host(), messaging));
    }

    private static boolean ownsPartitions(NodeInfo node) {
        return node.bundles().isEmpty() || node.bundles().stream()
                .anyMatch(b -> NODE_BUNDLE.equals(b.symbolicName()) && "ACTIVE".equals(b.state()));
    }

    /** The topology of the queue nodes among {@code nodes} (see {@link #endpoint(NodeInfo)}). */
    public static QueueTopology of(Collection<NodeInfo> nodes) {
        Map<String, Endpoint> endpoints = new TreeMap<>();
        for (NodeInfo node : nodes) {
            Endpoint e = endpoint(node);
            if (e != null) {
                endpoints.put(node.id(), e);
            }
        }
        return new QueueTopology(endpoints);
    }

    /** A topology of the given nodes (id to endpoint). */
    public static QueueTopology ofEndpoints(Map<String, Endpoint> nodes) {
        return new QueueTopology(nodes);
    }

    /** The queue nodes' admin URLs, by node id (sorted). */
    public Map<String, String> urls() {
        return urls;
    }

    public HashRing ring() {
        return ring;
    }

    public boolean isEmpty() {
        return nodes.isEmpty();
    }

    /** The admin URL of a queue node, or {@code null} if it is not in this topology. */
    public String url(String node) {
        return urls.get(node);
    }

    /** The messaging address of a queue node, or {@code null} if it is not in this topology. */
    public InetSocketAddress messaging(String node) {
        Endpoint e = nodes.get(node);
        return e == null ? null : e.messaging();
    }

    /** Where the partitions of {@code queue} live: computed once per topology and queue. */
    public Placement placement(String queue, int partitions) {
        return placements.computeIfAbsent(queue + "#" + partitions,
                k -> ring.placeBounded(partitions, REPLICAS, EPSILON, p -> queue + "/" + p));
    }

    /** The node that owns (delivers) a partition, or {@code null} when there is no queue node. */
    public String primary(String queue, int partitions, int partition) {
        return isEmpty() ? null : placement(queue, partitions).primary(partition);
    }

    /** Whether both topologies have the same queue nodes at the same addresses. */
    public boolean sameAs(QueueTopology other) {
        return nodes.equals(other.nodes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueueTopology t && nodes.equals(t.nodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(nodes);
    }

    @Override
    public String toString() {
        return "QueueTopology" + new java.util.TreeSet<>(nodes.keySet());
    }
}
