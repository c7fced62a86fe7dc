package io.dsync.lock.protocol;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.GroupListReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;

/**
 * What a cluster's running lock servers say of its lock groups: the members of the current configuration and the
 * number of groups, as the first server that runs group 0 answers. Lock nodes ask it before they form or join the
 * groups; clients ask it before they route lock names to groups, so that the group count is never configured twice
 * (a client with another count than the servers would put a lock in two groups).
 *
 * @param members the members of group 0's current configuration, id to Raft endpoint
 * @param groups how many groups that server runs (see {@link LockRaftGroup#groupCount})
 */
public record RunningLockGroups(Map<String, InetSocketAddress> members, int groups) {

    /**
     * Copies the members.
     *
     * @param members the members
     * @param groups the group count, positive
     */
    public RunningLockGroups {
        members = Map.copyOf(members);
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be positive, was " + groups);
        }
    }

    /**
     * Asks the given servers, one after the other, for the current configuration and the groups of a cluster.
     *
     * @param clusterName the cluster
     * @param candidates servers that may run the groups (e.g. the lock nodes in the registry), id to address
     * @param timeout how long each may take to answer
     * @return the answer of the first server that runs group 0, or empty if none does (or none answered in time)
     */
    public static Optional<RunningLockGroups> probe(String clusterName, Map<String, InetSocketAddress> candidates,
            Duration timeout) {
        Objects.requireNonNull(clusterName, "clusterName");
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        // Ratis 3.3.0 can stall a client for its 5 s close timeout when a connection closes while its channel goes
        // inactive (Connection.close and the event loop's channelInactive wait for the same monitor), which happens
        // when a candidate is not listening yet. The probe runs on a side thread and is given up after its budget:
        // a candidate that did not answer in time does not run the group, as when it refuses the connection.
        CompletableFuture<Optional<RunningLockGroups>> probe = new CompletableFuture<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Thread t = new Thread(() -> probe.complete(ask(clusterName, candidates, timeout)), "dsync-lock-probe");
        t.setContextClassLoader(loader);
        t.setDaemon(true);
        t.start();
        try {
            return probe.get(timeout.toMillis() * candidates.size() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        }
    }

    private static Optional<RunningLockGroups> ask(String clusterName, Map<String, InetSocketAddress> candidates,
            Duration timeout) {
        LockRaftGroup.configureNetty();
        RaftGroup group0 = LockRaftGroup.group(clusterName, candidates);
        RaftProperties props = LockRaftGroup.clientProperties(timeout.toMillis());
        try (RaftClient client = RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group0)
                .setProperties(props).setRetryPolicy(RetryPolicies.noRetry()).build()) {
            for (RaftPeer peer : group0.getPeers()) {
                try {
                    GroupInfoReply info = client.getGroupManagementApi(peer.getId()).info(group0.getGroupId());
                    // The Netty transport leaves the configuration proto out of the reply; the group lists the
                    // current configuration's peers.
                    if (!info.isSuccess() || info.getGroup() == null || info.getGroup().getPeers().isEmpty()) {
                        continue;
                    }
                    GroupListReply list = client.getGroupManagementApi(peer.getId()).list();
                    List<RaftGroupId> ids = list.isSuccess() ? list.getGroupIds() : new ArrayList<>();
                    Map<String, InetSocketAddress> members = new LinkedHashMap<>();
                    for (RaftPeer p : info.getGroup().getPeers()) {
                        members.put(p.getId().toString(), LockRaftGroup.parseHostPort(p.getAddress()));
                    }
                    return Optional.of(new RunningLockGroups(members,
                            Math.max(1, LockRaftGroup.groupCount(clusterName, ids))));
                } catch (IOException | RuntimeException e) {
                    // this one does not run the group (yet), or does not answer
                }
            }
        } catch (IOException e) {
            // closing the probe client
        }
        return Optional.empty();
    }
}
