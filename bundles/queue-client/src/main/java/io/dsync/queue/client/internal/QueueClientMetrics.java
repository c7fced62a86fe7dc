package io.dsync.queue.client.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import io.dsync.queue.Delivery;
import io.dsync.queue.client.ClientQueueService;

/**
 * The queue's throughput as this node's clients see it: messages sent, delivered and acknowledged (meters, so the
 * console and Prometheus read rates), redeliveries, the end-to-end latency from enqueue to delivery, and
 * {@code outage} (timer): how long sends and settles found no partition owner to answer, the partition recovery time
 * as this node saw it ({@link io.dsync.queue.protocol.QueueRouter#onRecovery}). Sends and acks are also counted per
 * queue ({@code dsync.queue.client.queue.<queue>.sent} and {@code .acked}), for the console's Queues view.
 */
final class QueueClientMetrics implements ClientQueueService.Listener {

    static final String PREFIX = "dsync.queue.client.";

    private final MetricRegistry registry;
    private final Meter sent;
    private final Meter delivered;
    private final Meter acked;
    private final Meter redelivered;
    private final Histogram latency;
    private final Timer outages;

    QueueClientMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.sent = registry.meter(PREFIX + "sent");
        this.delivered = registry.meter(PREFIX + "delivered");
        this.acked = registry.meter(PREFIX + "acked");
        this.redelivered = registry.meter(PREFIX + "redelivered");
        this.latency = registry.histogram(PREFIX + "latency.micros");
        this.outages = registry.timer(PREFIX + "outage");
    }

    /** An outage of partition owners ended after {@code nanos}. */
    void outage(long nanos) {
        outages.update(nanos, TimeUnit.NANOSECONDS);
    }

    /** The meter of one queue's {@code what} ("sent", "acked"). */
    static String perQueue(String queue, String what) {
        return PREFIX + "queue." + queue + "." + what;
    }

    @Override
    public void sent(int messages) {
        sent.mark(messages);
    }

    @Override
    public void sent(String queue, int messages) {
        sent.mark(messages);
        registry.meter(perQueue(queue, "sent")).mark(messages);
    }

    @Override
    public void delivered(List<Delivery> deliveries) {
        delivered.mark(deliveries.size());
        long now = System.currentTimeMillis();
        for (Delivery d : deliveries) {
            if (d.deliveryCount() == 1) {
                latency.update(TimeUnit.MILLISECONDS.toMicros(Math.max(0, now - d.enqueuedAt().toEpochMilli())));
            }
        }
    }

    @Override
    public void acked() {
        acked.mark();
    }

    @Override
    public void acked(String queue) {
        acked.mark();
        registry.meter(perQueue(queue, "acked")).mark();
    }

    @Override
    public void redelivered() {
        redelivered.mark();
    }

    void remove() {
        registry.removeMatching((name, m) -> name.startsWith(PREFIX));
    }

}
