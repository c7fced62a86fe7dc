package io.dsync.queue.node.internal;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import io.dsync.health.Health;
import io.dsync.health.HealthContributor;
import io.dsync.messaging.Messaging;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.node.owner.Ownership;
import io.dsync.queue.node.owner.PartitionOwner;
import io.dsync.queue.node.owner.QueueNode;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.Partitioner;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.redis.RedisConnection;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;

/**
 * The queue node (queue role only, {@code bundles/queue/}): owns the partitions the ring gives this node, serves their
 * owner calls over node messaging (and its status over HTTP), and moves dead letters to their dead-letter queue's
 * owner. A thin adapter: the decisions are
 * in {@link Ownership}, {@link PartitionOwner} and the plain-Java delivery state.
 */
@Component(service = HealthContributor.class, immediate = true, configurationPid = "io.dsync.queue.node")
@Designate(ocd = QueueNodeConfig.class)
public final class QueueNodeComponent implements HealthContributor {

    private static final Logger LOG = LoggerFactory.getLogger(QueueNodeComponent.class);
    /** How long a stopping node waits for the writes it accepted before it gives its partitions up regardless. */
    static final Duration DRAIN = Duration.ofSeconds(2);

    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService loop;
    private final QueueNode node;
    private final Ownership ownership;
    private final ServiceRegistration<Servlet> servlet;
    private final QueueNodeMessaging served;
    private final QueueNodeMetrics metrics;
    private volatile long lastPassNanos = System.nanoTime();

    private final QueueCatalog catalog;
    private final QueueRouter router;

    @Activate
    public QueueNodeComponent(BundleContext context, QueueNodeConfig config, @Reference RedisConnection redis,
                              @Reference NodeRegistry registry, @Reference MetricRegistry metrics,
                              @Reference Messaging messaging) {
        NodeIdentity identity = NodeIdentity.from(context::getProperty);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "dsync-queue-timer"));
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "dsync-queue-ownership"));
        this.node = new QueueNode(timer);
        this.catalog = new QueueCatalog(redis.client(), redis.key("queues"));
        this.router = new QueueRouter(registry::responsiveNodes, messaging, Duration.ofSeconds(10));
        this.ownership = new Ownership(identity.id(), registry::responsiveNodes, catalog, new PartitionStore(redis.client(),
                Math.max(0, config.replicaAcks()), Duration.ofMillis(Math.max(1, config.replicaTimeoutMillis()))),
                parts -> redis.key(parts), node, timer, this::deadLetter, System::currentTimeMillis,
                Math.max(0, config.graceMillis()));
        // An owner stopped by a Redis failure is claimed again by the next pass, which reloads it from Redis.
        node.onLost(owner -> {
            try {
                loop.execute(this::pass);
            } catch (RejectedExecutionException stopping) {
                // The component is stopping: nothing to claim again.
            }
        });
        QueueNodeCalls calls = new QueueNodeCalls(identity.id(), node, catalog);
        this.served = new QueueNodeMessaging(messaging, calls);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", QueueWire.NODE_PATH + "/*");
        this.servlet = context.registerService(Servlet.class, new QueueNodeServlet(calls), props);
        this.metrics = new QueueNodeMetrics(metrics, node);
        ownership.setListener(this.metrics);
        long every = Math.max(50, config.passMillis());
        loop.scheduleWithFixedDelay(this::pass, 0, every, TimeUnit.MILLISECONDS);
        LOG.info("Queue node {} started", identity.id());
    }

    /**
     * Hands the partitions off. The registry shows this bundle stopping (the registration publishes bundle changes at
     * once), so the other queue nodes leave this node out of the ring and claim its partitions, each claim a new epoch
     * that fences whatever this node might still write. Here: no more claims, no more owner calls taken (clients that
     * call meanwhile are answered {@code no-handler} and retry, at the new owner once they read the registry again),
     * the writes already accepted finish (their callers get answers, deliveries being written reach their polls),
     * then the owners close. When the bundle starts again, the ring includes the node again and it claims them back.
     */
    @Deactivate
    void deactivate() {
        long started = System.nanoTime();
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        served.close();
        servlet.unregister();
        int owned = node.all().size();
        node.close(DRAIN);
        timer.shutdownNow();
        router.close();
        metrics.remove();
        LOG.info("Queue node stopped: gave up {} partition(s) in {} ms; the other queue nodes take them over", owned,
                (System.nanoTime() - started) / 1_000_000);
    }

    private void pass() {
        ownership.run();
        lastPassNanos = System.nanoTime();
    }

    private CompletionStage<?> deadLetter(String queue, String callId, String key, byte[] payload,
                                          Map<String, String> headers) {
        // Straight to the dead-letter queue's owner, with a call id made from the message's id, so that a move that
        // is tried again (this node failed half-way, or its successor retries) stores the message once.
        return catalog.find(queue).thenCompose(meta -> router.send(
                meta.orElseThrow(() -> new QueueNotFoundException(queue)),
                Partitioner.partition(key, callId, meta.get().partitions()), callId,
                List.of(new OutMessage(key, payload, headers))));
    }

    @Override
    public String name() {
        return "queue-node";
    }

    @Override
    public Health health() {
        long stale = (System.nanoTime() - lastPassNanos) / 1_000_000;
        if (stale > 10_000) {
            return Health.down("partition ownership has not been checked for " + stale / 1000 + " s");
        }
        return Health.up();
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
