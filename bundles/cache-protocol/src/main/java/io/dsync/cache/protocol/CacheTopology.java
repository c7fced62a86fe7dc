package io.dsync.cache.protocol;

import io.dsync.registry.NodeInfo;
import io.dsync.ring.HashRing;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where each key's home is under one {@link HomeRing.Record}, and how the nodes of the cluster are reached. Immutable;
 * every node computes the same homes from the same record. A key's position on the ring is the hash of
 * {@code <cache>/<key>}, so the keys of different caches spread differently. The virtual-node count must be equal on
 * all nodes, which is why it is a constant.
 */
public final class CacheTopology {

    /** The role of the nodes that home keys. */
    public static final String ROLE = "cache";
    /** The bundle that homes keys on a cache node ({@code bundles/cache-node}). */
    public static final String NODE_BUNDLE = "io.dsync.cache.node";
    public static final int VNODES = 128;

    private static final CacheTopology EMPTY = new CacheTopology(HomeRing.Record.NONE, Map.of());

    private final HomeRing.Record record;
    private final HashRing ring;
    private final Map<String, InetSocketAddress> addresses;

    private CacheTopology(HomeRing.Record record, Map<String, InetSocketAddress> addresses) {
        this.record = record;
        this.ring = HashRing.of(record.members(), VNODES);
        this.addresses = Map.copyOf(addresses);
    }

    public static CacheTopology empty() {
        return EMPTY;
    }

    /**
     * @param record the agreed ring
     * @param nodes the registered nodes, for their messaging addresses (any node may hold copies, so homes reach all)
     */
    public static CacheTopology of(HomeRing.Record record, Collection<NodeInfo> nodes) {
        return EMPTY.next(record, nodes);
    }

    /**
     * The topology of {@code record} and {@code nodes}: this one if neither changed (the ring is read every few
     * hundred milliseconds and rarely changes: no new hash ring then).
     */
    public CacheTopology next(HomeRing.Record record, Collection<NodeInfo> nodes) {
        Map<String, InetSocketAddress> next = new TreeMap<>();
        for (NodeInfo node : nodes) {
            Integer port = node.ports().get("messaging");
            if (port != null) {
                next.put(node.id(), InetSocketAddress.createUnresolved(node.host(), port));
            }
        }
        return record.equals(this.record) && next.equals(addresses) ? this : new CacheTopology(record, next);
    }

    /**
     * The nodes among {@code nodes} that should home keys: the cache role, a messaging port and the
     * {@value #NODE_BUNDLE} bundle ACTIVE. A cache node whose cache-node bundle is stopped or being updated leaves
     * the ring (the registry publishes bundle changes at once); a node that reports no bundles at all (an entry made
     * by hand) counts on its role alone.
     */
    public static SortedSet<String> eligible(Collection<NodeInfo> nodes) {
        SortedSet<String> ids = new TreeSet<>();
        for (NodeInfo node : nodes) {
            if (node.roles().contains(ROLE) && node.ports().get("messaging") != null && (node.bundles().isEmpty()
                    || node.bundles().stream().anyMatch(b -> NODE_BUNDLE.equals(b.symbolicName())
                    && "ACTIVE".equals(b.state())))) {
                ids.add(node.id());
            }
        }
        return ids;
    }

    public HomeRing.Record record() {
        return record;
    }

    public long epoch() {
        return record.epoch();
    }

    public boolean isEmpty() {
        return record.members().isEmpty();
    }

    public boolean isMember(String node) {
        return ring.nodes().contains(node);
    }

    /** The home of a key of a cache; {@code null} when the ring is empty. */
    public String home(String cache, String key) {
        return isEmpty() ? null : ring.owners(cache + "/" + key, 1).get(0);
    }

    /** The messaging address of a node, or {@code null} when the registry has none for it. */
    public InetSocketAddress address(String node) {
        return addresses.get(node);
    }

    /** Whether both topologies have the same ring and the same addresses. */
    public boolean sameAs(CacheTopology other) {
        return record.equals(other.record) && addresses.equals(other.addresses);
    }

    @Override
    public String toString() {
        return "CacheTopology[epoch " + record.epoch() + ", " + record.members() + "]";
    }
}
