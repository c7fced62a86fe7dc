package io.dsync.cache.protocol;

import java.time.Duration;
import org.redisson.api.RedissonClient;

/**
 * How main memory waits for Redis replicas, as configured under PID {@code io.dsync.cache} (shared by the cache client
 * and the cache node, which both reach main memory: writes from the first, fenced reads from the second).
 *
 * @param replicaAcks how many replicas must confirm each script ({@code WAIT}); 0 without replicas, 1 with Sentinel
 * @param replicaTimeoutMillis how long a script waits for them before its outcome counts as unknown
 */
public record MainMemoryConfig(int replicaAcks, long replicaTimeoutMillis) {

    /**
     * Main memory under the cluster's key prefix.
     *
     * @param client the node's Redisson client
     * @param cacheKey {@code RedisConnection.key("cache")}, that is {@code dsync:<cluster>:cache}
     */
    public MainMemory open(RedissonClient client, String cacheKey) {
        String prefix = cacheKey.substring(0, cacheKey.length() - "cache".length());
        return new MainMemory(client, MainMemory.keyLayout(prefix), Math.max(0, replicaAcks),
                Duration.ofMillis(Math.max(1, replicaTimeoutMillis)));
    }
}
