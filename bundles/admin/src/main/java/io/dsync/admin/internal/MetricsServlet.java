package io.dsync.admin.internal;

import java.util.concurrent.TimeUnit;

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
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: the node's Dropwizard registry as JSON (rates per second, durations in milliseconds);
 * {@code GET /metrics/prometheus}: the same metrics in the Prometheus text exposition format.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/metrics", "/metrics/prometheus"})
public final class MetricsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    private final transient MetricRegistry registry;
    private final transient ObjectMapper json;
    private final transient DropwizardExports prometheus;
    private final transient PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    @Activate
    public MetricsServlet(@Reference MetricRegistry registry) {
        this.registry = registry;
        this.json = HttpJson.mapper().copy().registerModule(new MetricsModule(TimeUnit.SECONDS, TimeUnit.MILLISECONDS, false));
        this.prometheus = new DropwizardExports(registry);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        HttpCalls.handle(req, resp, LOG, () -> {
            if ("/metrics/prometheus".equals(req.getServletPath())) {
                resp.setStatus(200);
                resp.setContentType(PrometheusTextFormatWriter.CONTENT_TYPE);
                resp.setHeader("Cache-Control", "no-store");
                text.write(resp.getOutputStream(), prometheus.collect());
            } else {
                HttpJson.write(resp, 200, registry, json);
            }
            // Written here rather than returned: the text format is not JSON, the JSON needs the metrics mapper.
            return Reply.written();
        });
    }
}
