package io.dsync.console.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.Svg;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.grid.ColumnTextAlign;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.data.renderer.LitRenderer;
import com.vaadin.flow.router.PageTitle;

/**
 * The queues, live: the queue nodes' consistent-hash ring drawn as a circle on the server ({@link QueueRingSvg}), the
 * latest rebalance (nodes that joined or left, partitions that moved), one grid row per queue (depth, in flight,
 * dead-letter queue size, send and ack rates) and each queue node's answer. The data come from the
 * {@link QueuesMonitor}, which polls only while such a view is open, by server push.
 */
@PageTitle("dsync console: queues")
public final class QueuesView extends VerticalLayout {

    /** The route. */
    static final String ROUTE = "queues";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ConsoleContext context = ConsoleServlet.context();
    private final Span summary = new Span();
    private final Span rebalance = new Span();
    private final Svg ring = new Svg();
    private final Grid<QueuesSnapshot.Row> queues = new Grid<>();
    private final Span queuesNote = new Span();
    private final Grid<QueuesSnapshot.NodeAnswer> nodes = new Grid<>();
    private QueuesSnapshot shown;
    private String svgShown;
    private Runnable unsubscribe;

    public QueuesView() {
        setWidthFull();
        summary.setId("summary");
        rebalance.setId("last-rebalance");
        ring.setId("queue-ring");
        queuesNote.setId("queues-note");

        queues.setId("queues");
        queues.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        // A Lit renderer carries the figures as attributes, for tests and for people reading the page.
        queues.addColumn(LitRenderer.<QueuesSnapshot.Row>of(
                        "<span data-queue=\"${item.name}\" data-depth=\"${item.depth}\" data-in-flight=\"${item.inFlight}\""
                        + " data-sent=\"${item.sent}\">${item.name}</span>")
                .withProperty("name", QueuesSnapshot.Row::name)
                .withProperty("sent", r -> r.rate() == null ? "" : Double.toString(r.rate().sent()))
                .withProperty("depth", r -> r.info() == null ? "" : Long.toString(r.info().messages()))
                .withProperty("inFlight", r -> r.info() == null ? "" : Long.toString(r.info().inFlight())))
                .setHeader("Queue").setFlexGrow(2).setResizable(true);
        queues.addColumn(r -> r.info() == null ? "" : Integer.toString(r.info().partitions())).setHeader("Partitions")
                .setTextAlign(ColumnTextAlign.END).setWidth("7em").setFlexGrow(0);
        queues.addColumn(r -> r.info() == null ? "" : Long.toString(r.info().messages())).setHeader("Depth")
                .setTextAlign(ColumnTextAlign.END).setWidth("7em").setFlexGrow(0);
        queues.addColumn(r -> r.info() == null ? "" : Long.toString(r.info().inFlight())).setHeader("In flight")
                .setTextAlign(ColumnTextAlign.END).setWidth("7em").setFlexGrow(0);
        queues.addColumn(QueuesView::deadLetters).setHeader("DLQ size").setTextAlign(ColumnTextAlign.END)
                .setWidth("12em").setFlexGrow(0);
        queues.addColumn(r -> r.rate() == null ? "" : rate(r.rate().sent())).setHeader("Sent/s")
                .setTextAlign(ColumnTextAlign.END).setWidth("7em").setFlexGrow(0);
        queues.addColumn(r -> r.rate() == null ? "" : rate(r.rate().acked())).setHeader("Acked/s")
                .setTextAlign(ColumnTextAlign.END).setWidth("7em").setFlexGrow(0);
        queues.addColumn(QueuesView::note).setHeader("Note").setFlexGrow(2);
        queues.setAllRowsVisible(true);

        nodes.setId("queue-nodes");
        nodes.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        nodes.addColumn(QueuesSnapshot.NodeAnswer::node).setHeader("Queue node").setAutoWidth(true).setFlexGrow(0);
        nodes.addColumn(LitRenderer.<QueuesSnapshot.NodeAnswer>of(
                        "<span data-queue-node=\"${item.node}\" data-answer=\"${item.answer}\">${item.text}</span>")
                .withProperty("node", QueuesSnapshot.NodeAnswer::node)
                .withProperty("answer", a -> a.problem() == null ? "ok" : "failed")
                .withProperty("text", a -> a.problem() == null ? "answered" : a.problem()))
                .setHeader("/queue/ring").setFlexGrow(1);
        nodes.setAllRowsVisible(true);

        Div ringBox = new Div(ring);
        ringBox.getStyle().set("overflow", "auto").set("max-width", "100%")
                .set("border", "1px solid var(--lumo-contrast-10pct)");
        add(new ConsoleHeader("Queues", QueuesView.class, summary), new H3("Ring"), ringBox, rebalance,
                new H3("Queues"), queuesNote, queues, new H3("Queue nodes"), nodes);
        show(context.queues().latest());
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribe = context.queues().subscribe(snapshot -> ui.access(() -> show(snapshot)));
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribe != null) {
            unsubscribe.run();
            unsubscribe = null;
        }
    }

    private void show(QueuesSnapshot s) {
        if (s == shown) {
            return;
        }
        shown = s;
        if (s.ring() == null) {
            summary.setText(s.problem() + "; updated " + TIME.format(s.at()));
        } else {
            summary.setText(s.ring().nodes().size() + " queue nodes, " + s.ring().queues().size() + " queues, "
                    + s.ring().partitions().size() + " partitions; ring read from " + s.ringFrom() + "; updated "
                    + TIME.format(s.at()));
            Set<String> moved = s.lastRebalance() == null ? Set.of() : s.lastRebalance().movedPartitions();
            String svg = QueueRingSvg.render(s.ring(), moved);
            if (!svg.equals(svgShown)) {
                ring.setSvg(svg);
                svgShown = svg;
            }
        }
        Rebalance r = s.lastRebalance();
        rebalance.setText(r == null ? "Last rebalance: none since the console started."
                : "Last rebalance at " + TIME.format(r.at()) + ": " + r.describe() + ".");
        rebalance.getElement().setAttribute("data-moved", r == null ? "" : String.join(" ", r.movedPartitions()));
        rebalance.getElement().setAttribute("data-joined", r == null ? "" : String.join(" ", r.joined()));
        rebalance.getElement().setAttribute("data-left", r == null ? "" : String.join(" ", r.left()));
        queues.setItems(s.queues());
        queuesNote.setText("Depth and in flight from the partitions' owners; DLQ size: messages in the queue's "
                + "dead-letter queue (and those due to go there); rates from the nodes' per-queue meters between two "
                + "polls (every " + context.queues().period().toMillis() + " ms)."
                + (s.queuesLeftOut() == 0 ? "" : " Not read: " + s.queuesLeftOut() + " more queues (the first "
                + QueuesMonitor.MAX_QUEUES + " are)."));
        nodes.setItems(s.nodes());
    }

    private static String deadLetters(QueuesSnapshot.Row r) {
        if (r.info() == null) {
            return "";
        }
        String due = r.info().deadLetterDue() == 0 ? "" : " (+" + r.info().deadLetterDue() + " due)";
        if (r.info().deadLetterQueue() == null) {
            return "no DLQ" + due;
        }
        return (r.deadLetterSize() == null ? "?" : Long.toString(r.deadLetterSize())) + " in " + r.info().deadLetterQueue() + due;
    }

    private static String note(QueuesSnapshot.Row r) {
        if (r.problem() != null) {
            return r.problem();
        }
        if (r.info() != null && r.info().partitionsReported() < r.info().partitions()) {
            return (r.info().partitions() - r.info().partitionsReported()) + " partitions not reported by an owner";
        }
        return "";
    }

    private static String rate(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }
}
