package io.dsync.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.dsync.metrics.OutageClock;
import io.dsync.redis.RedisHealth;

class RedisOutagesTest {

    @Test
    void anOutageLastsFromTheFirstFailedCheckToTheFirstGoodOneAsTheyWereChecked() {
        List<Long> outages = new ArrayList<>();
        OutageClock clock = new OutageClock(outages::add);
        Instant now = Instant.now();
        RedisOutages.observe(health(true, now.minusSeconds(5)), clock);
        RedisOutages.observe(health(false, now.minusSeconds(4)), clock);
        RedisOutages.observe(health(false, now.minusSeconds(3)), clock);
        RedisOutages.observe(health(true, now.minusSeconds(1)), clock);
        RedisOutages.observe(health(true, now), clock);
        assertThat(outages).singleElement().satisfies(n -> assertThat(n)
                .isBetween(TimeUnit.MILLISECONDS.toNanos(2_900), TimeUnit.MILLISECONDS.toNanos(3_100)));
    }

    private static RedisHealth health(boolean reachable, Instant at) {
        return new RedisHealth(reachable, "redis://127.0.0.1:6379", reachable ? 100 : -1, reachable ? null : "down", at);
    }
}
