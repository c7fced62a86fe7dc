package io.dsync.queue.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

/** The queue's meters: the node's totals and, for the console, one pair per queue. */
class QueueClientMetricsTest {

    @Test
    void sendsAndAcksCountInTheTotalsAndPerQueue() {
        MetricRegistry registry = new MetricRegistry();
        QueueClientMetrics metrics = new QueueClientMetrics(registry);

        metrics.sent("orders", 3);
        metrics.sent("audit", 1);
        metrics.acked("orders");

        assertThat(registry.meter("dsync.queue.client.sent").getCount()).isEqualTo(4);
        assertThat(registry.meter("dsync.queue.client.acked").getCount()).isEqualTo(1);
        assertThat(registry.meter("dsync.queue.client.queue.orders.sent").getCount()).isEqualTo(3);
        assertThat(registry.meter("dsync.queue.client.queue.audit.sent").getCount()).isEqualTo(1);
        assertThat(registry.meter("dsync.queue.client.queue.orders.acked").getCount()).isEqualTo(1);

        metrics.remove();
        assertThat(registry.getNames()).isEmpty();
    }
}
