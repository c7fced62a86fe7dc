package io.dsync.queue.node.internal;

import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;

import io.dsync.queue.node.owner.Ownership;
import io.dsync.queue.node.owner.QueueNode;

/**
 * A queue node's own figures: partitions owned and the messages they hold, messages dead-lettered, partitions
 * claimed and released (a rebalance moves them), and the takeover time: from the ownership pass that saw the queue nodes change (a node
 * joined, left or stopped heartbeating) to the partition claimed and loaded here.
 */
final class QueueNodeMetrics implements Ownership.Listener {

    static final String PREFIX = "dsync.queue.node.";

    private final MetricRegistry registry;
    private final Meter claimed;
    private final Meter released;
    private final Histogram takeover;
    private final Meter deadLettered;

    QueueNodeMetrics(MetricRegistry registry, QueueNode node) {
        this.registry = registry;
        this.claimed = registry.meter(PREFIX + "partitions.claimed");
        this.released = registry.meter(PREFIX + "partitions.released");
        this.takeover = registry.histogram(PREFIX + "takeover.millis");
        this.deadLettered = registry.meter(PREFIX + "deadlettered");
        node.onDeadLettered(owner -> deadLettered.mark());
        registry.gauge(PREFIX + "partitions", () -> (Gauge<Integer>) () -> node.all().size());
        registry.gauge(PREFIX + "messages", () -> (Gauge<Long>) () -> node.all().stream()
                .mapToLong(o -> o.stats().size()).sum());
        registry.gauge(PREFIX + "inflight", () -> (Gauge<Long>) () -> node.all().stream()
                .mapToLong(o -> o.stats().inFlight()).sum());
    }

    @Override
    public void claimed(String queue, int partition, long afterChangeNanos, int messages) {
        claimed.mark();
        if (afterChangeNanos >= 0) {
            takeover.update(TimeUnit.NANOSECONDS.toMillis(afterChangeNanos));
        }
    }

    @Override
    public void released(String queue, int partition) {
        released.mark();
    }

    void remove() {
        registry.removeMatching((name, m) -> name.startsWith(PREFIX));
    }
}
