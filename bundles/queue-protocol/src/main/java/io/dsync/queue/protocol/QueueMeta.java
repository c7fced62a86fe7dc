package io.dsync.queue.protocol;

import java.time.Duration;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.dsync.queue.QueueConfig;

/**
 * A declared queue as the catalog stores it: its configuration and its partition count, fixed at declaration (a
 * message's partition depends on it, so it never changes while the queue exists).
 *
 * @param name the queue
 * @param visibilityTimeoutMs the configured visibility timeout
 * @param maxDeliveries the configured maximum deliveries
 * @param deadLetterQueue the dead-letter queue, or {@code null}
 * @param maxPayloadBytes the largest payload accepted
 * @param partitions how many partitions (streams) the queue has
 * @param incarnation which declaration of the name this is: Redis' clock in microseconds when the catalog stored it
 *     (0 for queues declared before deletion existed, and for a configuration not stored yet). A queue deleted and
 *     declared again is a new incarnation, and a partition's claim says which one it serves, so that a node with an
 *     outdated catalog can neither claim a deleted queue's partition nor mix two incarnations' messages.
 */
public record QueueMeta(String name, long visibilityTimeoutMs, int maxDeliveries, String deadLetterQueue,
                        int maxPayloadBytes, int partitions,
                        @JsonInclude(JsonInclude.Include.NON_DEFAULT) long incarnation) {

    /** Most partitions a queue may have. */
    public static final int MAX_PARTITIONS = 1024;

    public QueueMeta {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
        }
    }

    public static QueueMeta of(QueueConfig config, int partitions) {
        return new QueueMeta(config.name(), config.visibilityTimeout().toMillis(), config.maxDeliveries(),
                config.deadLetterQueue(), config.maxPayloadBytes(), partitions, 0);
    }

    public QueueConfig config() {
        return new QueueConfig(name, Duration.ofMillis(visibilityTimeoutMs), maxDeliveries, deadLetterQueue,
                maxPayloadBytes);
    }
}
