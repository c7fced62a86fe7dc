package io.dsync.console.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;

/**
 * The seed's monitoring figures for the whole cluster over the last minutes, redrawn at each poll of the
 * {@link MetricsMonitor} by server push: lock acquisition latency (the slowest node's median and 99th percentile),
 * queue throughput (sent and acknowledged per second), the cache's hits and misses per second and its hit ratio, and
 * the partition recovery time of each subsystem (a dot per new outage: how long nodes waited for the lock group, queue
 * owners, cache homes or Redis). Charts are SVG drawn on the server ({@link SvgChart}).
 */
@PageTitle("dsync console: metrics")
public final class MetricsView extends VerticalLayout {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    /** The route. */
    static final String ROUTE = "metrics";

    /** One chart: its element and what it draws. */
    private record Chart(Div box, String title, String unit, List<MetricsSeries> series, boolean dots) {
    }

    private final ConsoleContext context = ConsoleServlet.context();
    private final List<Chart> charts = List.of(
            chart("Lock acquisition latency", "ms", List.of(MetricsSeries.LOCK_P50, MetricsSeries.LOCK_P99), false),
            chart("Queue throughput", "msg/s", List.of(MetricsSeries.QUEUE_SENT, MetricsSeries.QUEUE_ACKED), false),
            chart("Cache hits and misses", "/s", List.of(MetricsSeries.CACHE_HITS, MetricsSeries.CACHE_MISSES), false),
            chart("Cache hit ratio", "%", List.of(MetricsSeries.CACHE_HIT_RATIO), false),
            chart("Partition recovery time", "ms", List.of(MetricsSeries.RECOVERY_LOCK, MetricsSeries.RECOVERY_QUEUE,
                    MetricsSeries.RECOVERY_CACHE, MetricsSeries.RECOVERY_REDIS), true));
    private final Span summary = new Span();
    private Runnable unsubscribe;

    public MetricsView() {
        setSizeFull();
        summary.setId("summary");
        add(new ConsoleHeader("Metrics", MetricsView.class, summary));
        add(new Paragraph("The whole cluster, polled every " + context.metrics().period().toSeconds()
                + " s over the last " + context.metrics().window().toMinutes() + " minutes. Recovery time: how long a "
                + "node waited for the lock group, the owner of a queue partition, a cache key's home or Redis, from "
                + "its first failed call to the next that succeeded (the longest of its recent outages)."));
        FlexLayout grid = new FlexLayout();
        grid.setFlexWrap(FlexLayout.FlexWrap.WRAP);
        charts.forEach(c -> grid.add(c.box()));
        add(grid);
        draw();
    }

    private static Chart chart(String title, String unit, List<MetricsSeries> series, boolean dots) {
        Div box = new Div();
        box.getStyle().set("margin", "0 var(--lumo-space-m) var(--lumo-space-m) 0");
        box.getElement().setAttribute("data-chart", title);
        return new Chart(box, title, unit, series, dots);
    }

    private void draw() {
        List<MetricsHistory.Point> points = context.metrics().history().points();
        Instant to = points.isEmpty() ? context.clock().instant() : points.get(points.size() - 1).at();
        // The last minutes, or since the first poll while the console has been up for less than that.
        Instant from = to.minus(context.metrics().window());
        if (!points.isEmpty() && points.get(0).at().isAfter(from)) {
            from = points.get(0).at().isBefore(to.minusSeconds(60)) ? points.get(0).at() : to.minusSeconds(60);
        }
        summary.setText(points.isEmpty() ? "no poll yet" : "updated " + TIME.format(to));
        for (Chart c : charts) {
            c.box().getElement().setProperty("innerHTML",
                    SvgChart.render(c.title(), c.unit(), points, c.series(), from, to, c.dots()));
        }
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribe = context.metrics().subscribe(point -> ui.access(this::draw));
        draw();
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribe != null) {
            unsubscribe.run();
            unsubscribe = null;
        }
    }
}
