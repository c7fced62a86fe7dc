package io.dsync.console.internal;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.grid.ColumnTextAlign;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;

/**
 * Every node of the cluster, live: id, roles, state and its reasons, uptime, how it sees Redis, version. The rows
 * change by server push at each poll of the {@link ClusterMonitor}; nothing needs reloading.
 */
@PageTitle("dsync console: cluster")
public final class ClusterView extends VerticalLayout {

    /** The route: the console's home page. */
    static final String ROUTE = "";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final Map<NodeState, String> COLOURS = Map.of(
            NodeState.UP, "var(--lumo-success-color)",
            NodeState.DEGRADED, "var(--lumo-warning-color, #c57c00)",
            NodeState.DOWN, "var(--lumo-error-color)",
            NodeState.UNKNOWN, "var(--lumo-contrast-50pct)");

    private final ConsoleContext context = ConsoleServlet.context();
    private final Grid<NodeStatus> grid = new Grid<>();
    private final Span summary = new Span();
    private ClusterSnapshot shown;
    private Runnable unsubscribe;

    public ClusterView() {
        setSizeFull();
        ConsoleHeader header = new ConsoleHeader("Cluster", ClusterView.class, summary);
        summary.setId("summary");

        grid.setId("nodes");
        grid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        grid.addColumn(NodeStatus::id).setHeader("Node").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> String.join(", ", s.roles())).setHeader("Roles").setAutoWidth(true).setFlexGrow(0);
        // Fixed widths where the content changes with the state: auto width is measured once, on the first rows.
        grid.addComponentColumn(ClusterView::stateBadge).setHeader("State").setWidth("8em").setFlexGrow(0);
        grid.addColumn(s -> uptime(s)).setHeader("Uptime").setTextAlign(ColumnTextAlign.END).setWidth("11em").setFlexGrow(0);
        grid.addColumn(NodeStatus::redis).setHeader("Redis").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> s.version() == null ? "" : s.version()).setHeader("Version").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> s.adminUrl() == null ? "" : s.adminUrl()).setHeader("Admin API").setAutoWidth(true).setFlexGrow(0);
        grid.addColumn(s -> String.join("; ", s.problems())).setHeader("Problems").setFlexGrow(1);
        grid.setSizeFull();
        add(header, grid);
        show(context.monitor().latest());
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribe = context.monitor().subscribe(snapshot -> ui.access(() -> show(snapshot)));
        show(context.monitor().latest());
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribe != null) {
            unsubscribe.run();
            unsubscribe = null;
        }
    }

    private void show(ClusterSnapshot snapshot) {
        if (snapshot == shown) {
            return;
        }
        shown = snapshot;
        grid.setItems(snapshot.nodes());
        // Auto widths are measured on the rows shown; new rows (a node down, a longer problem) need new widths.
        grid.recalculateColumnWidths();
        long up = snapshot.nodes().stream().filter(s -> s.state() == NodeState.UP).count();
        long down = snapshot.nodes().stream().filter(s -> s.state() == NodeState.DOWN).count();
        long other = snapshot.nodes().size() - up - down;
        String text = snapshot.nodes().size() + " nodes: " + up + " up, " + other + " degraded or unknown, " + down
                + " down; updated " + TIME.format(snapshot.at());
        if (snapshot.registryProblem() != null) {
            text += "; registry: " + snapshot.registryProblem();
        }
        summary.setText(text);
    }

    private String uptime(NodeStatus s) {
        Duration d = s.uptime(shown.at());
        if (d == null) {
            return s.state() == NodeState.DOWN ? "down since " + TIME.format(s.since()) : "";
        }
        long secs = d.getSeconds();
        return secs >= 86_400 ? String.format("%dd %02dh", secs / 86_400, secs % 86_400 / 3600)
                : secs >= 3600 ? String.format("%dh %02dm", secs / 3600, secs % 3600 / 60)
                : String.format("%dm %02ds", secs / 60, secs % 60);
    }

    private static Span stateBadge(NodeStatus s) {
        Span badge = new Span(s.state().name());
        // For people and for browser tests: which node, which state.
        badge.getElement().setAttribute("data-node", s.id());
        badge.getElement().setAttribute("data-state", s.state().name());
        badge.getStyle().set("color", "white").set("background", COLOURS.get(s.state()))
                .set("border-radius", "var(--lumo-border-radius-m)").set("padding", "0 0.5em")
                .set("font-size", "var(--lumo-font-size-s)").set("font-weight", "600");
        return badge;
    }
}
