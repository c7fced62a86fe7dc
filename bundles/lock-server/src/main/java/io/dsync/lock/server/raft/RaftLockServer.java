package io.dsync.lock.server.raft;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.function.LongSupplier;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.rpc.CallId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;

import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * One member of the lock service's Raft group: an Apache Ratis server (Netty transport, durable log
 * and snapshots under {@link Options#storageDir()}) running a {@link LockRaftStateMachine}.
 * <p>
 * The group id is derived from the cluster name ({@link LockRaftGroup#group}), so that every member configured with
 * the same name and peers joins the same group; members join and leave through Ratis membership changes
 * ({@link #requestMembership}, {@link #removeMember}). The storage directory is formatted on first start and recovered afterwards: a
 * member restarted on the same directory keeps its log and snapshots.
 * <p>
 * Thread-safe. {@link #close()} is idempotent and may block for about a second while Ratis shuts its
 * RPC down.
 */
public final class RaftLockServer implements AutoCloseable {

    /** Hand-off attempts before closing: a second one after a refusal that left this member leader in a new term. */
    private static final int HAND_OFF_ATTEMPTS = 2;

    /** How often a hand-off that has not finished checks that its target still accepts connections. */
    private static final long HAND_OFF_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RaftLockServer.class);

    /**
     * The configuration of a member. Every member of a group must use equal {@code clusterName},
     * {@code peers} and {@code limits}; timeouts may differ but should not.
     *
     * @param clusterName the cluster name, from which the Raft group id is derived
     * @param selfId the id of this member, a key of {@code peers}
     * @param peers every member's id and {@code host:port} of its Raft endpoint, in a stable order
     * @param storageDir the directory of the durable log and snapshots of this member
     * @param electionTimeoutMin the minimum election timeout
     * @param electionTimeoutMax the maximum election timeout, greater than the minimum
     * @param rpcTimeout the timeout of one server-to-server RPC (append, vote, install snapshot)
     * @param snapshotThreshold the number of applied entries after which a snapshot is taken
     *     automatically (and the log purged up to it)
     * @param tickInterval the interval at which the leader checks whether a tick is due (see {@link LockRaftStateMachine})
     * @param limits the memory bounds of the lock state machine
     * @param bind the address this member listens on; its address in {@code peers} is where the others reach it,
     *     which differs behind a port mapping or a proxy
     */
    public record Options(String clusterName, String selfId, Map<String, InetSocketAddress> peers, Path storageDir,
            Duration electionTimeoutMin, Duration electionTimeoutMax, Duration rpcTimeout, long snapshotThreshold,
            Duration tickInterval, LockStateMachine.Limits limits, InetSocketAddress bind) {

        /**
         * Default minimum election timeout: 200 ms (the leader's heartbeats go out every 100 ms, half of it). Chosen
         * from pauses measured on a busy 2-core machine: lock nodes' young collections took up to 200 ms under 64
         * clients (SerialGC, 512 MB), and the term stayed the same through {@code dsync bench lock} at 64 clients
         * with 200-400 ms as with 300-600 ms; Ratis' own default (150-300 ms) caused leader changes there. Ratis'
         * pre-vote (on) keeps a follower that was paused or cut off from deposing a live leader when it comes back,
         * and a follower whose own timer ran late (its process stalled) does not campaign. A follower checks after
         * each random timeout whether it heard from the leader within it, so a dead leader is noticed 200-800 ms
         * after its last heartbeat (the first of two followers: about 350 ms).
         */
        public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(200);

        /** Default maximum election timeout: 400 ms. */
        public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(400);

        /** Default server-to-server RPC timeout: 3 s, above the election timeout. */
        public static final Duration DEFAULT_RPC_TIMEOUT = Duration.ofSeconds(3);

        /** Default snapshot threshold: 10 000 entries. */
        public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;

        /**
         * Validates the options and copies the peers.
         *
         * @param clusterName the cluster name
         * @param selfId this member's id
         * @param peers all members
         * @param storageDir the storage directory
         * @param electionTimeoutMin the minimum election timeout
         * @param electionTimeoutMax the maximum election timeout
         * @param rpcTimeout the server RPC timeout
         * @param snapshotThreshold the auto-snapshot threshold
         * @param tickInterval the tick interval
         * @param limits the state machine's limits
         * @param bind the listening address
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if {@code selfId} is not a peer, the cluster name or the
         *     peers are empty, or a duration or the threshold is out of range
         */
        public Options {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(selfId, "selfId");
            peers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(peers));
            Objects.requireNonNull(storageDir, "storageDir");
            Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
            Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
            Objects.requireNonNull(rpcTimeout, "rpcTimeout");
            Objects.requireNonNull(tickInterval, "tickInterval");
            Objects.requireNonNull(limits, "limits");
            if (clusterName.isEmpty()) {
                throw new IllegalArgumentException("clusterName must not be empty");
            }
            if (!peers.containsKey(selfId)) {
                throw new IllegalArgumentException("selfId " + selfId + " is not one of the peers " + peers.keySet());
            }
            Objects.requireNonNull(bind, "bind");
            if (electionTimeoutMin.toMillis() <= 0 || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
                throw new IllegalArgumentException("election timeouts must satisfy 0 < min < max, were "
                        + electionTimeoutMin + " and " + electionTimeoutMax);
            }
            if (rpcTimeout.toMillis() <= 0 || tickInterval.toMillis() <= 0 || snapshotThreshold <= 0) {
                throw new IllegalArgumentException("rpcTimeout, tickInterval and snapshotThreshold must be positive");
            }
        }

        /**
         * Creates options with the defaults for timeouts, threshold, tick interval and limits.
         *
         * @param clusterName the cluster name
         * @param selfId this member's id
         * @param peers all members
         * @param storageDir the storage directory
         * @return the options
         */
        public static Options of(String clusterName, String selfId, Map<String, InetSocketAddress> peers,
                Path storageDir) {
            return new Options(clusterName, selfId, peers, storageDir, DEFAULT_ELECTION_TIMEOUT_MIN,
                    DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_RPC_TIMEOUT, DEFAULT_SNAPSHOT_THRESHOLD,
                    LockRaftStateMachine.DEFAULT_TICK_INTERVAL, LockStateMachine.Limits.DEFAULT, peers.get(selfId));
        }

        /**
         * Returns a copy with other election and RPC timeouts.
         *
         * @param min the minimum election timeout
         * @param max the maximum election timeout
         * @param rpc the server RPC timeout
         * @return the new options
         */
        public Options withTimeouts(Duration min, Duration max, Duration rpc) {
            return new Options(clusterName, selfId, peers, storageDir, min, max, rpc, snapshotThreshold,
                    tickInterval, limits, bind);
        }

        /**
         * Returns a copy with another snapshot threshold.
         *
         * @param threshold the number of entries between automatic snapshots
         * @return the new options
         */
        public Options withSnapshotThreshold(long threshold) {
            return new Options(clusterName, selfId, peers, storageDir, electionTimeoutMin, electionTimeoutMax,
                    rpcTimeout, threshold, tickInterval, limits, bind);
        }
    }

    /**
     * What the admin API shows of a member.
     *
     * @param peerId this member's id
     * @param role {@code LEADER}, {@code FOLLOWER}, {@code CANDIDATE}, {@code LISTENER} or
     *     {@code CLOSED}
     * @param term the current term
     * @param leaderId the leader known to this member, if any
     * @param commitIndex the highest log index known to be committed
     * @param appliedIndex the highest log index applied to the lock state machine
     */
    public record RaftStatus(String peerId, String role, long term, Optional<String> leaderId, long commitIndex,
            long appliedIndex) {
    }

    private final Options options;

    private final RaftGroup group;

    private final LockRaftStateMachine stateMachine;

    private final RaftServer server;

    private volatile boolean closed;

    private RaftLockServer(Options options, LongSupplier wallClock, boolean joining) throws IOException {
        this.options = options;
        this.group = LockRaftGroup.group(options.clusterName(), options.peers());
        this.stateMachine = new LockRaftStateMachine(options.limits(), wallClock, options.tickInterval());
        RaftPeerId self = RaftPeerId.valueOf(options.selfId());
        RaftProperties props = properties(options, options.bind());
        Path groupDir = options.storageDir().resolve(group.getGroupId().getUuid().toString());
        RaftStorage.StartupOption startup = Files.isDirectory(groupDir) ? RaftStorage.StartupOption.RECOVER
                : RaftStorage.StartupOption.FORMAT;
        // A joining member knows the group's id but no configuration, so that it never campaigns: it takes part
        // once the leader has added it and sent it the configuration.
        RaftGroup initial = joining ? RaftGroup.valueOf(group.getGroupId()) : group;
        this.server = RaftServer.newBuilder().setServerId(self).setGroup(initial).setStateMachine(stateMachine)
                .setProperties(props).setOption(startup).build();
    }

    /**
     * Starts a member with the system clock. Returns once the RPC endpoint listens; the election
     * happens in the background.
     *
     * @param options the configuration
     * @return the running member
     * @throws IOException if the storage cannot be formatted or recovered, or the port cannot be bound
     */
    public static RaftLockServer start(Options options) throws IOException {
        return start(options, System::currentTimeMillis);
    }

    /**
     * Starts a member.
     *
     * @param options the configuration
     * @param wallClock the clock stamped into log entries while this member leads, epoch ms
     * @return the running member
     * @throws IOException if the storage cannot be formatted or recovered, or the port cannot be bound
     */
    public static RaftLockServer start(Options options, LongSupplier wallClock) throws IOException {
        return start(options, wallClock, false);
    }

    /**
     * Starts a member that is not in the group's configuration yet, to join a running group: it listens, but takes
     * no part until {@link #requestMembership(Duration)} has the leader add it. {@code options.peers()} are the
     * group's current members plus this one.
     *
     * @param options the configuration
     * @return the running, not yet voting, member
     * @throws IOException if the storage cannot be formatted or the port cannot be bound
     */
    public static RaftLockServer startJoining(Options options) throws IOException {
        return start(options, System::currentTimeMillis, true);
    }

    private static RaftLockServer start(Options options, LongSupplier wallClock, boolean joining) throws IOException {
        LockRaftGroup.configureNetty();
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(wallClock, "wallClock");
        Files.createDirectories(options.storageDir());
        RaftLockServer s = new RaftLockServer(options, wallClock, joining);
        try {
            s.server.start();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private static RaftProperties properties(Options o, InetSocketAddress address) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.NETTY);
        NettyConfigKeys.Server.setHost(props, address.getHostString());
        NettyConfigKeys.Server.setPort(props, address.getPort());
        RaftServerConfigKeys.setStorageDir(props, List.of(o.storageDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, millis(o.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, millis(o.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(props, millis(o.rpcTimeout()));
        // A leader cut off from the majority steps down after two maximal election timeouts, so that
        // it stops holding long-polls and clients move on to the new leader.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(props,
                millis(o.electionTimeoutMax().multipliedBy(2)));
        RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, o.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        // Ratis 3.3 composes a follower's appends with those still in flight (on by default). Measured with
        // bench lock on 2 cores, it halved the throughput at 16 clients and doubled the latency of one (as 3.1.3
        // ran, which had no such option). Off, followers append as 3.1.3 did.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(props, false);
        // Ratis' default appends a metadata entry (the new commit index) to the log after every commit, replicated
        // and flushed like any entry: measured, half of an idle group's entries and fsyncs on every member, and with
        // one client each command waited behind the previous commit's metadata entry in the log writer (two flushes
        // in a row per command). Raft does not need the commit index on disk: a restarted member learns it from the
        // leader's next append (it serves nothing before that: reads and writes go through the leader anyway).
        RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false);
        // The log writer hands each flush to a thread of its own and goes on writing the entries that arrive
        // meanwhile, which the next flush covers (as etcd's WAL does); an entry still counts as persisted only once
        // the flush that covers it has returned.
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(props, true);
        return props;
    }

    private static TimeDuration millis(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Returns this member's configuration.
     *
     * @return the options
     */
    public Options options() {
        return options;
    }

    /**
     * Returns the Raft group this member belongs to.
     *
     * @return the group
     */
    public RaftGroup group() {
        return group;
    }

    /**
     * Returns this member's state machine (for diagnostics and tests).
     *
     * @return the state machine
     */
    public LockRaftStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * Returns the role, term, leader and indexes of this member, for the admin API.
     *
     * @return the status; role {@code CLOSED} after {@link #close()}
     */
    public RaftStatus status() {
        if (closed) {
            return new RaftStatus(options.selfId(), "CLOSED", -1, Optional.empty(), -1, -1);
        }
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            RaftPeerId leader = d.getInfo().getLeaderId();
            return new RaftStatus(options.selfId(), d.getInfo().getCurrentRole().name(), d.getInfo().getCurrentTerm(),
                    Optional.ofNullable(leader).map(RaftPeerId::toString), d.getRaftLog().getLastCommittedIndex(),
                    d.getInfo().getLastAppliedIndex());
        } catch (IOException e) {
            return new RaftStatus(options.selfId(), "CLOSED", -1, Optional.empty(), -1, -1);
        }
    }

    /**
     * Asks the group's leader to add this member as a voter (Ratis membership change: the leader first catches the
     * new member up, then commits the new configuration). Safe to repeat: adding a member that is in already succeeds.
     *
     * @param timeout how long to keep trying
     * @throws IOException if the leader did not add it within the timeout
     */
    public void requestMembership(Duration timeout) throws IOException {
        Map<String, InetSocketAddress> others = new LinkedHashMap<>(options.peers());
        InetSocketAddress self = others.remove(options.selfId());
        if (others.isEmpty()) {
            throw new IOException("no other member to ask for membership");
        }
        RaftPeer peer = RaftPeer.newBuilder().setId(options.selfId()).setAddress(LockRaftGroup.hostPort(self)).build();
        SetConfigurationRequest.Arguments add = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(List.of(peer)).setMode(SetConfigurationRequest.Mode.ADD).build();
        changeConfiguration(LockRaftGroup.group(options.clusterName(), others), add, timeout, "add " + options.selfId());
    }

    /**
     * Removes a member from the group through the leader; the rest keeps its majority as long as enough of them are
     * up. Removing this member itself is allowed: it then stops taking part.
     *
     * @param memberId the member to remove
     * @param timeout how long to keep trying
     * @throws IllegalArgumentException if it is not a member, or is the last one
     * @throws IOException if the leader did not commit the change within the timeout
     */
    public void removeMember(String memberId, Duration timeout) throws IOException {
        List<RaftPeer> current = new ArrayList<>(server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers());
        List<RaftPeer> remaining = current.stream().filter(p -> !p.getId().toString().equals(memberId)).toList();
        if (remaining.size() == current.size()) {
            throw new IllegalArgumentException("'" + memberId + "' is not a member of the lock group " + memberIds(current));
        }
        if (remaining.isEmpty()) {
            throw new IllegalArgumentException("'" + memberId + "' is the last member of the lock group");
        }
        SetConfigurationRequest.Arguments set = SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(remaining).setServersInCurrentConf(current)
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build();
        changeConfiguration(RaftGroup.valueOf(group.getGroupId(), current), set, timeout, "remove " + memberId);
    }

    /**
     * Asks the given servers, one after the other, for the current configuration of a cluster's lock group.
     *
     * @param clusterName the cluster
     * @param candidates servers that may run the group (e.g. the lock nodes in the registry), id to address
     * @param timeout how long each may take to answer
     * @return the members (id to address) per the first server that runs the group, or empty if none does
     */
    public static Optional<Map<String, InetSocketAddress>> runningMembers(String clusterName,
            Map<String, InetSocketAddress> candidates, Duration timeout) {
        // Ratis 3.3.0 can stall a client for its 5 s close timeout when a connection closes while its channel goes
        // inactive (Connection.close and the event loop's channelInactive wait for the same monitor), which happens
        // when a candidate is not listening yet. The probe runs on a side thread and is given up after its budget:
        // a candidate that did not answer in time does not run the group, as when it refuses the connection.
        CompletableFuture<Optional<Map<String, InetSocketAddress>>> probe = new CompletableFuture<>();
        Thread t = new Thread(() -> probe.complete(probeMembers(clusterName, candidates, timeout)), "dsync-lock-probe");
        t.setDaemon(true);
        t.start();
        try {
            return probe.get(timeout.toMillis() * candidates.size() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("probe of the running lock group given up: {}", e.toString());
            return Optional.empty();
        }
    }

    private static Optional<Map<String, InetSocketAddress>> probeMembers(String clusterName,
            Map<String, InetSocketAddress> candidates, Duration timeout) {
        LockRaftGroup.configureNetty();
        RaftGroup probe = LockRaftGroup.group(clusterName, candidates);
        RaftProperties props = LockRaftGroup.clientProperties(timeout.toMillis());
        try (org.apache.ratis.client.RaftClient client = org.apache.ratis.client.RaftClient.newBuilder()
                .setClientId(ClientId.randomId()).setRaftGroup(probe).setProperties(props)
                .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry()).build()) {
            for (RaftPeer peer : probe.getPeers()) {
                try {
                    org.apache.ratis.protocol.GroupInfoReply info = client.getGroupManagementApi(peer.getId()).info(probe.getGroupId());
                    // The Netty transport leaves the configuration proto out of the reply; the group lists the
                    // current configuration's peers.
                    if (info.isSuccess() && info.getGroup() != null && !info.getGroup().getPeers().isEmpty()) {
                        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
                        for (RaftPeer p : info.getGroup().getPeers()) {
                            members.put(p.getId().toString(), LockRaftGroup.parseHostPort(p.getAddress()));
                        }
                        return Optional.of(members);
                    }
                } catch (IOException | RuntimeException e) {
                    // this one does not run the group (yet), or does not answer
                }
            }
        } catch (IOException e) {
            // closing the probe client
        }
        return Optional.empty();
    }

    /**
     * Returns the members of the group's current configuration, as this member knows it.
     *
     * @return member id to {@code host:port}, sorted by id; empty before this member has one
     */
    public Map<String, String> members() {
        Map<String, String> m = new java.util.TreeMap<>();
        try {
            for (RaftPeer p : server.getDivision(group.getGroupId()).getRaftConf().getCurrentPeers()) {
                m.put(p.getId().toString(), p.getAddress());
            }
        } catch (IOException e) {
            // closed: no configuration
        }
        return m;
    }

    private static List<String> memberIds(java.util.Collection<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).toList();
    }

    private void changeConfiguration(RaftGroup via, SetConfigurationRequest.Arguments change, Duration timeout, String what)
            throws IOException {
        RaftProperties props = LockRaftGroup.clientProperties(timeout.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        try (org.apache.ratis.client.RaftClient client = org.apache.ratis.client.RaftClient.newBuilder()
                .setClientId(ClientId.randomId()).setRaftGroup(via).setProperties(props)
                .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        Integer.MAX_VALUE, TimeDuration.valueOf(200, java.util.concurrent.TimeUnit.MILLISECONDS)))
                .build()) {
            while (System.nanoTime() < deadline) {
                try {
                    RaftClientReply reply = client.admin().setConfiguration(change);
                    if (reply.isSuccess()) {
                        LOG.info("{}: lock group membership change done: {}", options.selfId(), what);
                        return;
                    }
                    last = reply.getException() != null ? reply.getException() : new IOException("refused");
                } catch (IOException e) {
                    last = e;
                }
                LOG.info("{}: lock group membership change '{}' not done yet: {}", options.selfId(), what, last.toString());
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted during membership change " + what);
                }
            }
        }
        throw new IOException("membership change '" + what + "' not done within " + timeout + ": " + last, last);
    }

    /**
     * Returns whether this member is the leader and has committed an entry of its term (so it can
     * serve reads and writes).
     *
     * @return whether this member is the ready leader
     */
    public boolean isLeaderReady() {
        try {
            return !closed && server.getDivision(group.getGroupId()).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Takes a snapshot of the applied state now, through Ratis (so that the log can be purged up to
     * it), waiting at most {@code timeout}.
     *
     * @param timeout how long to wait
     * @return the log index of the snapshot
     * @throws IOException if the snapshot failed or timed out
     */
    public long takeSnapshot(Duration timeout) throws IOException {
        SnapshotManagementRequest request = SnapshotManagementRequest.newCreate(ClientId.randomId(),
                server.getId(), group.getGroupId(), CallId.getAndIncrement(), timeout.toMillis(), 1);
        RaftClientReply reply = server.snapshotManagement(request);
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed on " + options.selfId() + ": " + reply.getException());
        }
        return reply.getLogIndex();
    }

    /**
     * Stops this member: hands leadership to another member if it leads (an attempt takes at most the
     * maximal election timeout; a second one follows a refusal that left it leader), closes the RPC endpoint and the log (which stays on disk) and fails held
     * long-polls. Idempotent; blocks for about a second, more when it hands leadership over.
     *
     * @throws IOException if Ratis fails to close
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        handOffLeadership();
        closed = true;
        server.close();
    }

    /**
     * If this member leads, asks another member to take over before it goes, so that the group does not wait an
     * election timeout for a leader: what makes a rolling restart or a bundle update of the leader nearly invisible
     * to clients. A transfer can be refused and leave this member leader again (seen: the target asked for votes
     * while the others held an entry it had not received yet, was refused, and this member won the next election):
     * then, if it leads in a new term, it tries once more, so that it does not close as a fresh leader and cost the
     * group two elections (a refusal in the same term, such as a target that did not answer in time, is not tried
     * again). Best effort, each attempt bounded by the maximal election timeout; the close goes on whatever happens.
     */
    private void handOffLeadership() {
        long start = System.nanoTime();
        long term = -1;
        for (int attempt = 1; attempt <= HAND_OFF_ATTEMPTS; attempt++) {
            Map<String, String> members = members();
            RaftStatus status = status();
            if (!"LEADER".equals(status.role()) || !members.containsKey(options.selfId()) || members.size() < 2) {
                return; // nobody to hand over to, no longer a member (removed: it steps down by itself), or done
            }
            if (status.term() == term) {
                return; // refused without an election (the target did not answer in time, say): trying again would too
            }
            term = status.term();
            RaftPeerId target = handOffTarget();
            String refused = transferLeadership(target);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (refused == null) {
                LOG.info("{}: handed leadership to {} before closing ({} ms)", options.selfId(), target, millis);
                return;
            }
            LOG.info("{}: could not hand leadership to {} before closing ({}; {} ms){}", options.selfId(), target,
                    refused, millis, attempt < HAND_OFF_ATTEMPTS ? "; trying again if it leads in a new term" : "");
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /** The follower that answered last: alive, and likely the most up to date (else the first other peer). */
    private RaftPeerId handOffTarget() {
        RaftPeerId next = RaftPeerId.valueOf(options.peers().keySet().stream()
                .filter(id -> !id.equals(options.selfId())).findFirst().orElseThrow());
        try {
            long best = Long.MAX_VALUE;
            for (var f : server.getDivision(group.getGroupId()).getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
                if (f.getLastRpcElapsedTimeMs() < best) {
                    best = f.getLastRpcElapsedTimeMs();
                    next = RaftPeerId.valueOf(f.getId().getId());
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep the first other peer
        }
        return next;
    }

    /**
     * Asks Ratis to transfer leadership to {@code target}, waiting at most the maximal election timeout (and a
     * margin), or until the target refuses connections: a member that has closed cannot take over, and Ratis would
     * only give up at the timeout (seen whenever the whole group closes at once, as a local cluster or a test group
     * does: the leader waited 2 s for a follower that had already gone).
     *
     * @return {@code null} if it was transferred, else why not
     */
    private String transferLeadership(RaftPeerId target) {
        long timeout = options.electionTimeoutMax().toMillis();
        String targetAddress = members().get(target.toString());
        // On its own daemon thread, waited for a bounded time: a transfer can block on the server's monitor (seen
        // when a removed leader was stepping down), and a close must not hang on it.
        java.util.concurrent.CompletableFuture<RaftClientReply> transfer = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                transfer.complete(server.transferLeadership(new TransferLeadershipRequest(ClientId.randomId(),
                        RaftPeerId.valueOf(options.selfId()), group.getGroupId(), CallId.getAndIncrement(), target,
                        timeout)));
            } catch (IOException | RuntimeException e) {
                transfer.completeExceptionally(e);
            }
        }, options.selfId() + "-hand-off");
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout + 500);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return "no answer within " + (timeout + 500) + " ms";
                }
                try {
                    RaftClientReply reply = transfer.get(Math.min(left, HAND_OFF_PROBE_NANOS), TimeUnit.NANOSECONDS);
                    return reply.isSuccess() ? null : "refused: " + reply.getException();
                } catch (TimeoutException e) {
                    if (targetAddress != null && refusesConnections(targetAddress)) {
                        return "the target refuses connections at " + targetAddress + ": it has closed";
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException e) {
            return e.toString();
        }
    }

    /**
     * Whether nothing listens at {@code host:port} (the connection is refused): evidence that a member has closed.
     * A connection that is accepted, times out or cannot be tried is no such evidence.
     */
    static boolean refusesConnections(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    200);
            return false;
        } catch (java.net.ConnectException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "RaftLockServer[" + options.selfId() + " of " + options.clusterName() + "]";
    }
}
