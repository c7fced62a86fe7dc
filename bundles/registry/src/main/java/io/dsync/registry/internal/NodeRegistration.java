package io.dsync.registry.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.framework.BundleContext;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.redis.RedisConnection;
import io.dsync.registry.Bundles;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import io.dsync.registry.RegistryUnavailableException;

/**
 * Publishes this node in the registry every heartbeat, and at once when one of its bundles changes state (others
 * act on that: a queue node whose queue-node bundle stops leaves the ring), and removes it when the node stops
 * cleanly.
 */
@Component(service = NodeRegistry.class, immediate = true, configurationPid = "io.dsync.registry")
@Designate(ocd = RegistryConfig.class)
public final class NodeRegistration implements NodeRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistration.class);

    private final BundleContext context;
    private final RedisConnection redis;
    private final NodeIdentity identity;
    private final NodeDirectory directory;
    private final String instance = UUID.randomUUID().toString();
    private volatile Duration ttl;
    /** When the heartbeats first found this node's id held by another instance; null while registered. */
    private Instant heldSince;
    private volatile Duration every;
    private ScheduledFuture<?> beating;
    private final String connectionName;
    private final ScheduledThreadPoolExecutor heartbeat;
    private volatile Instant lastHeartbeat;
    private volatile String problem = "no heartbeat yet";
    private final AtomicBoolean beatQueued = new AtomicBoolean();
    /** Synchronous, so that a bundle's STOPPING is seen while it stops, not after. */
    private final SynchronousBundleListener bundleChanges = event -> beatSoon();

    @Activate
    public NodeRegistration(@Reference RedisConnection redis, BundleContext context, RegistryConfig config) {
        if (!valid(config)) {
            throw new IllegalArgumentException("heartbeatMillis must be positive and missedHeartbeats at least 1, got "
                    + config.heartbeatMillis() + " and " + config.missedHeartbeats());
        }
        this.context = context;
        this.redis = redis;
        this.identity = NodeIdentity.from(context::getProperty);
        this.directory = new NodeDirectory(redis.client(), redis.cluster());
        this.every = Duration.ofMillis(config.heartbeatMillis());
        this.ttl = every.multipliedBy(config.missedHeartbeats() + 1L);
        this.connectionName = redis.clientName();
        this.heartbeat = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dsync-registry-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beating = heartbeat.scheduleWithFixedDelay(this::beat, 0, config.heartbeatMillis(), TimeUnit.MILLISECONDS);
        context.addBundleListener(bundleChanges);
    }

    private static boolean valid(RegistryConfig config) {
        return config.heartbeatMillis() > 0 && config.missedHeartbeats() >= 1;
    }

    /**
     * A change of {@code etc/io.dsync.registry.cfg} applies to the next heartbeat. Without this, SCR replaced the
     * component, and with it every component that uses the registry: the node's lock client closed its sessions
     * (releasing every lock held through the node) and its Raft member stopped and started again.
     */
    @Modified
    synchronized void modified(RegistryConfig config) {
        if (!valid(config)) {
            LOG.warn("Registry: ignoring heartbeatMillis {} and missedHeartbeats {} (heartbeatMillis must be positive "
                    + "and missedHeartbeats at least 1); keeping a heartbeat every {} ms", config.heartbeatMillis(),
                    config.missedHeartbeats(), every.toMillis());
            return;
        }
        Duration next = Duration.ofMillis(config.heartbeatMillis());
        ttl = next.multipliedBy(config.missedHeartbeats() + 1L);
        if (!next.equals(every)) {
            every = next;
            beating.cancel(false);
            beating = heartbeat.scheduleWithFixedDelay(this::beat, 0, next.toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("Registry: a heartbeat every {} ms, entries live {} ms", every.toMillis(), ttl.toMillis());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        context.removeBundleListener(bundleChanges);
        // Let a heartbeat that is running finish (its own stop makes bundle events, hence heartbeats, likely now):
        // interrupted, its write would still be on its way to Redis and could land after the removal below,
        // registering the stopped node again until its TTL. A heartbeat queued and not started yet is dropped. With
        // Redis out of reach the heartbeat waits for Redis' timeouts and would land nowhere: the stop does not wait
        // for it (a node stopped while Redis is down used to take 5 s more, longer than Docker's grace period).
        heartbeat.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        heartbeat.shutdown();
        boolean reachable = redis.health().reachable();
        boolean finished = heartbeat.awaitTermination(reachable ? 5000 : 200, TimeUnit.MILLISECONDS);
        if (!finished) {
            heartbeat.shutdownNow();
        }
        if (problem == null && (!reachable || !finished)) {
            // A removal now could land before the interrupted heartbeat's write and be undone by it.
            LOG.info("Registry: node '{}' stops with Redis out of reach or its last heartbeat unanswered; its entry "
                    + "expires within {} ms", identity.id(), ttl.toMillis());
        } else if (problem == null) {
            try {
                directory.deregister(identity.id(), instance);
                LOG.info("Registry: node '{}' left cluster '{}'", identity.id(), identity.cluster());
            } catch (RegistryUnavailableException e) {
                LOG.warn("Registry: could not remove node '{}' ({}); it expires within {} ms", identity.id(),
                        e.getMessage(), ttl.toMillis());
            }
        }
    }

    /**
     * A heartbeat as soon as the heartbeat thread is free (it never runs on the caller's thread: bundle listeners
     * run inside the framework's state changes); the changes that come while one waits share it.
     */
    private void beatSoon() {
        if (beatQueued.compareAndSet(false, true)) {
            try {
                heartbeat.execute(() -> {
                    beatQueued.set(false);
                    beat();
                });
            } catch (RejectedExecutionException stopping) {
                beatQueued.set(false);
            }
        }
    }

    private void beat() {
        String before = problem;
        String now;
        boolean redisDown = false;
        boolean waitingForExpiry = false;
        try {
            Optional<String> holder = directory.register(self(), ttl, every, connectionName);
            if (holder.isEmpty()) {
                lastHeartbeat = Instant.now();
                heldSince = null;
                now = null;
            } else {
                if (heldSince == null) {
                    heldSince = Instant.now();
                }
                // A node restarted right after a crash finds its previous run's entry until that entry's TTL ends:
                // routine, waited out. Held longer, another live process has the id: for an operator to fix.
                waitingForExpiry = Instant.now().isBefore(heldSince.plus(ttl).plus(every));
                now = waitingForExpiry
                        ? "node id '" + identity.id() + "' is still registered by instance " + holder.get()
                                + " (a previous run that did not leave?); waiting up to " + ttl.toMillis()
                                + " ms for its entry to expire"
                        : "node id '" + identity.id() + "' is held by another live process (instance " + holder.get()
                                + "); give this node another --id";
            }
        } catch (RegistryUnavailableException e) {
            now = e.getMessage();
            redisDown = true;
        } catch (RuntimeException e) {
            now = "heartbeat failed: " + e;
        }
        problem = now;
        if (heartbeat.isShutdown()) {
            return; // the node stops: an interrupted write is no news
        }
        if (now == null && before != null) {
            LOG.info("Registry: node '{}' registered in cluster '{}' as {} (roles {})", identity.id(),
                    identity.cluster(), identity.host() + ":" + identity.ports(), identity.roles());
        } else if (now != null && !now.equals(before)) {
            // Redis out of reach is the Redis monitor's news (logged once there); an id held by another live process
            // is this node's own problem, for an operator to fix.
            if (waitingForExpiry) {
                LOG.info("Registry: node '{}' is not registered yet: {}", identity.id(), now);
            } else if (redisDown) {
                LOG.warn("Registry: node '{}' is not registered: {}", identity.id(), now);
            } else {
                LOG.error("Registry: node '{}' is not registered: {}", identity.id(), now);
            }
        }
    }

    @Override
    public NodeInfo self() {
        return new NodeInfo(identity.id(), instance, identity.cluster(), identity.roles(), identity.host(),
                identity.ports(), Bundles.describe(context), identity.startedAt(), Instant.now().toString(),
                identity.version());
    }

    @Override
    public List<NodeInfo> nodes() {
        return directory.list();
    }

    @Override
    public List<NodeInfo> responsiveNodes() {
        return directory.listResponsive();
    }

    @Override
    public Optional<Instant> lastHeartbeat() {
        return Optional.ofNullable(lastHeartbeat);
    }

    @Override
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }
}
