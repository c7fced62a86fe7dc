package io.dsync.cache.client.internal;

import com.codahale.metrics.MetricRegistry;
import io.dsync.cache.CacheService;
import io.dsync.cache.client.ClientCacheService;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.protocol.CacheCatalog;
import io.dsync.cache.protocol.CacheTiming;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemoryConfig;
import io.dsync.http.AdminAccess;
import io.dsync.messaging.Messaging;
import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisErrors;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Registers this node's {@link CacheService} (on every node, whatever its roles: {@code bundles/core}). A thin
 * adapter around {@link ClientCacheService}: it reads the ring of homes every {@value CacheTiming#RING_READ_MILLIS} ms,
 * serves the coherence topic for nodes on node messaging and ticks the local copies.
 */
@Component(immediate = true, configurationPid = "io.dsync.cache")
@Designate(ocd = CacheClientConfig.class)
public final class CacheClientComponent {

    private static final Logger LOG = LoggerFactory.getLogger(CacheClientComponent.class);
    /**
     * How often the ring is read while no cache is open on this node (lock, queue and console nodes, mostly): the
     * first cache opened finds a ring at most this old, and the protocol's refusals (stale epoch, not the home) send
     * its first calls to the right homes should it have changed.
     */
    private static final long IDLE_RING_READ_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final NodeRegistry registry;
    private final HomeRing ring;
    private final ClientCacheService service;
    private final ScheduledExecutorService timer;
    /** Reads the ring from Redis: apart from the timer, whose ticks must not wait for a slow or absent Redis. */
    private final ScheduledExecutorService ringReader;
    private final ExecutorService completions;
    private final Messaging.Registration served;
    private final ServiceRegistration<CacheService> registration;
    private final ServiceRegistration<Servlet> api;
    private final CacheClientMetrics metrics;
    private volatile CacheTopology topology = CacheTopology.empty();
    private volatile boolean ringProblem;
    private long lastRingRead = System.nanoTime() - IDLE_RING_READ_NANOS;

    @Activate
    public CacheClientComponent(BundleContext context, CacheClientConfig config, @Reference RedisConnection redis,
                                @Reference NodeRegistry registry, @Reference Messaging messaging,
                                @Reference AdminAccess access, @Reference MetricRegistry metrics) {
        String self = NodeIdentity.from(context::getProperty).id();
        this.registry = registry;
        this.ring = new HomeRing(redis.client(), redis.key("cache", "ring"));
        long incarnation = CacheTiming.incarnation(redis.client(), redis.key("cache", "incarnation"));
        AtomicInteger completionThreads = new AtomicInteger(); // numbered: a name seen twice is a stopped revision's
        this.completions = Executors.newCachedThreadPool(r -> thread(r,
                "dsync-cache-completion-" + completionThreads.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "dsync-cache-client"));
        this.ringReader = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "dsync-cache-client-ring"));
        CoherenceTransport transport = new CoherenceTransport(messaging, self, node -> topology.address(node));
        this.service = new ClientCacheService(self, incarnation, CacheTiming.PROTOCOL,
                new CacheCatalog(redis.client(), redis.key("caches")), transport,
                new MainMemoryConfig(config.replicaAcks(), config.replicaTimeoutMillis()).open(redis.client(),
                        redis.key("cache")), () -> topology, completions, config.coldReads());
        readRing();
        this.served = CoherenceTransport.serve(messaging, CoherenceTransport.TOPIC_NODE,
                CoherenceMessage.ToNode.class, service::onMessage);
        ringReader.scheduleWithFixedDelay(this::readRing, CacheTiming.RING_READ_MILLIS, CacheTiming.RING_READ_MILLIS,
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(service::tick, CacheTiming.TICK_MILLIS, CacheTiming.TICK_MILLIS,
                TimeUnit.MILLISECONDS);
        this.metrics = new CacheClientMetrics(metrics, service);
        service.setLatencies(this.metrics);
        timer.scheduleWithFixedDelay(this.metrics::refresh, 1, 1, TimeUnit.SECONDS);
        this.registration = context.registerService(CacheService.class, service, null);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", new String[] {"/cache/caches", "/cache/caches/*"});
        this.api = context.registerService(Servlet.class, new CacheHttpApi(service, access), props);
    }

    /** Unregisters the service, then writes modified copies back and drops every copy. */
    @Deactivate
    void deactivate() {
        api.unregister();
        registration.unregister();
        service.close();
        served.close();
        timer.shutdownNow();
        ringReader.shutdownNow();
        completions.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            completions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // After the timer's last task: one still running could register a cache's gauges again, pointing at
            // this stopped service, and the next revision would be handed those (the registry gives back the
            // metric registered under a name).
            metrics.remove();
        }
    }

    private void readRing() {
        long now = System.nanoTime();
        if (!service.anyOpened() && now - lastRingRead < IDLE_RING_READ_NANOS) {
            return; // nothing uses the ring here yet: no need for it every 200 ms (a read is 2 + 2 x nodes commands)
        }
        lastRingRead = now;
        try {
            topology = topology.next(ring.read(), registry.nodes());
            if (ringProblem) {
                LOG.info("The cache client reads the ring of cache nodes again");
                ringProblem = false;
            }
        } catch (RuntimeException e) {
            if (ringReader.isShutdown()) {
                return; // the read was interrupted as the component stops
            }
            if (!ringProblem) {
                LOG.warn("The cache client cannot read the ring of cache nodes ({}); it keeps the last one read",
                        RedisErrors.describe(e));
                ringProblem = true;
            }
        }
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
