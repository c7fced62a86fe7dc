package io.dsync.bench.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.redisson.api.RedissonClient;

import io.dsync.cache.CacheService;
import io.dsync.cache.client.ClientCacheService;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.protocol.CacheCatalog;
import io.dsync.cache.protocol.CacheTiming;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.messaging.Messaging;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeInfo;

/**
 * A cache client in the benchmark's JVM that the cluster's homes can reach, as a node would be: what the cache-client
 * bundle does inside OSGi ({@code CacheClientComponent}: a {@link ClientCacheService}, the topic {@code cache.node} on
 * node messaging, the ring read every {@value CacheTiming#RING_READ_MILLIS} ms, the tick every
 * {@link CacheTiming#TICK_MILLIS} ms), plus what the node's registry bundle does for it: a registration with the
 * messaging port, no roles (so it never becomes a home), renewed every second with a 5 s TTL, removed on close. Homes
 * send grants, invalidations and downgrades to the address they find there. The tick has a thread of its own, so
 * that a slow Redis read of the registry never delays it.
 */
public final class BenchCacheNode implements AutoCloseable {

    private static final Duration TTL = Duration.ofSeconds(5);

    private final String id;
    private final String instance = UUID.randomUUID().toString();
    private final String cluster;
    private final String startedAt = Instant.now().toString();
    private final NettyMessaging messaging;
    private final NodeDirectory directory;
    private final HomeRing ring;
    private final ScheduledExecutorService ticker;
    private final ScheduledExecutorService registry;
    private final ExecutorService completions;
    private final ClientCacheService service;
    private final Messaging.Registration served;
    private volatile CacheTopology topology = CacheTopology.empty();
    private volatile String registryProblem;

    /**
     * Starts the client: listens on a free loopback port, registers, reads the ring, then serves the node topic.
     *
     * @param id the node id, unique in the cluster
     * @param cluster the cluster name
     * @param redisson the cluster's Redis
     * @param coldReads whether reads of keys missed rarely go to main memory without a copy (as nodes do by default)
     */
    public BenchCacheNode(String id, String cluster, RedissonClient redisson, boolean coldReads) {
        this.id = id;
        this.cluster = cluster;
        String prefix = "dsync:" + cluster + ":";
        this.messaging = NettyMessaging.listen(id, "127.0.0.1", 0);
        this.directory = new NodeDirectory(redisson, cluster);
        this.ring = new HomeRing(redisson, prefix + "cache:ring");
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, id + "-tick"));
        this.registry = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, id + "-registry"));
        this.completions = Executors.newCachedThreadPool(r -> daemon(r, id + "-completion"));
        register();
        readRing();
        CoherenceTransport transport = new CoherenceTransport(messaging, id, node -> topology.address(node));
        this.service = new ClientCacheService(id, CacheTiming.incarnation(redisson, prefix + "cache:incarnation"),
                CacheTiming.PROTOCOL, new CacheCatalog(redisson, prefix + "caches"), transport,
                new MainMemory(redisson, MainMemory.keyLayout(prefix)), () -> topology, completions, coldReads);
        this.served = CoherenceTransport.serve(messaging, CoherenceTransport.TOPIC_NODE,
                CoherenceMessage.ToNode.class, service::onMessage);
        registry.scheduleWithFixedDelay(this::heartbeat, 1, 1, TimeUnit.SECONDS);
        registry.scheduleWithFixedDelay(this::readRing, CacheTiming.RING_READ_MILLIS, CacheTiming.RING_READ_MILLIS,
                TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(service::tick, CacheTiming.TICK_MILLIS, CacheTiming.TICK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    public String id() {
        return id;
    }

    /** The reads of a cache this node answered from main memory without a copy (cold reads), 0 if unused here. */
    public long readsFromMemory(String cache) {
        return service.view(cache, 0).map(ClientCacheService.LocalView::readsFromMemory).orElse(0L);
    }

    public CacheService service() {
        return service;
    }

    /** The ring as this client last read it. */
    public CacheTopology topology() {
        return topology;
    }

    /** The last failure of a heartbeat or a ring read, or empty if the last ones worked. */
    public Optional<String> registryProblem() {
        return Optional.ofNullable(registryProblem);
    }

    private void register() {
        NodeInfo info = new NodeInfo(id, instance, cluster, List.of(), "127.0.0.1",
                Map.of("messaging", messaging.localAddress().getPort()), List.of(), startedAt, Instant.now().toString(),
                "bench");
        Optional<String> other = directory.register(info, TTL);
        if (other.isPresent()) {
            throw new IllegalStateException("node id " + id + " is registered by another process (" + other.get()
                    + ") in cluster " + cluster);
        }
    }

    private void heartbeat() {
        try {
            register();
            registryProblem = null;
        } catch (RuntimeException e) {
            registryProblem = "heartbeat of " + id + " failed: " + e.getMessage();
        }
    }

    private void readRing() {
        try {
            topology = topology.next(ring.read(), directory.list());
        } catch (RuntimeException e) {
            registryProblem = "ring read of " + id + " failed: " + e.getMessage();
        }
    }

    /** Drops every copy (writing modified ones back), then stops serving and leaves the registry. */
    @Override
    public void close() {
        try {
            service.close();
        } finally {
            served.close();
            ticker.shutdownNow();
            registry.shutdownNow();
            completions.shutdownNow();
            try {
                directory.deregister(id, instance);
            } catch (RuntimeException e) {
                // Redis is going away with the cluster: the entry expires with its TTL
            }
            messaging.close();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
