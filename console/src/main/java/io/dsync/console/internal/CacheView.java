package io.dsync.console.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;

/**
 * The caches, live: per cache (chosen in a list) a key × node matrix of MESI states ({@link CacheMatrix}, drawn as an
 * HTML table on the server by {@link CacheMatrixHtml}; at most {@link #MAX_KEYS} keys and {@link #MAX_NODES} nodes,
 * keys chosen by the homes' directories first, with a note of what was left out, and a text filter on the key), each
 * key's directory entry at its home, the hit ratio, and hit ratio, invalidations and write-backs over time
 * ({@link SvgChart}). The data come from the {@link CacheMonitor}, which polls only while such a view is open, by
 * server push.
 */
@PageTitle("dsync console: cache")
public final class CacheView extends VerticalLayout {

    /** The route. */
    static final String ROUTE = "cache";
    static final int MAX_KEYS = 50;
    static final int MAX_NODES = 12;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ConsoleContext context = ConsoleServlet.context();
    private final Span summary = new Span();
    private final Select<String> cache = new Select<>();
    private final Span figures = new Span();
    private final TextField filter = new TextField();
    private final Div matrix = new Div();
    private final Span matrixNote = new Span();
    private final Div ratioChart = new Div();
    private final Div eventsChart = new Div();
    private final Span problems = new Span();
    private CacheSnapshot shown;
    private List<String> namesShown = List.of();
    private String matrixShown;
    private Runnable unsubscribe;

    public CacheView() {
        setWidthFull();
        summary.setId("summary");
        cache.setId("cache-select");
        cache.setLabel("Cache");
        cache.addValueChangeListener(e -> {
            if (e.isFromClient()) {
                draw();
            }
        });
        figures.setId("cache-figures");
        filter.setId("cache-key-filter");
        filter.setPlaceholder("Filter: key");
        filter.setClearButtonVisible(true);
        filter.setValueChangeMode(ValueChangeMode.LAZY);
        filter.addValueChangeListener(e -> draw());
        matrix.setId("cache-matrix");
        matrix.getStyle().set("overflow", "auto").set("max-width", "100%");
        matrixNote.setId("cache-matrix-note");
        ratioChart.setId("cache-hit-ratio-chart");
        eventsChart.setId("cache-events-chart");
        problems.setId("cache-problems");
        problems.getStyle().set("color", "var(--lumo-error-text-color)");
        Div legend = new Div();
        legend.getElement().setProperty("innerHTML", CacheMatrixHtml.legend());
        HorizontalLayout choose = new HorizontalLayout(cache, filter);
        choose.setAlignItems(Alignment.BASELINE);
        FlexLayout charts = new FlexLayout(ratioChart, eventsChart);
        charts.setFlexWrap(FlexLayout.FlexWrap.WRAP);
        ratioChart.getStyle().set("margin-right", "var(--lumo-space-m)");
        add(new ConsoleHeader("Cache", CacheView.class, summary), choose, figures,
                new H3("Copies: key \u00d7 node"), legend, matrixNote, matrix,
                new H3("Over time"), charts, problems);
        show(context.cache().latest());
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribe = context.cache().subscribe(snapshot -> ui.access(() -> show(snapshot)));
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribe != null) {
            unsubscribe.run();
            unsubscribe = null;
        }
    }

    private void show(CacheSnapshot s) {
        if (s == shown) {
            return;
        }
        shown = s;
        List<String> names = new ArrayList<>(s.caches().keySet());
        if (!names.equals(namesShown)) {
            String current = cache.getValue();
            cache.setItems(names);
            namesShown = names;
            cache.setValue(names.contains(current) ? current : names.isEmpty() ? null : names.get(0));
        } else if (cache.getValue() == null && !names.isEmpty()) {
            cache.setValue(names.get(0));
        }
        long failed = s.nodes().stream().filter(a -> a.problem() != null).count();
        summary.setText((s.problem() != null ? s.problem() : names.size() + " caches, " + s.nodes().size() + " nodes asked"
                + (failed == 0 ? "" : ", " + failed + " failed") + (s.cachesLeftOut() == 0 ? ""
                : "; " + s.cachesLeftOut() + " more caches not read")) + "; updated " + TIME.format(s.at()));
        draw();
    }

    private void draw() {
        CacheSnapshot s = shown;
        CacheSnapshot.CacheState c = s == null || cache.getValue() == null ? null : s.caches().get(cache.getValue());
        List<String> trouble = new ArrayList<>();
        if (s != null) {
            s.nodes().stream().filter(a -> a.problem() != null).forEach(a -> trouble.add(a.node() + ": " + a.problem()));
        }
        if (c == null) {
            figures.setText(s != null && s.caches().isEmpty() && s.problem() == null ? "No cache is declared." : "");
            setMatrix("");
            matrixNote.setText("");
            problems.setText(String.join("; ", trouble));
            return;
        }
        c.problems().forEach((node, why) -> trouble.add(node + ": " + why));
        Map<String, Integer> byState = new TreeMap<>();
        c.stats().values().forEach(st -> st.linesByState().forEach((k, v) -> byState.merge(k, v, Integer::sum)));
        Double ratio = c.hitRatio();
        figures.setText(c.writeMode().toLowerCase(Locale.ROOT).replace('_', '-') + ", "
                + (c.evictionPolicy().equals("W_TINY_LFU") ? "w-tinylfu" : "lru") + " eviction; used by " + c.stats().size()
                + " nodes; hit ratio " + (ratio == null ? "-" : String.format(Locale.ROOT, "%.1f %%", ratio))
                + " since the nodes started; copies by state: " + (byState.isEmpty() ? "none" : byState.toString())
                + "; directory entries: " + c.directories().values().stream().mapToInt(CacheFigures.Directory::size).sum());
        figures.getElement().setAttribute("data-cache", c.name());
        CacheMatrix m = CacheMatrix.of(c, filter.getValue(), MAX_KEYS, MAX_NODES);
        setMatrix(CacheMatrixHtml.render(m));
        List<String> notes = new ArrayList<>();
        notes.add(m.rows().size() + (m.rows().size() == 1 ? " key" : " keys") + " shown (at most " + MAX_KEYS + "; keys in the homes' directories first)");
        if (m.keysLeftOut() > 0) {
            notes.add("not shown: " + m.keysLeftOut() + " more " + (m.keysLeftOut() == 1 ? "key" : "keys")
                    + (filter.isEmpty() ? "" : " matching the filter"));
        }
        int nodesLeftOut = m.nodesLeftOut() + s.nodesLeftOut();
        if (nodesLeftOut > 0) {
            notes.add("not shown: " + nodesLeftOut + " nodes (at most " + MAX_NODES + ")");
        }
        notes.add("each node and home lists at most its first " + CacheMonitor.LIMIT + " copies or entries");
        matrixNote.setText(String.join("; ", notes) + ".");
        List<MetricsHistory.Point> points = c.history();
        Instant to = points.isEmpty() ? s.at() : points.get(points.size() - 1).at();
        Instant from = points.isEmpty() || points.get(0).at().isAfter(to.minusSeconds(60)) ? to.minusSeconds(60)
                : points.get(0).at();
        ratioChart.getElement().setProperty("innerHTML", SvgChart.render("Hit ratio", "%", points,
                List.of(MetricsSeries.CACHE_VIEW_HIT_RATIO), from, to, false));
        eventsChart.getElement().setProperty("innerHTML", SvgChart.render("Invalidations and write-backs", "/s", points,
                List.of(MetricsSeries.CACHE_VIEW_INVALIDATIONS, MetricsSeries.CACHE_VIEW_WRITE_BACKS), from, to, false));
        problems.setText(String.join("; ", trouble));
    }

    private void setMatrix(String html) {
        if (!Objects.equals(html, matrixShown)) {
            matrix.getElement().setProperty("innerHTML", html);
            matrixShown = html;
        }
    }
}
