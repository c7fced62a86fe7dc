package io.dsync.queue.protocol;

import java.util.concurrent.CompletionStage;

import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Who may own a partition: the two scripts that change a partition's {@link PartitionKeys#meta()} hash, a node's
 * claim (a new epoch, the fencing token of every later write) and a deletion's retirement. Both run on the partition's
 * keys only, so they work on a Redis Cluster.
 * <p>
 * The hash holds {@code epoch} and {@code owner}, {@code inc} (the {@link QueueMeta#incarnation()} whose messages the
 * partition holds; absent is 0) and, once a deletion retired it, {@code deleted} (the incarnation deleted). A claim
 * names the incarnation its node's catalog knows: it is refused for a deleted incarnation and for an incarnation older
 * than the partition's (the node's catalog is out of date). A claim for a newer incarnation than the one recorded
 * first drops what the older one left (a retired partition written to since by a node of an earlier version, which
 * knows no incarnations); with none recorded (a partition claimed only by such nodes so far) it keeps what is there,
 * since those messages may be the claimed incarnation's own. A queue cannot be declared again while its deletion is
 * unfinished ({@link QueueCatalog}), so no partition is left holding an older incarnation's messages unrecorded.
 */
public final class PartitionClaims {

    /** The answer of a refused claim. */
    public static final long REFUSED = -1;

    /*
     * KEYS: meta, stream, attempts, dedup, dedupTimes. ARGV: owner, incarnation.
     * The new epoch is above the current one and at least Redis' clock in milliseconds. The clock is what keeps epochs
     * from being granted twice when Redis loses its newest writes (a restart from an AOF fsynced once a second after a
     * machine crash, a failover to a replica that lacked them): a claim lost so is forgotten, but its epoch was at most
     * the clock then (or a few above the epoch before it), and every claim after the restart takes the clock since,
     * which has moved on by the time Redis is back. A plain counter would hand the lost epoch to the next claimer, and
     * the node that held it first would pass the fence as well. TIME is allowed before a write: scripts replicate
     * their effects (Redis 5 and later), so the AOF and the replicas get the HSET with its value. A retirement takes a
     * new epoch the same way, so that the last owner is fenced at once.
     */
    private static final String NEXT_EPOCH = """
            local function nextEpoch()
              local current = tonumber(redis.call('HGET', KEYS[1], 'epoch') or '0')
              local time = redis.call('TIME')
              local clock = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
              return string.format('%d', math.max(current + 1, clock))
            end
            local stored = redis.call('HGET', KEYS[1], 'inc')
            local incarnation = tonumber(stored or '0')
            """;

    private static final String CLAIM = NEXT_EPOCH + """
            local wanted = tonumber(ARGV[2])
            local deleted = redis.call('HGET', KEYS[1], 'deleted')
            if (deleted and tonumber(deleted) >= wanted) or wanted < incarnation then return -1 end
            if wanted > incarnation then
              if stored then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5]) end
              redis.call('HSET', KEYS[1], 'inc', ARGV[2])
            end
            local epoch = nextEpoch()
            redis.call('HSET', KEYS[1], 'epoch', epoch, 'owner', ARGV[1])
            return tonumber(epoch)
            """;

    /* KEYS: as CLAIM. ARGV: the incarnation deleted. Answers the messages dropped, or -1 if a newer one holds it. */
    private static final String RETIRE = NEXT_EPOCH + """
            local deleting = tonumber(ARGV[1])
            if incarnation > deleting then return -1 end
            local dropped = redis.call('XLEN', KEYS[2])
            redis.call('HSET', KEYS[1], 'epoch', nextEpoch(), 'owner', '', 'deleted', ARGV[1], 'inc', ARGV[1])
            redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            return dropped
            """;

    private PartitionClaims() {
    }

    /**
     * Makes {@code owner} the partition's owner for the queue's incarnation: answers the new epoch, which fences every
     * earlier owner, or {@link #REFUSED}.
     */
    public static CompletionStage<Long> claim(RedissonClient client, PartitionKeys keys, String owner, long incarnation) {
        return client.getScript(StringCodec.INSTANCE).evalAsync(keys.meta(), RScript.Mode.READ_WRITE, CLAIM,
                RScript.ReturnType.LONG, keys.all(), owner, Long.toString(incarnation));
    }

    /**
     * Retires a deleted queue's partition: fences its owner, refuses later claims for the incarnation and drops its
     * messages. Answers how many it dropped, or {@link #REFUSED} when a later incarnation holds the partition.
     */
    static CompletionStage<Long> retire(RedissonClient client, PartitionKeys keys, long incarnation) {
        return client.getScript(StringCodec.INSTANCE).evalAsync(keys.meta(), RScript.Mode.READ_WRITE, RETIRE,
                RScript.ReturnType.LONG, keys.all(), Long.toString(incarnation));
    }
}
