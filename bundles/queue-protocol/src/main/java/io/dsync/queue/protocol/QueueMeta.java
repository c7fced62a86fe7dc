package io.dsync.queue.protocol;

import java.time.Duration;

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
 */
public record QueueMeta(String name, long visibilityTimeoutMs, int maxDeliveries, String deadLetterQueue,
                        int maxPayloadBytes, int partitions) {

    /** Most partitions a queue may have. */
    public static final int MAX_PARTITIONS = 1024;

    public QueueMeta {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be between 1 and " + MAX_PARTITIONS + ", was " + partitions);
        }
    }

    public static QueueMeta of(QueueConfig config, int partitions) {
        return new QueueMeta(config.name(), config.visibilityTimeout().toMillis(), config.maxDeliveries(),
                config.deadLetterQueue(), config.maxPayloadBytes(), partitions);
    }

    public QueueConfig config() {
        return new QueueConfig(name, Duration.ofMillis(visibilityTimeoutMs), maxDeliveries, deadLetterQueue,
                maxPayloadBytes);
    }
}
