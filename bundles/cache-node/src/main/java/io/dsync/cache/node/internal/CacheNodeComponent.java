package io.dsync.cache.node.internal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.HomeDirectory;
import io.dsync.cache.node.home.HandoverRecords;
import io.dsync.cache.node.home.HomeTerms;
import io.dsync.cache.node.home.Homes;
import io.dsync.cache.protocol.CacheTiming;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemoryConfig;
import io.dsync.cache.protocol.ProtocolDriver;
import io.dsync.health.Health;
import io.dsync.health.HealthContributor;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.PeerUnreachableException;
import io.dsync.messaging.RemoteException;
import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisErrors;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache node (cache role only, {@code bundles/cache/}): homes the keys the ring gives it. A thin adapter: the
 * protocol is in cache-core's {@code HomeDirectory}, the epochs and authority in {@link HomeTerms}. Here: a loop that
 * reads the agreed ring and the registry every {@value CacheTiming#RING_READ_MILLIS} ms (proposing a new ring that adds
 * this node or drops members no longer eligible), the coherence and hand-off topics for homes on node messaging, and
 * a timer for the directories.
 */
@Component(service = HealthContributor.class, immediate = true, configurationPid = "io.dsync.cache")
@Designate(ocd = CacheNodeConfig.class)
public final class CacheNodeComponent implements HealthContributor {

    private static final Logger LOG = LoggerFactory.getLogger(CacheNodeComponent.class);

    private final String self;
    private final NodeRegistry registry;
    private final HomeRing ring;
    private final Homes homes;
    private final ScheduledExecutorService loop;
    private final Messaging.Registration served;
    private final Messaging.Registration handOffs;
    private final Messaging messaging;
    private final ServiceRegistration<Servlet> servlet;
    private volatile CacheTopology topology = CacheTopology.empty();
    private final MetricRegistry metrics;
    /** Meters of what the homes send (retransmissions included): grants, invalidations, downgrades. */
    static final String METRICS = "dsync.cache.node.";
    private volatile long lastPassNanos = System.nanoTime();
    private volatile String problem;
    /** The last failure of the homes' timer, logged once while it repeats; only the loop thread uses it. */
    private String tickFailure;
    /**
     * The system property in which a stopping cache-node bundle leaves its {@link HomeTerms.Handover} for the next one
     * in the same JVM (the monotonic clock it holds times of means nothing in another process).
     */
    static final String HANDOVER = "io.dsync.cache.node.handover";
    /** The file, in the bundle's data area, with the directories' records that go with the handover. */
    static final String HANDOVER_RECORDS = "handover-records";
    /**
     * The node-messaging topic of the hand-offs: a cache node's to the others as its process stops, and a member's to
     * a node that joins.
     */
    static final String TOPIC_HAND_OFF = "cache.handoff";
    /** How long a hand-off waits for its answer (a stopping cache node waits that long for the others'). */
    private static final Duration HAND_OFF_TIMEOUT = Duration.ofMillis(500);
    private static final long RETRY_HAND_OFF_MILLIS = 100;
    private final BundleContext context;
    private final RedisConnection redis;
    /**
     * When the last ring read that found the epoch the directories are at (with this node a member) was sent: every
     * later epoch was written after it ({@link Long#MIN_VALUE} before the first).
     */
    private volatile long confirmedAt = Long.MIN_VALUE;
    /** Set as the component stops: an interrupted ring read is no problem to report then. */
    private volatile boolean stopping;
    /** Redis replicas that must have the ring before this node acts on it (config {@code replicaAcks}). */
    private final int replicaAcks;
    private final Duration replicaTimeout;

    @Activate
    public CacheNodeComponent(BundleContext context, CacheNodeConfig config, @Reference RedisConnection redis,
                              @Reference NodeRegistry registry, @Reference Messaging messaging,
                              @Reference MetricRegistry metrics) {
        this.self = NodeIdentity.from(context::getProperty).id();
        this.registry = registry;
        this.messaging = messaging;
        this.redis = redis;
        this.ring = new HomeRing(redis.client(), redis.key("cache", "ring"));
        long incarnation = CacheTiming.incarnation(redis.client(), redis.key("cache", "incarnation"));
        CoherenceTransport transport = new CoherenceTransport(messaging, self, node -> topology.address(node));
        this.metrics = metrics;
        Meter grants = metrics.meter(METRICS + "grants");
        Meter invalidations = metrics.meter(METRICS + "invalidationsSent");
        Meter downgrades = metrics.meter(METRICS + "downgradesSent");
        transport.onSent(m -> {
            if (m instanceof CoherenceMessage.Grant) {
                grants.mark();
            } else if (m instanceof CoherenceMessage.Invalidate) {
                invalidations.mark();
            } else if (m instanceof CoherenceMessage.Downgrade) {
                downgrades.mark();
            }
        });
        HomeTerms terms = new HomeTerms(self, CacheTiming.AUTHORITY_TERM, CacheTiming.PROTOCOL.margin(),
                CacheTiming.PROTOCOL.quarantine());
        this.context = context;
        HomeTerms.Handover left = HomeTerms.Handover.decode(System.getProperty(HANDOVER), self);
        System.clearProperty(HANDOVER);
        Map<String, List<HomeDirectory.Holding>> records = Map.of();
        File recordsFile = context.getDataFile(HANDOVER_RECORDS);
        if (left != null && left.withRecords()) {
            try {
                records = HandoverRecords.read(recordsFile.toPath(), left.stoppedAt());
            } catch (IOException | RuntimeException e) {
                LOG.info("Cache node {} cannot read the directory records its previous bundle left ({}); its keys"
                        + " wait out the old leases", self, e.toString());
                left = left.withoutRecords();
            }
        }
        if (recordsFile != null) {
            recordsFile.delete();
        }
        if (left != null) {
            terms.resume(left);
        }
        this.replicaAcks = Math.max(0, config.replicaAcks());
        this.replicaTimeout = Duration.ofMillis(Math.max(1, config.replicaTimeoutMillis()));
        this.homes = new Homes(self, incarnation, CacheTiming.PROTOCOL, terms, transport,
                new MainMemoryConfig(config.replicaAcks(), config.replicaTimeoutMillis()).open(redis.client(),
                        redis.key("cache")), Math.max(0, config.homeRetainBytes()),
                (node, handOff, given) -> give(node, handOff, given, ProtocolDriver.now()
                        + CacheTiming.PROTOCOL.quarantine()));
        homes.adopt(records);
        metrics.gauge(METRICS + "grantsFromCopy", () -> (Gauge<Long>) homes::grantsFromCopy);
        this.served = CoherenceTransport.serve(messaging, CoherenceTransport.TOPIC_HOME,
                CoherenceMessage.ToHome.class, homes::onMessage);
        this.handOffs = messaging.serve(TOPIC_HAND_OFF, this::handOff);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", "/cache/homes");
        this.servlet = context.registerService(Servlet.class, new CacheHomesServlet(homes, () -> topology), props);
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-cache-homes");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::pass, 0, CacheTiming.RING_READ_MILLIS, TimeUnit.MILLISECONDS);
        loop.scheduleWithFixedDelay(this::tick, CacheTiming.TICK_MILLIS, CacheTiming.TICK_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info("Cache node {} started (incarnation {})", self, incarnation);
    }

    /**
     * Stops homing: no more requests taken, every directory stopped, and the ring without this node is proposed at
     * once, so that the other cache nodes take its keys over without waiting for the registry to notice the stopped
     * bundle. When the whole node stops, each of them is handed the records of the keys it takes over, and takes them
     * up at once; otherwise (an update) what the next cache-node bundle of this JVM needs to take its keys back at once
     * is left in the system property {@value #HANDOVER}, and the others wait out this node's authority and leases
     * (see {@link HomeTerms}). With Redis out of reach (the Redis monitor's last check) none of it is tried: the ring
     * cannot change then, and the others drop this node once the registry does.
     */
    @Deactivate
    void deactivate() {
        stopping = true;
        served.close();
        handOffs.close();
        servlet.unregister();
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long stoppedAt = homes.close();
        if (redis.health().reachable()) {
            leaveRing(stoppedAt);
        } else {
            // Each ring read or write would wait for Redis' timeouts (about 5 s each), and the ring cannot change
            // without Redis anyway: the others drop this node once the registry does.
            LOG.info("Cache node {} stops with Redis out of reach; it does not leave the ring itself", self);
        }
        metrics.removeMatching((name, m) -> name.startsWith(METRICS));
        LOG.info("Cache node {} stopped", self);
    }

    /** Takes this node out of the ring, and hands its keys off or leaves them to the next bundle (see deactivate). */
    private void leaveRing(long stoppedAt) {
        CacheTopology at = homes.current(); // the epoch the directories were at, or null
        boolean processStops = processStops();
        try {
            long readAt = ProtocolDriver.now();
            HomeRing.Record current = ring.read();
            HomeRing.Record left = current;
            if (current.members().contains(self)) {
                SortedSet<String> without = new TreeSet<>(current.members());
                without.remove(self);
                left = ring.propose(current.epoch(), without);
            }
            // The others take the ring up at once from the hand-off below: it must be on the replicas first.
            ring.confirmReplicated(self, replicaAcks, replicaTimeout);
            List<String> rest = at == null ? null : new ArrayList<>(at.record().members());
            boolean leftFromAt = rest != null && rest.remove(self) && left.epoch() == at.epoch() + 1
                    && left.members().equals(rest);
            if (leftFromAt && processStops) {
                // Whoever made the ring without this node (the others may have, as the registry showed this bundle
                // stopping): the directories stopped before the records were taken.
                handOff(at.record(), left);
            } else if (leftFromAt) {
                // The handover's "left at" must come before the ring it left by was written: the start of a read that
                // still found the directories' epoch (this one, or else the last of the loop's; the others may have
                // made the ring without this node as the registry showed this bundle stopping).
                long leftAt = current.epoch() == at.epoch() ? readAt : confirmedAt;
                if (leftAt != Long.MIN_VALUE) {
                    System.setProperty(HANDOVER, new HomeTerms.Handover(at.epoch(), at.record().members(),
                            left.epoch(), leftAt, stoppedAt, leaveRecords(stoppedAt)).encode(self));
                }
            }
        } catch (RuntimeException e) {
            LOG.info("Cache node {} could not leave the ring itself ({}); the others drop it once the registry does",
                    self, RedisErrors.describe(e));
        }
    }

    /**
     * Whether the whole node stops (the framework), not only this bundle: then no next bundle of this JVM takes the
     * keys back, and the other cache nodes are handed them off instead. The two exclude each other: the next bundle
     * resumes only because the others kept this node's keys in quarantine, which a hand-off spares them.
     */
    private boolean processStops() {
        try {
            return context.getBundle(0).getState() == Bundle.STOPPING;
        } catch (RuntimeException e) {
            return false; // the context is no longer valid: not known, so no hand-off
        }
    }

    /**
     * Hands each remaining member of the ring this node left by the records of the keys it homes there, and this
     * node's quarantine (see {@link HomeTerms.HandOff}), and waits a little for them to be taken in. A member that does
     * not answer takes the keys over the usual way: after the wait and the quarantine.
     */
    private void handOff(HomeRing.Record current, HomeRing.Record left) {
        if (left.members().isEmpty()) {
            return;
        }
        CacheTopology ring;
        try {
            ring = CacheTopology.of(left, registry.nodes());
        } catch (RuntimeException e) {
            LOG.info("Cache node {} left the ring but could not hand its keys off ({}); they wait out its leases",
                    self, e.toString());
            return;
        }
        HomeTerms.HandOff handOff = new HomeTerms.HandOff(self, current.epoch(), current.members(), left.epoch(),
                homes.quarantinesUntil());
        List<CompletableFuture<byte[]>> sent = new ArrayList<>();
        homes.holdingsByHome(ring).forEach((node, records) -> sent.add(send(ring, node, handOff, records)));
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(HAND_OFF_TIMEOUT.toMillis() + 100,
                    TimeUnit.MILLISECONDS);
            LOG.info("Cache node {} handed its keys off to {}", self, left.members());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("Cache node {} could not hand its keys off to every cache node ({}); those wait out its leases",
                    self, e.getCause() == null ? e.toString() : e.getCause().toString());
        }
    }

    private CompletableFuture<byte[]> send(CacheTopology ring, String node, HomeTerms.HandOff handOff,
            Map<String, List<HomeDirectory.Holding>> records) {
        InetSocketAddress address = ring.address(node);
        if (address == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("no messaging address for " + node));
        }
        return messaging.request(address, TOPIC_HAND_OFF, HandoverRecords.encode(handOff, ProtocolDriver.now(),
                records), HAND_OFF_TIMEOUT);
    }

    /**
     * Hands the keys this node lost to a joiner off to it, again every {@value #RETRY_HAND_OFF_MILLIS} ms until
     * {@code deadline} while the joiner cannot be reached or does not serve hand-offs (a joiner of an earlier
     * version); after the deadline it has taken its keys up the usual way.
     */
    private void give(String node, HomeTerms.HandOff handOff, Map<String, List<HomeDirectory.Holding>> given,
            long deadline) {
        send(topology, node, handOff, given).whenComplete((ok, e) -> {
            if (e == null) {
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            boolean notYet = cause instanceof PeerUnreachableException || cause instanceof RemoteException r
                    && RemoteException.NO_HANDLER.equals(r.code());
            if (notYet && !stopping && ProtocolDriver.now() - deadline < 0) {
                try {
                    loop.schedule(() -> give(node, handOff, given, deadline), RETRY_HAND_OFF_MILLIS,
                            TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException stopped) {
                    return; // this node stops
                }
            }
            LOG.info("Cache node {} could not hand the keys it lost off to {} ({}); they wait out its leases there",
                    self, node, cause.toString());
        });
    }

    /** Takes in a hand-off from another cache node. */
    private CompletionStage<byte[]> handOff(byte[] body) {
        HandoverRecords.Received received;
        try {
            received = HandoverRecords.decode(body, ProtocolDriver.now(), CacheTiming.PROTOCOL.margin());
        } catch (IOException e) {
            throw new RemoteException("bad-request", e.getMessage());
        }
        homes.offer(received.handOff(), received.records());
        return CompletableFuture.completedFuture(new byte[0]);
    }

    /**
     * Writes the directories' records for the next bundle.
     *
     * @return the handover's {@code recordsUntil}: when the quarantines of recently gained keys end, or
     *     {@link Long#MIN_VALUE} if the records could not be written
     */
    private long leaveRecords(long stoppedAt) {
        File file = context.getDataFile(HANDOVER_RECORDS);
        if (file == null) {
            return Long.MIN_VALUE;
        }
        try {
            HandoverRecords.write(file.toPath(), stoppedAt, homes.holdings());
            return Math.max(stoppedAt, homes.quarantinesUntil());
        } catch (IOException | RuntimeException e) {
            LOG.info("Cache node {} cannot leave its directory records to its next bundle ({}); its keys will wait"
                    + " out the leases", self, e.toString());
            file.delete();
            return Long.MIN_VALUE;
        }
    }

    /**
     * The directories' timers. Guarded: a task of a scheduled executor that throws is never run again, and without
     * ticks no invalidation is sent again, no lease ends and no quarantine ends, for every cache.
     */
    private void tick() {
        try {
            homes.tick();
        } catch (RuntimeException | Error e) {
            String failure = e.toString();
            if (!failure.equals(tickFailure)) {
                LOG.error("Cache node {}: the homes' timer failed ({}); it runs on", self, failure, e);
                tickFailure = failure;
            }
        }
    }

    private void pass() {
        try {
            long started = ProtocolDriver.now();
            // The ring before the registry, so that the registry read is at least as new as the ring: a node whose
            // ring was just made without it because the registry showed its bundle stopping (by another node) then
            // sees that too, and does not add itself back (a needless epoch, and its hand-off would no longer fit).
            HomeRing.View view = ring.readView();
            List<NodeInfo> nodes = registry.nodes();
            HomeRing.Record record = view.current();
            if (record.epoch() == homes.epoch() && record.members().contains(self)) {
                confirmedAt = started;
            }
            List<HomeRing.Record> earlier = new ArrayList<>(view.earlier());
            SortedSet<String> eligible = CacheTopology.eligible(nodes);
            // A node adds only itself: a ring that adds it is then always made by this process, after it started, so
            // no earlier process of this node can have homed keys under it (which the join hand-offs rely on). It
            // drops members the registry no longer shows eligible.
            SortedSet<String> members = new TreeSet<>(record.members());
            members.retainAll(eligible);
            members.add(self);
            long joinedAt = -1;
            if (eligible.contains(self) && !stopping && !members.equals(new TreeSet<>(record.members()))) {
                HomeRing.Record proposed = ring.propose(record.epoch(), members);
                if (proposed.epoch() > record.epoch()) {
                    LOG.info("Cache ring epoch {}: {} (was {})", proposed.epoch(), proposed.members(),
                            record.members());
                    earlier.add(record);
                    if (!record.members().contains(self) && proposed.epoch() == record.epoch() + 1
                            && proposed.members().equals(List.copyOf(members))) {
                        joinedAt = proposed.epoch();
                    }
                }
                record = proposed;
            }
            // Nothing read or written above is acted on before the replicas have it (with replicaAcks > 0).
            ring.confirmReplicated(self, replicaAcks, replicaTimeout);
            if (joinedAt >= 0) {
                homes.joined(joinedAt);
            }
            long received = ProtocolDriver.now();
            CacheTopology next = topology.next(record, nodes);
            topology = next;
            long taken = homes.epoch(); // the earlier rings matter only above it (and rarely exist there)
            homes.observe(next, earlier.stream().filter(r -> r.epoch() > taken)
                    .map(r -> CacheTopology.of(r, List.of())).toList(), started, received);
            lastPassNanos = received;
            if (problem != null) {
                LOG.info("Cache node {} reads the ring again", self);
                problem = null;
            }
        } catch (RuntimeException e) {
            if (stopping) {
                LOG.debug("Cache node {}: a ring read was interrupted as the node stops ({})", self, RedisErrors.describe(e));
                return;
            }
            if (problem == null) {
                LOG.warn("Cache node {} cannot read the ring ({}); it stops granting until it can", self,
                        RedisErrors.describe(e));
            }
            problem = RedisErrors.describe(e);
        }
    }

    @Override
    public String name() {
        return "cache-node";
    }

    @Override
    public Health health() {
        long stale = (System.nanoTime() - lastPassNanos) / 1_000_000;
        if (stale > 10_000) {
            return Health.down("the cache ring has not been read for " + stale / 1000 + " s"
                    + (problem == null ? "" : ": " + problem));
        }
        return Health.up();
    }
}
