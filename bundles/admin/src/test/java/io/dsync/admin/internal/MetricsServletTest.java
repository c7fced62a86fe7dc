package io.dsync.admin.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

class MetricsServletTest {

    @Test
    void namesThatPrometheusMakesOneLeaveOneOutInsteadOfFailingEveryMetric() {
        MetricRegistry registry = new MetricRegistry();
        registry.counter("dsync.queue.client.queue.orders-eu.sent").inc(3);
        registry.counter("dsync.queue.client.queue.orders_eu.sent").inc(5);
        registry.counter("dsync.cache.hits").inc();
        // What the library does with them: the whole exposition fails (every scrape answered 500 before).
        assertThatThrownBy(() -> new DropwizardExports(registry).collect()).isInstanceOf(IllegalArgumentException.class);

        Map<String, String> clashes = new HashMap<>();
        MetricSnapshots snapshots = MetricsServlet.prometheusView(registry, clashes::put).collect();
        assertThat(snapshots.stream().map(s -> s.getMetadata().getPrometheusName()))
                .containsExactlyInAnyOrder("dsync_queue_client_queue_orders_eu_sent", "dsync_cache_hits");
        assertThat(clashes).containsExactly(Map.entry("dsync.queue.client.queue.orders_eu.sent",
                "dsync.queue.client.queue.orders-eu.sent"));
        MetricSnapshot shown = snapshots.stream()
                .filter(s -> s.getMetadata().getPrometheusName().equals("dsync_queue_client_queue_orders_eu_sent"))
                .findFirst().orElseThrow();
        assertThat(shown.getDataPoints()).hasSize(1);
    }
}
