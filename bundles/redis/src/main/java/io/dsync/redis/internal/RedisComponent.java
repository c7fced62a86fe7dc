package io.dsync.redis.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisHealth;

/**
 * Owns the node's Redisson client. Registered only when {@code io.dsync.redis} is configured; a new configuration
 * replaces the client (SCR deactivates and re-activates the component, and dependents re-bind).
 */
@Component(service = RedisConnection.class, configurationPid = "io.dsync.redis",
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = RedisConfig.class)
public final class RedisComponent implements RedisConnection {

    private static final Logger LOG = LoggerFactory.getLogger(RedisComponent.class);

    private final RedissonClient client;
    private final String cluster;
    private final String clientName;
    private final String endpoint;
    private final Duration healthTimeout;
    private final ScheduledExecutorService monitor;
    private volatile RedisHealth latest;
    private volatile Boolean lastReachable;
    private volatile Instant unreachableSince;

    @Activate
    public RedisComponent(RedisConfig config, BundleContext context) {
        this.cluster = clusterName(context.getProperty("dsync.cluster"));
        this.endpoint = RedisSettings.endpoint(config);
        this.healthTimeout = Duration.ofMillis(Math.max(1, config.healthTimeoutMillis()));
        String nodeId = context.getProperty("dsync.node.id");
        this.clientName = "dsync-" + cluster + "-" + (nodeId == null ? "node" : nodeId);
        var redissonConfig = configOrLog(config, clientName);
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(RedisComponent.class.getClassLoader());
        try {
            this.client = Redisson.create(redissonConfig);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        LOG.info("Redis: using {} for cluster '{}'", endpoint, cluster);
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-redis-monitor");
            t.setDaemon(true);
            return t;
        });
        monitor.scheduleWithFixedDelay(this::watch, 0, Math.max(100, config.monitorIntervalMillis()), TimeUnit.MILLISECONDS);
    }

    private org.redisson.config.Config configOrLog(RedisConfig config, String clientName) {
        try {
            return RedisSettings.toRedissonConfig(config, clientName);
        } catch (IllegalArgumentException e) {
            LOG.error("Redis: invalid configuration io.dsync.redis (etc/io.dsync.redis.cfg): {}", e.getMessage());
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        monitor.shutdownNow();
        client.shutdown(0, 2, TimeUnit.SECONDS);
        LOG.info("Redis: closed connection to {}", endpoint);
    }

    @Override
    public RedissonClient client() {
        return client;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public String clientName() {
        return clientName;
    }

    @Override
    public String key(String... parts) {
        return Keys.of(cluster, parts);
    }

    @Override
    public RedisHealth health() {
        RedisHealth h = latest;
        return h != null ? h : new RedisHealth(false, endpoint, -1, "not checked yet", Instant.now());
    }

    /** One check, bounded by the health timeout. */
    private RedisHealth check() {
        long start = System.nanoTime();
        var probe = client.getBucket(key("health"), StringCodec.INSTANCE).isExistsAsync().toCompletableFuture();
        try {
            probe.get(healthTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return new RedisHealth(true, endpoint, (System.nanoTime() - start) / 1_000, null, Instant.now());
        } catch (TimeoutException e) {
            probe.cancel(true);
            return unreachable("no answer within " + healthTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return unreachable(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable("interrupted");
        } catch (RuntimeException e) {
            return unreachable(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private RedisHealth unreachable(String why) {
        return new RedisHealth(false, endpoint, -1, why, Instant.now());
    }

    /** Logs each change of reachability once, so an operator sees when Redis went away and when it came back. */
    private void watch() {
        RedisHealth h = check();
        latest = h;
        Boolean before = lastReachable;
        if (before == null || before != h.reachable()) {
            if (h.reachable()) {
                if (unreachableSince != null) {
                    LOG.info("Redis: reachable again at {} after {} s", endpoint,
                            Duration.between(unreachableSince, h.checkedAt()).toSeconds());
                } else {
                    LOG.info("Redis: reachable at {} ({} µs)", endpoint, h.latencyMicros());
                }
                unreachableSince = null;
            } else {
                unreachableSince = h.checkedAt();
                LOG.warn("Redis: UNREACHABLE at {}: {}. The node keeps running and reconnects when Redis is back.",
                        endpoint, h.error());
            }
            lastReachable = h.reachable();
        }
    }

    private static String clusterName(String property) {
        String name = property == null || property.isBlank() ? "default" : property.trim();
        Keys.requirePart(name);
        return name;
    }
}
