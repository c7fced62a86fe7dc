package io.dsync.console.internal;

import java.time.Instant;
import java.util.List;

/**
 * What the Queues view shows at one poll. Immutable.
 *
 * @param at when the poll ended (the console's clock)
 * @param ring the ring, or {@code null} when no queue node could answer
 * @param ringFrom the node whose answer {@code ring} is, or {@code null}
 * @param problem why there is no ring (or no queue figures), or {@code null}
 * @param nodes every queue node asked, with its answer's problem if it had one
 * @param queues one row per queue
 * @param queuesLeftOut queues not read (beyond the limit)
 * @param lastRebalance the latest change of the ring seen since the console started, or {@code null}
 */
record QueuesSnapshot(Instant at, QueueRing ring, String ringFrom, String problem, List<NodeAnswer> nodes,
        List<Row> queues, int queuesLeftOut, Rebalance lastRebalance) {

    QueuesSnapshot {
        nodes = List.copyOf(nodes);
        queues = List.copyOf(queues);
    }

    /**
     * @param node a node's id
     * @param problem why its answer is missing, or {@code null} when it answered
     */
    record NodeAnswer(String node, String problem) {
    }

    /**
     * One queue's figures.
     *
     * @param name the queue
     * @param info its totals, or {@code null} when they could not be read
     * @param deadLetterSize messages in its dead-letter queue, or {@code null} (none, or not read)
     * @param rate its send and ack rates, or {@code null} before the second poll
     * @param problem why {@code info} is missing, or {@code null}
     */
    record Row(String name, QueueInfo info, Long deadLetterSize, QueueRates.Rate rate, String problem) {
    }

    static QueuesSnapshot empty(Instant at) {
        return new QueuesSnapshot(at, null, null, "not read yet", List.of(), List.of(), 0, null);
    }
}
