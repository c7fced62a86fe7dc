package io.dsync.redis;

import java.time.Instant;
import java.util.Objects;

/**
 * The result of one reachability check of Redis.
 *
 * @param reachable whether Redis answered within the health timeout
 * @param endpoint the configured endpoint, without credentials (e.g. {@code redis://127.0.0.1:6379} or
 *     {@code sentinel mymaster@host1:26379,host2:26379})
 * @param latencyMicros the round-trip time of the check in microseconds, or {@code -1} when unreachable
 * @param error why the check failed, or {@code null} when reachable
 * @param checkedAt when the check finished
 */
public record RedisHealth(boolean reachable, String endpoint, long latencyMicros, String error, Instant checkedAt) {

    public RedisHealth {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(checkedAt, "checkedAt");
        if (reachable == (error != null)) {
            throw new IllegalArgumentException("a reachable check has no error and an unreachable one has one");
        }
    }
}
