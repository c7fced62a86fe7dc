package io.dsync.queue.client.internal;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

import com.codahale.metrics.MetricRegistry;

import io.dsync.http.AdminAccess;
import io.dsync.messaging.Messaging;
import io.dsync.queue.QueueService;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueDeletion;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.redis.RedisConnection;
import io.dsync.registry.NodeIdentity;
import io.dsync.registry.NodeRegistry;
import jakarta.servlet.Servlet;

/**
 * Registers this node's {@link QueueService} (on every node, whatever its roles: {@code bundles/core}) and the queue
 * HTTP API. A thin adapter around {@link ClientQueueService}.
 */
@Component(immediate = true, configurationPid = "io.dsync.queue.client")
@Designate(ocd = QueueClientConfig.class)
public final class QueueClientComponent {

    private final ClientQueueService service;
    private final QueueClientMetrics metrics;
    private final ExecutorService handlers;
    private final ServiceRegistration<QueueService> registration;
    private final ServiceRegistration<Servlet> api;

    @Activate
    public QueueClientComponent(BundleContext context, QueueClientConfig config, @Reference RedisConnection redis,
                                @Reference NodeRegistry registry, @Reference MetricRegistry metrics,
                                @Reference AdminAccess access, @Reference Messaging messaging) {
        NodeIdentity identity = NodeIdentity.from(context::getProperty);
        AtomicInteger handlerThreads = new AtomicInteger(); // numbered: a name seen twice is a stopped revision's
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dsync-queue-handler-" + handlerThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        QueueCatalog catalog = new QueueCatalog(redis.client(), redis.key("queues"));
        QueueRouter router = new QueueRouter(registry::responsiveNodes, messaging, Duration.ofMillis(Math.max(100, config.operationTimeoutMillis())));
        this.service = new ClientQueueService(catalog, router, config.partitions(),
                ClientQueueService.newClientId(identity.id()), handlers);
        this.metrics = new QueueClientMetrics(metrics);
        service.setListener(this.metrics);
        router.onRecovery(this.metrics::outage);
        this.registration = context.registerService(QueueService.class, service, null);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("osgi.http.whiteboard.servlet.pattern", new String[] {"/queue/queues", "/queue/queues/*", "/queue/ring"});
        this.api = context.registerService(Servlet.class, new QueueHttpApi(service, catalog, router, access,
                new QueueDeletion(redis.client(), catalog, parts -> redis.key(parts))), props);
    }

    @Deactivate
    void deactivate() {
        api.unregister();
        registration.unregister();
        service.close();
        handlers.shutdown();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.remove();
    }
}
