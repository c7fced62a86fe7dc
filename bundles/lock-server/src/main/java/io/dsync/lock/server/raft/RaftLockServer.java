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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
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
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.RunningLockGroups;

/**
 * One member of the lock service's Raft groups: an Apache Ratis server (Netty transport, durable logs
 * and snapshots under {@link Options#storageDir()}) running one {@link LockRaftStateMachine} per group. Most clusters
 * have one group; with several, the lock space is split over them ({@link LockRaftGroup#groupOf}) and every member
 * hosts every group (Ratis multi-group: one server and port, one division each).
 * <p>
 * The group ids are derived from the cluster name ({@link LockRaftGroup#groupId(String, int)}), so that every member
 * configured with the same name and peers joins the same groups; members join and leave every group through Ratis
 * membership changes ({@link #requestMembership}, {@link #removeMember}). The storage directory is formatted on first
 * start and recovered afterwards: a member restarted on the same directory keeps its logs, its snapshots and its
 * group count. With several groups, a member also spreads the groups' leadership over the members and, while it
 * leads group 0, breaks deadlocks across groups ({@link CrossGroupDetector}).
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
     * @param groups how many Raft groups share the lock space (1 to {@link LockRaftGroup#MAX_GROUPS}); used when the
     *     groups are created: a member that has groups in its storage already keeps their count
     */
    public record Options(String clusterName, String selfId, Map<String, InetSocketAddress> peers, Path storageDir,
            Duration electionTimeoutMin, Duration electionTimeoutMax, Duration rpcTimeout, long snapshotThreshold,
            Duration tickInterval, LockStateMachine.Limits limits, InetSocketAddress bind, int groups) {

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
         * @param groups the number of groups
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
            if (groups < 1 || groups > LockRaftGroup.MAX_GROUPS) {
                throw new IllegalArgumentException("groups must be 1 to " + LockRaftGroup.MAX_GROUPS + ", was " + groups);
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
                    LockRaftStateMachine.DEFAULT_TICK_INTERVAL, LockStateMachine.Limits.DEFAULT, peers.get(selfId), 1);
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
                    tickInterval, limits, bind, groups);
        }

        /**
         * Returns a copy with another snapshot threshold.
         *
         * @param threshold the number of entries between automatic snapshots
         * @return the new options
         */
        public Options withSnapshotThreshold(long threshold) {
            return new Options(clusterName, selfId, peers, storageDir, electionTimeoutMin, electionTimeoutMax,
                    rpcTimeout, threshold, tickInterval, limits, bind, groups);
        }

        /**
         * Returns a copy with another number of groups.
         *
         * @param count 1 to {@link LockRaftGroup#MAX_GROUPS}
         * @return the new options
         */
        public Options withGroups(int count) {
            return new Options(clusterName, selfId, peers, storageDir, electionTimeoutMin, electionTimeoutMax,
                    rpcTimeout, snapshotThreshold, tickInterval, limits, bind, count);
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

    /** The groups, by index, with the peers this member was started with (each group's configuration may differ since). */
    private final List<RaftGroup> groups;

    private final List<LockRaftStateMachine> stateMachines;

    private final RaftServer server;

    private final boolean joining;

    /** Breaks deadlocks across groups while this member leads group 0; {@code null} with one group. */
    private volatile CrossGroupDetector detector;

    /** Runs {@link #spreadLeadership()}; {@code null} with one group. */
    private volatile ScheduledExecutorService spreader;

    /** How often a member checks whether to hand a group to its preferred leader. */
    private static final long SPREAD_MILLIS = 2_000;

    private volatile boolean closed;

    private RaftLockServer(Options options, LongSupplier wallClock, boolean joining) throws IOException {
        this.options = options;
        this.joining = joining;
        int count = groupsInStorage(options);
        if (count == 0) {
            count = options.groups();
        } else if (count != options.groups()) {
            LOG.warn("{}: the data folder holds {} lock group(s), the configuration asks for {}: keeps {} (the count "
                    + "is fixed when the cluster is formed; lock names would move between groups otherwise)",
                    options.selfId(), count, options.groups(), count);
        }
        List<RaftGroup> gs = new ArrayList<>();
        List<LockRaftStateMachine> machines = new ArrayList<>();
        Map<RaftGroupId, LockRaftStateMachine> byId = new java.util.HashMap<>();
        for (int i = 0; i < count; i++) {
            RaftGroup g = LockRaftGroup.group(options.clusterName(), i, options.peers());
            LockRaftStateMachine machine = new LockRaftStateMachine(options.limits(), wallClock, options.tickInterval());
            machine.setLabel("lock group " + i);
            gs.add(g);
            machines.add(machine);
            byId.put(g.getGroupId(), machine);
        }
        this.groups = List.copyOf(gs);
        this.stateMachines = List.copyOf(machines);
        RaftPeerId self = RaftPeerId.valueOf(options.selfId());
        RaftProperties props = properties(options, options.bind());
        RaftGroup group0 = groups.get(0);
        Path groupDir = options.storageDir().resolve(group0.getGroupId().getUuid().toString());
        RaftStorage.StartupOption startup = Files.isDirectory(groupDir) ? RaftStorage.StartupOption.RECOVER
                : RaftStorage.StartupOption.FORMAT;
        // A joining member knows the groups' ids but no configuration, so that it never campaigns: it takes part
        // once the leader has added it and sent it the configuration.
        RaftGroup initial = joining ? RaftGroup.valueOf(group0.getGroupId()) : group0;
        this.server = RaftServer.newBuilder().setServerId(self).setGroup(initial)
                .setStateMachineRegistry(id -> {
                    LockRaftStateMachine machine = byId.get(id);
                    if (machine == null) {
                        throw new IllegalStateException("group " + id + " is not one of the lock groups of cluster '"
                                + options.clusterName() + "'");
                    }
                    return machine;
                })
                .setProperties(props).setOption(startup).build();
    }

    /** How many of the cluster's groups the storage holds (0 on first start). */
    private static int groupsInStorage(Options options) throws IOException {
        List<RaftGroupId> ids = new ArrayList<>();
        try (java.util.stream.Stream<Path> dirs = Files.list(options.storageDir())) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                try {
                    ids.add(RaftGroupId.valueOf(java.util.UUID.fromString(dir.getFileName().toString())));
                } catch (IllegalArgumentException e) {
                    // not a group directory (the members file, say)
                }
            }
        }
        return LockRaftGroup.groupCount(options.clusterName(), ids);
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
     * group's current members plus this one; the number of groups is the one the running members report, whatever
     * {@code options.groups()} says.
     *
     * @param options the configuration
     * @return the running, not yet voting, member
     * @throws IOException if no running member answered, the storage cannot be formatted or the port cannot be bound
     */
    public static RaftLockServer startJoining(Options options) throws IOException {
        return start(options, System::currentTimeMillis, true);
    }

    private static RaftLockServer start(Options options, LongSupplier wallClock, boolean joining) throws IOException {
        LockRaftGroup.configureNetty();
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(wallClock, "wallClock");
        Files.createDirectories(options.storageDir());
        if (joining) {
            options = options.withGroups(runningGroupCount(options));
        }
        RaftLockServer s = new RaftLockServer(options, wallClock, joining);
        try {
            s.addMissingGroups();
            s.server.start();
            if (s.groups.size() > 1) {
                s.startGroupsWork();
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Starts what only several groups need: the cross-group deadlock detector and the spreading of leadership. */
    private void startGroupsWork() {
        detector = new CrossGroupDetector(this, CrossGroupDetector.DEFAULT_INTERVAL);
        spreader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-lock-spread-" + options.selfId());
            t.setDaemon(true);
            t.setContextClassLoader(RaftLockServer.class.getClassLoader());
            return t;
        });
        spreader.scheduleWithFixedDelay(this::spreadLeadership, SPREAD_MILLIS, SPREAD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** How a joining member learns the running cluster's group count (its storage is empty: it has none of its own). */
    private static int runningGroupCount(Options options) throws IOException {
        Map<String, InetSocketAddress> others = new LinkedHashMap<>(options.peers());
        others.remove(options.selfId());
        return RunningLockGroups.probe(options.clusterName(), others, Duration.ofSeconds(1)).map(RunningLockGroups::groups)
                .orElseThrow(() -> new IOException("no member of the running lock group " + others.keySet()
                        + " answered which groups it runs"));
    }

    /**
     * With several groups, hands the leadership of each group this member leads to the group's preferred member, if
     * that is another live member: member {@code i mod n} of the sorted members leads group {@code i}, so that the
     * leaders, which do the work of every commit, spread over the lock nodes instead of gathering on the first one
     * elected; after a failover the preferred member takes its group back once it answers again. (Not Ratis' peer
     * priorities: with them, a leader refuses to hand over to any but the highest-priority member, so a preferred
     * leader could not hand off before closing.)
     */
    private void spreadLeadership() {
        try {
            List<String> members = new ArrayList<>(members().keySet());
            if (closed || members.size() < 2) {
                return;
            }
            for (int i = 0; i < groups.size() && !closed; i++) {
                String preferred = members.get(i % members.size());
                if (preferred.equals(options.selfId()) || !isLeaderReady(i) || !answersRecently(i, preferred)) {
                    continue;
                }
                String refused = transferLeadership(i, RaftPeerId.valueOf(preferred));
                if (refused == null) {
                    LOG.info("{}: handed leadership{} to {}, its preferred leader", options.selfId(), to(i), preferred);
                } else {
                    LOG.debug("{}: could not hand leadership{} to {}: {}", options.selfId(), to(i), preferred, refused);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: spreading the lock groups' leadership failed: {}", options.selfId(), e.toString(), e);
        }
    }

    /** Whether a follower of a group this member leads answered within an election timeout. */
    private boolean answersRecently(int group, String follower) {
        try {
            for (var f : division(group).getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
                if (f.getId().getId().toStringUtf8().equals(follower)) {
                    return f.getLastRpcElapsedTimeMs() < options.electionTimeoutMin().toMillis();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not leading any more
        }
        return false;
    }

    /**
     * Adds the groups that the storage did not hold (all but group 0 on first start) before the server listens, so
     * that whoever asks this member which groups it runs ({@link RunningLockGroups}) learns all of them or none.
     */
    private void addMissingGroups() throws IOException {
        List<RaftGroupId> running = new ArrayList<>();
        server.getGroupIds().forEach(running::add);
        for (RaftGroup g : groups) {
            if (running.contains(g.getGroupId())) {
                continue;
            }
            RaftGroup initial = joining ? RaftGroup.valueOf(g.getGroupId()) : g;
            RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(ClientId.randomId(),
                    server.getId(), CallId.getAndIncrement(), initial));
            if (!reply.isSuccess()) {
                throw new IOException("could not add lock group " + g.getGroupId() + " to " + options.selfId() + ": "
                        + reply.getException());
            }
        }
    }

    static RaftProperties properties(Options o, InetSocketAddress address) {
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
        // What a member keeps in its heap under load, bounded. With Ratis' defaults a lock node's old generation grew
        // by 10-16 MB per young collection under load, and full collections of 0.6-1.6 s (-Xmx512m -XX:+UseSerialGC)
        // cost elections (docs/benchmarks.md, "A lock node's heap under load"):
        // - The retry cache keeps the reply of every client request for 60 s (jmap: 240,000 replies with their commit
        //   infos, about 170 MB, with bare Ratis clients beside dsync's). It answers a request that a Ratis client sends
        //   again with the same call id, within that request's time limit (the lock clients' quorum timeout, 5 s by
        //   default); the lock table answers any command sent again with its first outcome in any case (session and
        //   call id, LockStateMachine), so an expired reply costs one log entry, not a second outcome.
        // - The log cache keeps every entry of the open segment, and those of up to six closed ones. A 32 MB segment
        //   held the whole log of a 5-minute benchmark (26,000 entries of batched commands), and an open segment is
        //   never purged after a snapshot. 4 MB segments roll every few seconds under load and are purged after the
        //   next snapshot; a follower that falls behind is sent older entries read from the segment files.
        RaftServerConfigKeys.RetryCache.setExpiryTime(props, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("4MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 2);
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
        // The log writer flushes on its own thread, covering every entry written before the flush, when no other
        // write waits (or after 128): group commit without a hand-off. Ratis' async flush (a flush thread beside the
        // writer) marks as flushed, when a flush returns, every entry written by then, including those written
        // during it and still in the writer's buffer: members acknowledged entries that a kill could take away.
        // Measured on 2026-12-05, the synchronous flush was no slower (docs/benchmarks.md).
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(props, false);
        // Linearizable reads (the clients' long-polls, statuses, the lock table) on the leader's lease instead of a
        // round of heartbeats each: Ratis' Netty appender sends a follower its heartbeat only after the append in
        // flight to it has come back, so under load every poll waited for a follower's fsync. The lease is 0.9 x the
        // minimum election timeout from the sending of the last heartbeat a majority answered; a follower refuses
        // pre-votes for as long as it heard from its leader within that minimum, and a leadership transfer suspends
        // the lease (architecture.md, "Reads on the leader's lease").
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(props, true);
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
     * Returns how many Raft groups share the lock space (fixed when the cluster was formed).
     *
     * @return 1 or more
     */
    public int groupCount() {
        return groups.size();
    }

    /**
     * Returns group 0, the group whose configuration stands for the membership of all (they change together).
     *
     * @return the group, with the peers this member started with
     */
    public RaftGroup group() {
        return groups.get(0);
    }

    /**
     * Returns the state machine of group 0 (for diagnostics and tests).
     *
     * @return the state machine
     */
    public LockRaftStateMachine stateMachine() {
        return stateMachines.get(0);
    }

    /**
     * Returns the state machines of all groups, by group index.
     *
     * @return the state machines
     */
    public List<LockRaftStateMachine> stateMachines() {
        return stateMachines;
    }

    /**
     * Returns the role, term, leader and indexes of this member in group 0, for the admin API.
     *
     * @return the status; role {@code CLOSED} after {@link #close()}
     */
    public RaftStatus status() {
        return status(0);
    }

    /**
     * Returns the role, term, leader and indexes of this member in one group.
     *
     * @param group the group's index
     * @return the status; role {@code CLOSED} after {@link #close()}
     */
    public RaftStatus status(int group) {
        if (closed) {
            return new RaftStatus(options.selfId(), "CLOSED", -1, Optional.empty(), -1, -1);
        }
        try {
            RaftServer.Division d = division(group);
            RaftPeerId leader = d.getInfo().getLeaderId();
            return new RaftStatus(options.selfId(), d.getInfo().getCurrentRole().name(), d.getInfo().getCurrentTerm(),
                    Optional.ofNullable(leader).map(RaftPeerId::toString), d.getRaftLog().getLastCommittedIndex(),
                    d.getInfo().getLastAppliedIndex());
        } catch (IOException e) {
            return new RaftStatus(options.selfId(), "CLOSED", -1, Optional.empty(), -1, -1);
        }
    }

    private RaftServer.Division division(int group) throws IOException {
        return server.getDivision(groups.get(group).getGroupId());
    }

    /** A group with the members of its current configuration, as this member knows them: what a client of it needs. */
    RaftGroup currentGroup(int group) throws IOException {
        return RaftGroup.valueOf(groups.get(group).getGroupId(), division(group).getRaftConf().getCurrentPeers());
    }

    /**
     * Asks each group's leader to add this member as a voter (Ratis membership change: the leader first catches the
     * new member up, then commits the new configuration). Safe to repeat: adding a member that is in already succeeds.
     *
     * @param timeout how long to keep trying, for each group
     * @throws IOException if a leader did not add it within the timeout
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
        for (int i = 0; i < groups.size(); i++) {
            changeConfiguration(LockRaftGroup.group(options.clusterName(), i, others), add, timeout,
                    "add " + options.selfId() + to(i));
        }
    }

    /**
     * Removes a member from every group through their leaders; the rest keeps its majority as long as enough of them
     * are up. Removing this member itself is allowed: it then stops taking part.
     *
     * @param memberId the member to remove
     * @param timeout how long to keep trying, for each group
     * @throws IllegalArgumentException if it is a member of no group
     * @throws IllegalStateException if it is the last member
     * @throws IOException if a leader did not commit the change within the timeout; asking again finishes the groups
     *     that still have the member
     */
    public void removeMember(String memberId, Duration timeout) throws IOException {
        boolean member = false;
        for (int i = 0; i < groups.size() && !member; i++) {
            member = division(i).getRaftConf().getCurrentPeers().stream().anyMatch(p -> p.getId().toString().equals(memberId));
        }
        if (!member) {
            throw new IllegalArgumentException("'" + memberId + "' is not a member of the lock group " + memberIds(
                    division(0).getRaftConf().getCurrentPeers()));
        }
        // Group 0 last: its configuration is what members() shows, so a removal that failed half-way (a timeout in
        // one group) still lists the member, and asking again finishes the groups that kept it.
        for (int i = groups.size() - 1; i >= 0; i--) {
            List<RaftPeer> current = new ArrayList<>(division(i).getRaftConf().getCurrentPeers());
            List<RaftPeer> remaining = current.stream().filter(p -> !p.getId().toString().equals(memberId)).toList();
            if (remaining.size() == current.size()) {
                continue; // removed from this group by an earlier attempt that did not finish the others
            }
            if (remaining.isEmpty()) {
                throw new IllegalStateException("'" + memberId + "' is the last member of the lock group");
            }
            SetConfigurationRequest.Arguments set = SetConfigurationRequest.Arguments.newBuilder()
                    .setServersInNewConf(remaining).setServersInCurrentConf(current)
                    .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build();
            changeConfiguration(RaftGroup.valueOf(groups.get(i).getGroupId(), current), set, timeout,
                    "remove " + memberId + to(i));
        }
    }

    /** Names a group in a log line: nothing for group 0 (the only one of most clusters). */
    private String to(int group) {
        return group == 0 ? "" : " (group " + group + ")";
    }

    /**
     * Returns the members of group 0's current configuration, as this member knows it: the members of every group,
     * once a membership change has reached them all.
     *
     * @return member id to {@code host:port}, sorted by id; empty before this member has one
     */
    public Map<String, String> members() {
        return members(0);
    }

    /**
     * Returns the members of a group's current configuration, as this member knows it.
     *
     * @param group the group's index
     * @return member id to {@code host:port}, sorted by id; empty before this member has one
     */
    public Map<String, String> members(int group) {
        Map<String, String> m = new java.util.TreeMap<>();
        try {
            for (RaftPeer p : division(group).getRaftConf().getCurrentPeers()) {
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
     * Returns whether this member is the leader of group 0 and has committed an entry of its term (so it can
     * serve reads and writes).
     *
     * @return whether this member is the ready leader
     */
    public boolean isLeaderReady() {
        return isLeaderReady(0);
    }

    /**
     * Returns whether this member is the leader of a group and has committed an entry of its term.
     *
     * @param group the group's index
     * @return whether this member is the group's ready leader
     */
    public boolean isLeaderReady(int group) {
        try {
            return !closed && division(group).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * How current this member's replica of a group is.
     *
     * @param leading whether this member is the group's ready leader
     * @param leaderSilenceMillis for a follower, the time since its leader's last message ({@code Long.MAX_VALUE} when it
     *     knows no leader); 0 for the leader
     * @param applied the last index applied to the state machine
     * @param committed the last index this member knows to be committed
     */
    record ReplicaProgress(boolean leading, long leaderSilenceMillis, long applied, long committed) {
    }

    /**
     * Returns how current this member's replica of a group is.
     *
     * @param group the group's index
     * @return its progress, or empty once closed
     */
    Optional<ReplicaProgress> progress(int group) {
        try {
            RaftServer.Division d = division(group);
            if (closed) {
                return Optional.empty();
            }
            boolean leading = d.getInfo().isLeaderReady();
            long silence = 0;
            if (!leading) {
                var role = d.getInfo().getRoleInfoProto();
                silence = role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()
                        ? role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() : Long.MAX_VALUE;
            }
            return Optional.of(new ReplicaProgress(leading, silence, d.getInfo().getLastAppliedIndex(),
                    d.getRaftLog().getLastCommittedIndex()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Takes a snapshot of every group's applied state now, through Ratis (so that the logs can be purged up to
     * them), waiting at most {@code timeout} for each.
     *
     * @param timeout how long to wait for each group
     * @return the log index of group 0's snapshot
     * @throws IOException if a snapshot failed or timed out
     */
    public long takeSnapshot(Duration timeout) throws IOException {
        long index0 = -1;
        for (int i = groups.size() - 1; i >= 0; i--) {
            SnapshotManagementRequest request = SnapshotManagementRequest.newCreate(ClientId.randomId(),
                    server.getId(), groups.get(i).getGroupId(), CallId.getAndIncrement(), timeout.toMillis(), 1);
            RaftClientReply reply = server.snapshotManagement(request);
            if (!reply.isSuccess()) {
                throw new IOException("snapshot failed on " + options.selfId() + to(i) + ": " + reply.getException());
            }
            index0 = reply.getLogIndex();
        }
        return index0;
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
        CrossGroupDetector d = detector;
        if (d != null) {
            d.close();
        }
        ScheduledExecutorService spreading = spreader;
        if (spreading != null) {
            spreading.shutdownNow();
        }
        for (int i = 0; i < groups.size(); i++) {
            handOffLeadership(i);
        }
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
    private void handOffLeadership(int group) {
        long start = System.nanoTime();
        long term = -1;
        for (int attempt = 1; attempt <= HAND_OFF_ATTEMPTS; attempt++) {
            Map<String, String> members = members();
            RaftStatus status = status(group);
            if (!"LEADER".equals(status.role()) || !members.containsKey(options.selfId()) || members.size() < 2) {
                return; // nobody to hand over to, no longer a member (removed: it steps down by itself), or done
            }
            if (status.term() == term) {
                return; // refused without an election (the target did not answer in time, say): trying again would too
            }
            term = status.term();
            RaftPeerId target = handOffTarget(group);
            String refused = transferLeadership(group, target);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (refused == null) {
                LOG.info("{}: handed leadership{} to {} before closing ({} ms)", options.selfId(), to(group), target,
                        millis);
                return;
            }
            LOG.info("{}: could not hand leadership{} to {} before closing ({}; {} ms){}", options.selfId(), to(group),
                    target, refused, millis, attempt < HAND_OFF_ATTEMPTS ? "; trying again if it leads in a new term" : "");
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /** The follower that answered last: alive, and likely the most up to date (else the first other peer). */
    private RaftPeerId handOffTarget(int group) {
        RaftPeerId next = RaftPeerId.valueOf(options.peers().keySet().stream()
                .filter(id -> !id.equals(options.selfId())).findFirst().orElseThrow());
        try {
            long best = Long.MAX_VALUE;
            for (var f : division(group).getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
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
    private String transferLeadership(int group, RaftPeerId target) {
        long timeout = options.electionTimeoutMax().toMillis();
        String targetAddress = members().get(target.toString());
        // On its own daemon thread, waited for a bounded time: a transfer can block on the server's monitor (seen
        // when a removed leader was stepping down), and a close must not hang on it.
        java.util.concurrent.CompletableFuture<RaftClientReply> transfer = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                transfer.complete(server.transferLeadership(new TransferLeadershipRequest(ClientId.randomId(),
                        RaftPeerId.valueOf(options.selfId()), groups.get(group).getGroupId(), CallId.getAndIncrement(), target,
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
