package io.dsync.lock.server.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import io.dsync.health.Health;
import io.dsync.health.HealthContributor;
import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.RunningLockGroups;
import io.dsync.lock.server.group.GroupFormation;
import io.dsync.lock.server.group.MembersFile;
import io.dsync.lock.server.raft.LockRaftStateMachine;
import io.dsync.lock.server.raft.RaftLockServer;
import io.dsync.redis.RedisConnection;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;

/**
 * This lock node's member of the lock Raft group (the lock-server bundle is installed on lock nodes only, from the
 * distribution's {@code bundles/lock/}). It wires {@link GroupFormation} (which decides how the node takes part) to
 * the registry, a probe of the running group and {@code <data>/raft/members.properties}, starts the
 * {@link RaftLockServer} on a thread of its own (formation can wait for other nodes), and publishes the member's
 * gauges and metrics. As a {@link HealthContributor} it makes {@code /health} DEGRADED while the member failed, was
 * removed, or has not been in a group with a leader for longer than an election ({@link MemberHealth}).
 * Deactivation closes the member, which hands leadership over first if it leads.
 */
@Component(service = {LockMember.class, HealthContributor.class}, immediate = true, configurationPid = "io.dsync.lock.server")
@Designate(ocd = LockServerConfig.class)
public final class LockMemberComponent implements LockMember, HealthContributor {

    private static final Logger LOG = LoggerFactory.getLogger(LockMemberComponent.class);

    /** Gauges under {@code dsync.lock.raft.*}: what an operator alerts on (no leader, a stuck applied index). */
    static final List<String> GAUGES = List.of("term", "isLeader", "hasLeader", "commitIndex", "appliedIndex");

    private final BundleContext context;
    private final NodeIdentity identity;
    private final NodeRegistry registry;
    private final InitialMembersAgreement agreement;
    private final MetricRegistry metrics;
    private final LockServerConfig config;
    private final Path storage;
    private final Thread starter;
    private volatile RaftLockServer server;
    private volatile Map<String, InetSocketAddress> startedWith = Map.of();
    private volatile String state = "starting";
    /** Whether the member cannot run without an operator: it failed, was removed, or is misconfigured. */
    private volatile boolean stuck;
    /** Set when the component deactivates: an interruption of the start is then a stop, not a failure. */
    private volatile boolean stopping;
    private final MemberHealth health;
    private volatile LockServerMetrics serverMetrics;
    private volatile ScheduledExecutorService sampler;

    @Activate
    public LockMemberComponent(BundleContext context, @Reference NodeRegistry registry, @Reference MetricRegistry metrics,
                               @Reference RedisConnection redis, LockServerConfig config) {
        this.context = context;
        this.agreement = new InitialMembersAgreement(redis);
        this.identity = NodeIdentity.from(context::getProperty);
        this.registry = registry;
        this.metrics = metrics;
        this.config = config;
        this.storage = Path.of(context.getProperty("dsync.data")).resolve("raft");
        // An election may take two rounds (a split vote) of the maximal timeout; and a member that was down hears
        // from the leader only once the leader's appender reconnects to it, seen to take 2-3 s after a restart (it
        // campaigns meanwhile and pre-vote turns it down). 4 s at least, so that such a restart reads as healthy.
        this.health = new MemberHealth(Duration.ofMillis(Math.max(4_000, 2 * config.electionTimeoutMaxMillis())),
                System.nanoTime());
        metrics.register("dsync.lock.raft.term", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::term).orElse(-1L));
        // With several groups: how many of them this member leads, and 1 only if every group has a leader.
        metrics.register("dsync.lock.raft.isLeader", (Gauge<Integer>) () -> server().map(LockMemberComponent::groupsLed).orElse(0));
        metrics.register("dsync.lock.raft.hasLeader", (Gauge<Integer>) () -> server().filter(LockMemberComponent::everyGroupHasLeader).isPresent() ? 1 : 0);
        metrics.register("dsync.lock.raft.commitIndex", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::commitIndex).orElse(-1L));
        metrics.register("dsync.lock.raft.appliedIndex", (Gauge<Long>) () -> status().map(RaftLockServer.RaftStatus::appliedIndex).orElse(-1L));
        // Calls queued in this replica's table, and the long-polls it holds (one per client, on the leader).
        metrics.register("dsync.lock.waiting", (Gauge<Integer>) () -> server().map(s -> s.stateMachines().stream()
                .mapToInt(LockRaftStateMachine::waitingCalls).sum()).orElse(0));
        metrics.register("dsync.lock.polls", (Gauge<Integer>) () -> server().map(s -> s.stateMachines().stream()
                .mapToInt(LockRaftStateMachine::heldPolls).sum()).orElse(0));
        if (!identity.roles().contains(LockRaftGroup.ROLE)) {
            state = "not a lock node: the lock-server bundle belongs on nodes with the lock role (bundles/lock/)";
            stuck = true;
            LOG.warn("Lock server: node '{}' is {}; its member does not start", identity.id(), state);
            starter = null;
            return;
        }
        if (!identity.ports().containsKey(LockRaftGroup.PORT)) {
            state = "no raft port: start the node with --raft-port";
            stuck = true;
            LOG.error("Lock server: node '{}' has the lock role but no raft port; it does not join the lock group", identity.id());
            starter = null;
            return;
        }
        starter = new Thread(this::run, "dsync-lock-raft-start");
        starter.setDaemon(true);
        starter.start();
    }

    private void run() {
        // Ratis keeps the thread context class loader of its first use in a static: make it this bundle's.
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(LockMemberComponent.class.getClassLoader());
        try {
            Files.createDirectories(storage);
            MembersFile membersFile = new MembersFile(storage);
            GroupFormation formation = new GroupFormation(identity.id(), advertised(), config.initialMembers(), membersFile,
                    () -> LockRaftGroup.lockNodes(registry.nodes()), agreement,
                    candidates -> RunningLockGroups.probe(identity.cluster(), candidates, Duration.ofSeconds(1))
                            .map(RunningLockGroups::members),
                    d -> Thread.sleep(d.toMillis()), s -> state = s, System::nanoTime);
            GroupFormation.Plan plan = formation.plan();
            if (plan instanceof GroupFormation.Plan.Removed removed) {
                state = "removed from the lock group " + removed.running().keySet()
                        + "; to join again, start it with an empty data folder";
                stuck = true;
                LOG.warn("Lock server: node '{}' was {}", identity.id(), state);
                return;
            }
            if (plan instanceof GroupFormation.Plan.Join join) {
                startedWith = join.peers();
                state = "joining the running lock group " + join.peers().keySet() + ": asking its leader to add this node";
                LOG.info("Lock server: node '{}' is {}", identity.id(), state);
                server = startJoining(join.peers());
                if (server == null) {
                    return; // stopping
                }
                while (true) {
                    try {
                        server.requestMembership(Duration.ofSeconds(30));
                        break;
                    } catch (InterruptedIOException e) {
                        return;
                    } catch (IOException e) {
                        LOG.warn("Lock server: node '{}' not added to the lock group yet, asking again: {}", identity.id(), e.getMessage());
                    }
                }
                membersFile.saveIfAbsent(join.peers());
            } else {
                Map<String, InetSocketAddress> peers = ((GroupFormation.Plan.Start) plan).peers();
                startedWith = peers;
                membersFile.saveIfAbsent(peers);
                server = RaftLockServer.start(options(peers));
            }
            serverMetrics = new LockServerMetrics(metrics);
            for (LockRaftStateMachine machine : server.stateMachines()) {
                machine.setEvents(serverMetrics);
            }
            sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dsync-lock-leader-sampler");
                t.setDaemon(true);
                return t;
            });
            RaftLockServer running = server;
            sampler.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                boolean known = everyGroupHasLeader(running);
                serverMetrics.sampleLeader(known, now);
                if (known) {
                    health.leaderSeen(now);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            synchronized (this) {
                if (stopping) {
                    return; // deactivate() stopped waiting for this start: what it made is closed below
                }
                state = "running";
            }
            LOG.info("Lock server: node '{}' runs in lock group {}, listening on {}, reached at {}", identity.id(),
                    startedWith.keySet(), running.options().bind(), startedWith.get(identity.id()));
        } catch (IOException | RuntimeException e) {
            if (stopping) {
                LOG.info("Lock server: node '{}' stopped before its Raft member ran ({})", identity.id(), e.toString());
                return;
            }
            state = "failed: " + e;
            stuck = true;
            LOG.error("Lock server: could not start the Raft member of node '{}': {}", identity.id(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (stopping) {
                // deactivate() waits 5 s for this start; one that took longer closes here what it made after that
                release();
            }
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** How long a joining member tries to reach the running group before it gives up with an error. */
    private static final Duration JOIN_PATIENCE = Duration.ofSeconds(60);

    /**
     * Starts the member that joins the running group. The start asks a running member how many groups there are; one
     * that does not answer at that moment (a GC pause, members restarting) is asked again for a minute, rather than
     * leaving this node without its member until it restarts.
     *
     * @return the member, or {@code null} when this component stops meanwhile
     */
    private RaftLockServer startJoining(Map<String, InetSocketAddress> peers) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + JOIN_PATIENCE.toNanos();
        boolean told = false;
        while (true) {
            try {
                return RaftLockServer.startJoining(options(peers));
            } catch (IOException e) {
                if (stopping) {
                    return null;
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                if (!told) {
                    LOG.info("Lock server: node '{}' cannot start joining the lock group yet ({}); trying again",
                            identity.id(), e.getMessage());
                    told = true;
                }
                Thread.sleep(1_000);
            }
        }
    }

    private RaftLockServer.Options options(Map<String, InetSocketAddress> peers) {
        return new RaftLockServer.Options(identity.cluster(), identity.id(), peers, storage,
                Duration.ofMillis(config.electionTimeoutMinMillis()), Duration.ofMillis(config.electionTimeoutMaxMillis()),
                RaftLockServer.Options.DEFAULT_RPC_TIMEOUT, RaftLockServer.Options.DEFAULT_SNAPSHOT_THRESHOLD,
                LockRaftStateMachine.DEFAULT_TICK_INTERVAL, LockStateMachine.Limits.DEFAULT, bindAddress(),
                config.groups());
    }

    private InetSocketAddress advertised() {
        return new InetSocketAddress(identity.host(), identity.ports().get(LockRaftGroup.PORT));
    }

    /** The bound Raft port ({@code dsync.port.raft}); the identity holds the advertised one. */
    private InetSocketAddress bindAddress() {
        String bind = context.getProperty("dsync.node.bind");
        int port = Integer.parseInt(context.getProperty(NodeIdentity.PORT_PREFIX + LockRaftGroup.PORT).trim());
        return new InetSocketAddress(bind == null || bind.isBlank() ? identity.host() : bind.trim(), port);
    }

    private static int groupsLed(RaftLockServer s) {
        int led = 0;
        for (int i = 0; i < s.groupCount(); i++) {
            led += "LEADER".equals(s.status(i).role()) ? 1 : 0;
        }
        return led;
    }

    private static boolean everyGroupHasLeader(RaftLockServer s) {
        for (int i = 0; i < s.groupCount(); i++) {
            if (s.status(i).leaderId().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private Optional<RaftLockServer.RaftStatus> status() {
        return server().map(RaftLockServer::status);
    }

    @Override
    public String nodeId() {
        return identity.id();
    }

    @Override
    public String state() {
        return state;
    }

    @Override
    public Optional<RaftLockServer> server() {
        return Optional.ofNullable(server);
    }

    @Override
    public Map<String, InetSocketAddress> startedWith() {
        return startedWith;
    }

    @Override
    public String name() {
        return "lock-server";
    }

    @Override
    public Health health() {
        List<String> problems = health.problems(state, stuck, status(), System.nanoTime());
        return problems.isEmpty() ? Health.up() : Health.down(problems.toArray(String[]::new));
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        GAUGES.forEach(g -> metrics.remove("dsync.lock.raft." + g));
        metrics.remove("dsync.lock.waiting");
        metrics.remove("dsync.lock.polls");
        stopping = true;
        if (starter != null) {
            starter.interrupt();
            starter.join(5_000); // a start still running after this closes what it made itself (run())
        }
        release();
    }

    /** Closes the member, its sampler and its metrics, whichever exist; once. */
    private synchronized void release() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
        if (serverMetrics != null) {
            serverMetrics.remove();
            serverMetrics = null;
        }
        RaftLockServer s = server;
        server = null;
        if (s != null) {
            try {
                s.close();
                LOG.info("Lock server: node '{}' left the lock group", identity.id());
            } catch (IOException e) {
                LOG.warn("Lock server: closing the Raft member failed: {}", e.toString());
            }
        }
    }
}
