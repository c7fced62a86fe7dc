package io.dsync.cache.protocol;

import io.dsync.cache.core.Timing;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RedissonClient;

/**
 * The durations every cache client and cache node of a cluster must share, and the incarnation numbers that keep
 * request and grant ids growing across restarts. Constants rather than configuration, for the same reason as the
 * ring's parameters: nodes that disagreed would break the lease rule.
 */
public final class CacheTiming {

    /**
     * Leases of 2 s with a 20 ms drift margin (a drift bound of 1%), renewal in their last second of the copies used
     * within the last 30 s, retransmissions every 200 ms, operations time out after 10 s. The lease bounds how long
     * keys whose home changed cannot be granted (a quarantine of {@code lease + margin}) and how long a write waits
     * for a sharer that does not answer; shorter leases cost more renewals of held copies. Renewing a copy read every
     * few seconds costs a lease reference per second in the renewal message of its home; letting it lapse costs a miss
     * (a home round trip and a Redis read) at its next read: see {@code docs/cache.md}.
     */
    public static final Timing PROTOCOL = new Timing(TimeUnit.SECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(20),
            TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(10),
            TimeUnit.SECONDS.toNanos(30));
    /** How long a read of the ring that confirmed the epoch lets a home grant. */
    public static final long AUTHORITY_TERM = TimeUnit.SECONDS.toNanos(1);
    /** How often homes and clients read the ring (well within the authority term). */
    public static final long RING_READ_MILLIS = 200;
    /** How often protocol instances are ticked: half the retransmission interval. */
    public static final long TICK_MILLIS = TimeUnit.NANOSECONDS.toMillis(PROTOCOL.retry()) / 2;

    private CacheTiming() {
    }

    /**
     * A new incarnation number for a protocol instance: a counter in Redis, so that it is larger than that of any
     * earlier start of any cache client or node of the cluster.
     *
     * @param client the node's Redisson client
     * @param key the counter's key, {@code dsync:<cluster>:cache:incarnation}
     * @return the incarnation, at least 1
     */
    public static long incarnation(RedissonClient client, String key) {
        return client.getAtomicLong(key).incrementAndGet();
    }
}
