package io.dsync.console.internal;

import java.util.List;
import java.util.Map;

/**
 * The queue nodes' consistent-hash ring as one node reports it ({@code GET /queue/ring?tokens=true}): the nodes, their
 * virtual-node tokens and every queue's partitions with their ring position, owners (primary first, then replicas)
 * and what the owner reports. Positions are unsigned 64-bit ring positions held in a {@code long}. Immutable.
 *
 * @param vnodes virtual nodes per queue node
 * @param replicas owners per partition (primary and replicas)
 * @param nodes the queue nodes' admin URLs by id, sorted by id
 * @param tokens every token, in ring order
 * @param queues every declared queue's placement
 */
record QueueRing(int vnodes, int replicas, Map<String, String> nodes, List<Token> tokens, List<Queue> queues) {

    QueueRing {
        // Sorted: a node keeps its colour from poll to poll.
        nodes = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(nodes));
        tokens = List.copyOf(tokens);
        queues = List.copyOf(queues);
    }

    /** A virtual node: the keys up to and including {@code position} (since the previous token) go to {@code node}. */
    record Token(long position, String node) {
    }

    /**
     * @param name the queue
     * @param partitions its partitions, by number
     */
    record Queue(String name, List<Partition> partitions) {
        Queue {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * @param queue the partition's queue
     * @param partition its number
     * @param position its ring position, or {@code null} when the node did not say (an older node)
     * @param owners its primary, then its replicas (empty when there is no queue node)
     * @param owner the node that reports owning it now, or {@code null}
     * @param epoch the owner's epoch, or {@code null}
     * @param messages its messages as its owner reports them, or {@code null}
     */
    record Partition(String queue, int partition, Long position, List<String> owners, String owner, Long epoch,
            Integer messages) {
        Partition {
            owners = List.copyOf(owners);
        }

        /** @return {@code queue/partition} */
        String id() {
            return queue + "/" + partition;
        }

        /** @return the primary, or {@code null} */
        String primary() {
            return owners.isEmpty() ? null : owners.get(0);
        }
    }

    /** @return every queue's partitions, queue by queue */
    List<Partition> partitions() {
        return queues.stream().flatMap(q -> q.partitions().stream()).toList();
    }

    /** @return where {@code position} lies on the circle, from 0 (inclusive) to 1 */
    static double fraction(long position) {
        double unsigned = position >= 0 ? position : position + 0x1p64;
        return unsigned / 0x1p64;
    }
}
