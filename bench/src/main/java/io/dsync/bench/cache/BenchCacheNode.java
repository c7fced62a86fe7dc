package io.dsync.bench.cache;

import io.dsync.cache.client.ClientCacheService;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.protocol.CacheCatalog;
import io.dsync.cache.protocol.CacheTiming;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemoryConfig;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeInfo;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RedissonClient;

/**
 * A cache client in the benchmark's JVM that the cluster's homes can reach: what the cache-client bundle does inside
 * a node (a {@link ClientCacheService}, the node topic on its own node messaging, the ring read every 200 ms, the
 * timer), plus a registration in the registry so that homes find its messaging address.
 */
final class BenchCacheNode implements AutoCloseable {

    private final String id;
    private final String cluster;
    private final NettyMessaging messaging;
    private final NodeDirectory directory;
    private final ScheduledExecutorService timer;
    private final ExecutorService completions;
    private final ClientCacheService service;
    private final HomeRing ring;
    private volatile CacheTopology topology = CacheTopology.empty();

    BenchCacheNode(String id, String cluster, RedissonClient redisson) {
        this.id = id;
        this.cluster = cluster;
        this.messaging = NettyMessaging.listen(id, "127.0.0.1", 0);
        this.directory = new NodeDirectory(redisson, cluster);
        this.ring = new HomeRing(redisson, "dsync:" + cluster + ":cache:ring");
        this.timer = Executors.newScheduledThreadPool(1, r -> daemon(r, id + "-timer"));
        this.completions = Executors.newCachedThreadPool(r -> daemon(r, id + "-completion"));
        CoherenceTransport transport = new CoherenceTransport(messaging, id, n -> topology.address(n),
                Duration.ofSeconds(2));
        this.service = new ClientCacheService(id, CacheTiming.incarnation(redisson, "dsync:" + cluster
                + ":cache:incarnation"), CacheTiming.PROTOCOL, new CacheCatalog(redisson, "dsync:" + cluster + ":caches"),
                transport, new MainMemoryConfig(0, 1000).open(redisson, "dsync:" + cluster + ":cache"),
                () -> topology, completions);
        CoherenceTransport.serve(messaging, CoherenceTransport.TOPIC_NODE, CoherenceMessage.ToNode.class,
                service::onMessage);
        register();
        refresh();
        timer.scheduleWithFixedDelay(() -> {
            try {
                register();
            } catch (RuntimeException e) {
                // Redis busy or away for a moment: the next heartbeat tries again (the TTL is 5 s)
            }
        }, 1, 1, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::refresh, CacheTiming.RING_READ_MILLIS, CacheTiming.RING_READ_MILLIS,
                TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(service::tick, CacheTiming.TICK_MILLIS, CacheTiming.TICK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    ClientCacheService service() {
        return service;
    }

    private void register() {
        InetSocketAddress address = messaging.localAddress();
        String now = Instant.now().toString();
        directory.register(new NodeInfo(id, id + "-" + ProcessHandle.current().pid(), cluster, List.of(), "127.0.0.1",
                Map.of("messaging", address.getPort()), List.of(), now, now, "bench"), Duration.ofSeconds(5));
    }

    private void refresh() {
        try {
            topology = CacheTopology.of(ring.read(), directory.list());
        } catch (RuntimeException e) {
            // keep the last ring: the next read tries again
        }
    }

    @Override
    public void close() {
        service.close();
        timer.shutdownNow();
        completions.shutdownNow();
        directory.deregister(id, id + "-" + ProcessHandle.current().pid());
        messaging.close();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
