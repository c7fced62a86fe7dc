package io.dsync.admin.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import io.dsync.metrics.OutageClock;
import io.dsync.redis.RedisConnection;
import io.dsync.redis.RedisHealth;

/**
 * {@code dsync.redis.outage} (timer): how long this node found Redis out of reach, from the first failed check of the
 * Redis connection's monitor (every second by default, {@code monitorIntervalMillis} in {@code etc/io.dsync.redis.cfg})
 * to the first check that succeeded again: the partition recovery time for Redis as this node saw it. It follows the
 * connection's health four times a second.
 */
@Component(service = {}, immediate = true)
public final class RedisOutages {

    static final String NAME = "dsync.redis.outage";

    private final MetricRegistry registry;
    private final ScheduledExecutorService follower;

    @Activate
    public RedisOutages(@Reference RedisConnection redis, @Reference MetricRegistry registry) {
        this.registry = registry;
        Timer timer = registry.timer(NAME);
        OutageClock outages = new OutageClock(nanos -> timer.update(nanos, TimeUnit.NANOSECONDS));
        this.follower = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-redis-outages");
            t.setDaemon(true);
            return t;
        });
        follower.scheduleWithFixedDelay(() -> observe(redis.health(), outages), 0, 250, TimeUnit.MILLISECONDS);
    }

    /** Feeds one health report to {@code outages}, at the time it was checked. */
    static void observe(RedisHealth health, OutageClock outages) {
        long checkedAt = System.nanoTime() - Math.max(0, Duration.between(health.checkedAt(), Instant.now()).toNanos());
        if (health.reachable()) {
            outages.succeeded(checkedAt);
        } else {
            outages.failed(checkedAt);
        }
    }

    @Deactivate
    void deactivate() {
        follower.shutdownNow();
        registry.remove(NAME);
    }
}
