package io.dsync.lock.protocol;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.util.TimeDuration;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

import io.dsync.registry.NodeInfo;

/**
 * How a cluster's lock Raft groups are named and reached, the same for their clients and their members: the group ids,
 * which group holds a lock, the transport (Ratis' Netty RPC) and its sizing, the members' addresses as the registry
 * publishes them.
 *
 * <p><b>Groups.</b> The lock space is split over {@code G} Raft groups (G is fixed when the cluster is formed, 1 by
 * default), all hosted by the same lock nodes (Ratis multi-group: one server, one port, one division per group).
 * A lock lives in group {@link #groupOf(String, int)} (XXH3 of its name modulo G). Group 0 has the id that the one group
 * of a cluster has always had ({@link #groupId(String)}), so a cluster formed before sharding keeps its data.
 *
 * <p><b>Netty event loops.</b> Ratis' Netty server (3.1 to 3.3) handles a request on the event loop thread that read
 * it and blocks that thread until the answer is ready. A long-poll of a waiting acquire is held by the leader for up to
 * the poll window, so with Netty's default of two threads per core, a handful of waiters blocked every other request of
 * the leader (keep-alives included) until their windows ran out: sixteen clients queued on one lock made no progress
 * at all. {@link #configureNetty()} gives the loops more threads before the first of them is made.
 *
 * <p>Stateless; thread-safe.
 */
public final class LockRaftGroup {

    /** The role of the nodes that run members of the group. */
    public static final String ROLE = "lock";

    /** The name of a lock node's Raft port in the registry ({@link NodeInfo#ports()}). */
    public static final String PORT = "raft";

    /** The relocated name of {@code io.netty.eventLoopThreads} in Ratis' shaded Netty. */
    static final String EVENT_LOOP_THREADS = "org.apache.ratis.thirdparty.io.netty.eventLoopThreads";

    /**
     * Default number of event loop threads per group unless set with {@code -D} {@value #EVENT_LOOP_THREADS}. Not more:
     * every Ratis client and server has groups of its own, and each loop holds three file descriptors from the start
     * (256 ran a test JVM out of them; 16 left sixteen waiters on one lock at 2 grants/s, 64 gives about 400/s).
     */
    static final int DEFAULT_EVENT_LOOP_THREADS = 64;

    /** The most groups a cluster may have. */
    public static final int MAX_GROUPS = 64;

    private static final Hasher64 XXH3 = Hashing.xxh3_64();

    private LockRaftGroup() {
    }

    /**
     * Returns the group that holds a lock.
     *
     * @param lockName the lock's name
     * @param groups the number of groups, 1 to {@value #MAX_GROUPS}
     * @return 0 to {@code groups - 1}; always 0 with one group
     */
    public static int groupOf(String lockName, int groups) {
        return groups == 1 ? 0 : (int) Long.remainderUnsigned(XXH3.hashCharsToLong(lockName), groups);
    }

    /**
     * Returns group {@code index} of a cluster.
     *
     * @param clusterName the cluster name
     * @param index the group's index, 0 to {@value #MAX_GROUPS}{@code - 1}
     * @param peers the members, id to Raft endpoint, in a stable order
     * @return the group
     */
    public static RaftGroup group(String clusterName, int index, Map<String, InetSocketAddress> peers) {
        return RaftGroup.valueOf(groupId(clusterName, index), group(clusterName, peers).getPeers());
    }

    /**
     * Returns the id of group {@code index} of a cluster.
     *
     * @param clusterName the cluster name
     * @param index 0 to {@value #MAX_GROUPS}{@code - 1}
     * @return {@link #groupId(String)} for group 0, else a name-based UUID of {@code "dsync-lock/" + clusterName + "/" +
     *     index}
     * @throws IllegalArgumentException if the index is out of range
     */
    public static RaftGroupId groupId(String clusterName, int index) {
        if (index < 0 || index >= MAX_GROUPS) {
            throw new IllegalArgumentException("group index must be 0 to " + (MAX_GROUPS - 1) + ", was " + index);
        }
        return index == 0 ? groupId(clusterName) : RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
                ("dsync-lock/" + clusterName + "/" + index).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Returns how many of a cluster's groups are among some group ids (those a server runs, or those in its storage):
     * the groups 0, 1, ... up to the first one missing.
     *
     * @param clusterName the cluster name
     * @param ids the group ids
     * @return 0 when group 0 is not among them
     */
    public static int groupCount(String clusterName, Collection<RaftGroupId> ids) {
        int n = 0;
        while (n < MAX_GROUPS && ids.contains(groupId(clusterName, n))) {
            n++;
        }
        return n;
    }

    /**
     * Returns the Raft group of a cluster: its id is a name-based UUID of the cluster name.
     *
     * @param clusterName the cluster name
     * @param peers the members, id to Raft endpoint, in a stable order
     * @return the group
     */
    public static RaftGroup group(String clusterName, Map<String, InetSocketAddress> peers) {
        List<RaftPeer> raftPeers = new ArrayList<>();
        for (Map.Entry<String, InetSocketAddress> p : peers.entrySet()) {
            raftPeers.add(RaftPeer.newBuilder().setId(p.getKey()).setAddress(hostPort(p.getValue())).build());
        }
        return RaftGroup.valueOf(groupId(clusterName), raftPeers);
    }

    /**
     * Returns the id of a cluster's lock group.
     *
     * @param clusterName the cluster name
     * @return a name-based UUID of {@code "dsync-lock/" + clusterName}
     */
    public static RaftGroupId groupId(String clusterName) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("dsync-lock/" + clusterName).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The properties of every Ratis client of the group: Netty transport and an RPC request timeout.
     *
     * @param rpcTimeoutMillis how long one request may take
     * @return new properties
     */
    public static RaftProperties clientProperties(long rpcTimeoutMillis) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(rpcTimeoutMillis, TimeUnit.MILLISECONDS));
        return props;
    }

    /** Sizes Ratis' Netty event loops (see the class comment) unless the system property is set already. */
    public static void configureNetty() {
        if (System.getProperty(EVENT_LOOP_THREADS) == null) {
            System.setProperty(EVENT_LOOP_THREADS, Integer.toString(DEFAULT_EVENT_LOOP_THREADS));
        }
    }

    /**
     * Returns the lock nodes among registered nodes: the nodes with the {@value #ROLE} role and a {@value #PORT} port.
     *
     * @param nodes the live nodes of the registry
     * @return their ids and Raft addresses, sorted by id
     */
    public static Map<String, InetSocketAddress> lockNodes(Collection<NodeInfo> nodes) {
        Map<String, InetSocketAddress> lockNodes = new TreeMap<>();
        for (NodeInfo n : nodes) {
            Integer port = n.ports().get(PORT);
            if (n.roles().contains(ROLE) && port != null) {
                lockNodes.put(n.id(), new InetSocketAddress(n.host(), port));
            }
        }
        return lockNodes;
    }

    /**
     * Formats a Raft endpoint as the group configuration and the members file hold it.
     *
     * @param address the endpoint
     * @return {@code host:port}
     */
    public static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /**
     * Parses {@link #hostPort(InetSocketAddress)}.
     *
     * @param hostPort {@code host:port}
     * @return the (unresolved-as-given) endpoint
     * @throws IllegalArgumentException if it has no port, or the port is not a number
     */
    public static InetSocketAddress parseHostPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not host:port: '" + hostPort + "'");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
