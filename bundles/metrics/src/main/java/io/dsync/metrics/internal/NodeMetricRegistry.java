package io.dsync.metrics.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Component;

import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.MetricSet;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import com.codahale.metrics.jvm.ThreadStatesGaugeSet;

/**
 * The node's one {@link MetricRegistry}, registered as a service and pre-filled with JVM gauges under {@code jvm.*}.
 * Bundles add their metrics under their subsystem's prefix ({@code dsync.lock.*}, {@code dsync.queue.*} ...) and
 * remove them when they stop, since the registry outlives them.
 */
@Component(service = MetricRegistry.class, immediate = true)
public final class NodeMetricRegistry extends MetricRegistry {

    public NodeMetricRegistry() {
        addAll("jvm.memory", new MemoryUsageGaugeSet());
        addAll("jvm.gc", new GarbageCollectorMetricSet());
        addAll("jvm.threads", new ThreadStatesGaugeSet());
    }

    private void addAll(String prefix, MetricSet set) {
        for (Map.Entry<String, Metric> e : set.getMetrics().entrySet()) {
            register(name(prefix, e.getKey()), e.getValue());
        }
    }
}
