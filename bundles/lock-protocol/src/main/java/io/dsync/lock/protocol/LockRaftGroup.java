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

import io.dsync.registry.NodeInfo;

/**
 * How a cluster's lock Raft group is named and reached, the same for its clients and its members: the group id, the
 * transport (Ratis' Netty RPC) and its sizing, the members' addresses as the registry publishes them.
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

    private LockRaftGroup() {
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
