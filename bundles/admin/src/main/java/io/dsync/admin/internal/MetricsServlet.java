package io.dsync.admin.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.json.MetricsModule;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.http.HttpCalls;
import io.dsync.http.HttpCalls.Reply;
import io.dsync.http.HttpJson;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: the node's Dropwizard registry as JSON (rates per second, durations in milliseconds);
 * {@code GET /metrics/prometheus}: the same metrics in the Prometheus text exposition format. Dropwizard names that
 * Prometheus' naming makes one (queues {@code orders-eu} and {@code orders_eu}: both {@code ..._orders_eu_...}) would
 * fail the whole exposition; the first by name is shown, the others left out, with a WARN once each.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/metrics", "/metrics/prometheus"})
public final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    private final transient MetricRegistry registry;
    private final transient ObjectMapper json;
    /** Metrics left out of the Prometheus text for a name clash, with the one shown instead: each logged once. */
    private final transient Map<String, String> clashes = new ConcurrentHashMap<>();
    private final transient PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    @Activate
    public MetricsServlet(@Reference MetricRegistry registry) {
        this.registry = registry;
        this.json = HttpJson.mapper().copy().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            if ("/metrics/prometheus".equals(req.getServletPath())) {
                resp.setStatus(200);
                resp.setContentType(PrometheusTextFormatWriter.CONTENT_TYPE);
                resp.setHeader("Cache-Control", "no-store");
                text.write(resp.getOutputStream(), prometheusView(registry, (left, shown) -> {
                    if (clashes.put(left, shown) == null) {
                        LOG.warn("Metrics: {} has the Prometheus name of {}; /metrics/prometheus leaves it out "
                                + "(/metrics has both)", left, shown);
                    }
                }).collect());
            } else {
                HttpJson.write(resp, 200, registry, json);
            }
            // Written here rather than returned: the text format is not JSON, the JSON needs the metrics mapper.
            return Reply.written();
        });
    }

    /**
     * The registry for Prometheus, without the metrics whose Prometheus name an earlier one (by name) has already.
     *
     * @param onClash told each metric left out, and the one shown in its place
     */
    static DropwizardExports prometheusView(MetricRegistry registry, BiConsumer<String, String> onClash) {
        Map<String, String> shown = new HashMap<>();
        Set<String> left = new HashSet<>();
        for (String name : registry.getNames()) { // sorted
            String first = shown.putIfAbsent(PrometheusNaming.prometheusName(PrometheusNaming.sanitizeMetricName(name)), name);
            if (first != null) {
                left.add(name);
                onClash.accept(name, first);
            }
        }
        return left.isEmpty() ? new DropwizardExports(registry)
                : new DropwizardExports(registry, (name, metric) -> !left.contains(name));
    }
}
