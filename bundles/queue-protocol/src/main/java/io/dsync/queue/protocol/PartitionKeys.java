package io.dsync.queue.protocol;

import java.util.List;
import java.util.function.Function;

/**
 * The Redis keys of one partition. They share the hash tag {@code {<queue>/<partition>}}, so that one script can touch
 * them all in a Redis Cluster, and different partitions spread over its shards.
 *
 * @param meta hash: {@code epoch} (the fencing token of the current owner) and {@code owner}
 * @param stream the stream of messages (fields {@code k} key, {@code p} payload, {@code h} headers JSON)
 * @param attempts hash: entry id to {@code <attempts>:<invisibleUntilMs>}, for entries delivered or delayed at least once
 * @param dedup hash: call id to its result, for retried sends and acks
 * @param dedupTimes sorted set: call id by the time it was recorded, to forget old call ids
 */
public record PartitionKeys(String meta, String stream, String attempts, String dedup, String dedupTimes) {

    /**
     * @param key the node's key function ({@code RedisConnection::key}: parts joined after {@code dsync:<cluster>})
     * @param queue the queue
     * @param partition the partition
     */
    public static PartitionKeys of(Function<String[], String> key, String queue, int partition) {
        String tag = "{" + queue + "/" + partition + "}";
        return new PartitionKeys(key.apply(new String[] {"q", tag, "meta"}), key.apply(new String[] {"q", tag, "s"}),
                key.apply(new String[] {"q", tag, "att"}), key.apply(new String[] {"q", tag, "dedup"}),
                key.apply(new String[] {"q", tag, "dedupt"}));
    }

    /** Every key, meta first. */
    public List<Object> all() {
        return List.of(meta, stream, attempts, dedup, dedupTimes);
    }
}
