package io.dsync.queue.protocol;

import io.dsync.ring.HashRing;

/**
 * Which partition of a queue a message goes to: the hash of its key modulo the partition count, so that every message
 * of a key lands in one partition (one stream, one owner, one order); a message without a key goes to a random
 * partition chosen by the hash of its send's call id: the id it will get is not known before it is stored, call ids
 * are random so unkeyed load spreads evenly, and a retried send (same call id) goes to the same partition, where the
 * call id deduplicates it.
 */
public final class Partitioner {

    private Partitioner() {
    }

    public static int partition(String key, String callId, int partitions) {
        return (int) Long.remainderUnsigned(HashRing.hash(key != null ? key : callId), partitions);
    }
}
