package io.dsync.console.internal;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.Svg;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.grid.ColumnTextAlign;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.provider.ListDataProvider;
import com.vaadin.flow.data.renderer.LitRenderer;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;

/**
 * The lock group, live: the wait-for graph (drawn on the server as SVG by {@link WaitForSvg}), the latest deadlocks
 * with their victims, the lock table in a grid with a text filter, and each lock node's view of the Raft group. The
 * data come from the {@link LocksMonitor}, which polls only while such a view is open, by server push. An admin also
 * gets a force-release button per holder ({@link LockActions}, which checks the role again on the server).
 */
@PageTitle("dsync console: locks")
public final class LocksView extends VerticalLayout {

    /** The route. */
    static final String ROUTE = "locks";
    /** How much of the wait-for graph is drawn; the lock table lists everything. */
    static final int GRAPH_LOCKS = 40;
    static final int GRAPH_SESSIONS = 60;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ConsoleContext context = ConsoleServlet.context();
    private final ConsoleUser user = ConsoleServlet.currentUser();
    private final Span summary = new Span();
    private final Span message = new Span();
    /** Counts the releases started (UI thread only), so that a late answer knows whether its message is still shown. */
    private long messages;
    private final Svg graph = new Svg();
    private final Span graphNote = new Span();
    private final UnorderedList deadlocks = new UnorderedList();
    private final TextField filter = new TextField();
    private final Span tableNote = new Span();
    private final List<LockRows.Row> rows = new ArrayList<>();
    /** Rows keep their identity (lock and holder) from poll to poll: the grid updates them in place. */
    private final ListDataProvider<LockRows.Row> rowProvider = new ListDataProvider<>(rows) {
        @Override
        public Object getId(LockRows.Row row) {
            return row.id();
        }
    };
    private final Grid<LockRows.Row> locks = new Grid<>();
    private final Grid<RaftMemberStatus> raft = new Grid<>();
    private LocksSnapshot shown;
    private String svgShown;
    private List<LockTableSnapshot.Deadlock> deadlocksShown;
    private Runnable unsubscribe;

    public LocksView() {
        setWidthFull();
        summary.setId("summary");
        message.setId("locks-message");
        graph.setId("wait-for");
        graphNote.setId("wait-for-note");
        deadlocks.setId("deadlocks");

        filter.setId("lock-filter");
        filter.setPlaceholder("Filter: lock or session");
        filter.setClearButtonVisible(true);
        filter.setValueChangeMode(ValueChangeMode.LAZY);
        filter.addValueChangeListener(e -> showRows());
        tableNote.setId("locks-note");

        locks.setId("locks");
        locks.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        locks.addColumn(LockRows.Row::lock).setHeader("Lock").setFlexGrow(2).setResizable(true);
        locks.addColumn(r -> r.holder() == null ? "" : r.holder().session()).setHeader("Holder session")
                .setFlexGrow(2).setResizable(true);
        locks.addColumn(r -> r.holder() == null ? "" : r.holder().mode().toLowerCase(Locale.ROOT)).setHeader("Mode")
                .setWidth("7em").setFlexGrow(0);
        locks.addColumn(r -> r.holder() == null ? "" : Long.toString(r.holder().fencingToken())).setHeader("Fencing token")
                .setTextAlign(ColumnTextAlign.END).setWidth("8em").setFlexGrow(0);
        locks.addColumn(r -> r.holder() == null ? "" : Integer.toString(r.holder().holdCount())).setHeader("Holds")
                .setTextAlign(ColumnTextAlign.END).setWidth("5em").setFlexGrow(0);
        locks.addColumn(r -> LockRows.leaseText(r.leaseLeft())).setHeader("Lease left")
                .setTextAlign(ColumnTextAlign.END).setWidth("8em").setFlexGrow(0);
        // Lit renderers, not components: a poll updates the cells' properties instead of making new components for
        // every row each second (which could also swallow a click on a button being replaced). Lit escapes values.
        locks.addColumn(LitRenderer.<LockRows.Row>of(
                        "<span data-lock=\"${item.lock}\" data-waiters=\"${item.waiters}\" title=\"${item.title}\">${item.text}</span>")
                .withProperty("lock", LockRows.Row::lock)
                .withProperty("waiters", r -> String.join(" ", r.waiters().stream().map(LockTableSnapshot.Waiter::session).toList()))
                .withProperty("title", r -> String.join("\n", r.waiters().stream()
                        .map(w -> w.session() + " " + w.mode().toLowerCase(Locale.ROOT)).toList()))
                .withProperty("text", LockRows.Row::waitersText)).setHeader("Waiters").setFlexGrow(2);
        if (user != null && user.admin()) {
            // Only for admins; and the action checks the role again on the server (LockActions).
            locks.addColumn(LitRenderer.<LockRows.Row>of(
                            "<vaadin-button theme=\"error small\" ?hidden=\"${!item.session}\" data-force-release=\"${item.session}\""
                            + " data-lock=\"${item.lock}\" @click=\"${release}\">Force release</vaadin-button>")
                    .withProperty("session", r -> r.holder() == null ? "" : r.holder().session())
                    .withProperty("lock", LockRows.Row::lock)
                    .withFunction("release", r -> {
                        if (r.holder() != null) {
                            confirmForceRelease(r.holder().session(), r.lock());
                        }
                    })).setHeader("").setWidth("10em").setFlexGrow(0);
        }
        locks.setItems(rowProvider);
        locks.setHeight("420px");

        raft.setId("raft");
        raft.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        raft.addColumn(RaftMemberStatus::node).setHeader("Node").setAutoWidth(true).setFlexGrow(0);
        raft.addColumn(m -> m.state() == null ? "" : m.state()).setHeader("State").setAutoWidth(true).setFlexGrow(0);
        raft.addComponentColumn(LocksView::roleBadge).setHeader("Role").setWidth("9em").setFlexGrow(0);
        raft.addColumn(m -> number(m.term())).setHeader("Term").setTextAlign(ColumnTextAlign.END).setWidth("6em").setFlexGrow(0);
        raft.addColumn(m -> m.leader() == null ? "" : m.leader()).setHeader("Leader").setAutoWidth(true).setFlexGrow(0);
        raft.addColumn(m -> number(m.commitIndex())).setHeader("Commit index").setTextAlign(ColumnTextAlign.END)
                .setWidth("9em").setFlexGrow(0);
        raft.addColumn(m -> number(m.appliedIndex())).setHeader("Applied index").setTextAlign(ColumnTextAlign.END)
                .setWidth("9em").setFlexGrow(0);
        raft.addColumn(m -> String.join(", ", m.members())).setHeader("Members").setAutoWidth(true).setFlexGrow(0);
        raft.addColumn(m -> m.problem() == null ? "" : m.problem()).setHeader("Problem").setFlexGrow(1);
        raft.setAllRowsVisible(true);

        Div graphBox = new Div(graph);
        graphBox.getStyle().set("overflow", "auto").set("max-height", "480px").set("max-width", "100%")
                .set("border", "1px solid var(--lumo-contrast-10pct)");
        Span legend = new Span("Sessions left, locks right. Solid green: the lock is held by the session; dashed "
                + "orange: the session waits for the lock; red: on a wait-for cycle (a deadlock).");
        legend.getStyle().set("font-size", "var(--lumo-font-size-s)").set("color", "var(--lumo-secondary-text-color)");
        add(new ConsoleHeader("Locks", LocksView.class, summary), message,
                new H3("Wait-for graph"), legend, graphBox, graphNote,
                new H3("Latest deadlocks"), deadlocks,
                new H3("Lock table"), filter, tableNote, locks,
                new H3("Raft group"), raft);
        show(context.locks().latest());
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribe = context.locks().subscribe(snapshot -> ui.access(() -> show(snapshot)));
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribe != null) {
            unsubscribe.run();
            unsubscribe = null;
        }
    }

    private void show(LocksSnapshot snapshot) {
        if (snapshot == shown) {
            return;
        }
        shown = snapshot;
        LockTableSnapshot t = snapshot.table();
        if (t == null) {
            summary.setText("Lock table: " + snapshot.tableProblem() + "; updated " + TIME.format(snapshot.at()));
        } else {
            summary.setText(count(t.lockCount(), "lock") + " in use, " + count(t.sessions(), "session") + ", "
                    + count(t.waitFor().size(), "wait-for edge") + "; read from " + snapshot.tableFrom() + " at index " + t.appliedIndex() + "; updated "
                    + TIME.format(snapshot.at()));
            WaitForLayout.Layout layout = WaitForLayout.layout(t, GRAPH_LOCKS, GRAPH_SESSIONS);
            String svg = WaitForSvg.render(layout);
            if (!svg.equals(svgShown)) {
                graph.setSvg(svg);
                svgShown = svg;
            }
            graphNote.setText(layout.locksLeftOut() + layout.sessionsLeftOut() == 0 ? ""
                    : "Not drawn: " + layout.locksLeftOut() + " locks and " + layout.sessionsLeftOut()
                    + " sessions (locks with waiters are drawn first; the table below lists them).");
            showDeadlocks(t);
        }
        raft.setItems(snapshot.raft());
        showRows();
    }

    private void showDeadlocks(LockTableSnapshot t) {
        if (t.deadlocks().equals(deadlocksShown)) {
            return;
        }
        deadlocksShown = t.deadlocks();
        deadlocks.removeAll();
        if (t.deadlocks().isEmpty()) {
            deadlocks.add(new ListItem("None among the latest entries of the lock group."));
            return;
        }
        List<LockTableSnapshot.Deadlock> newestFirst = new ArrayList<>(t.deadlocks());
        newestFirst.sort((a, b) -> Long.compare(b.index(), a.index()));
        for (LockTableSnapshot.Deadlock d : newestFirst) {
            StringBuilder cycle = new StringBuilder();
            for (LockTableSnapshot.Edge e : d.cycle()) {
                cycle.append(cycle.length() == 0 ? WaitForSvg.shortSession(e.waiter()) : "")
                        .append(" \u2192[").append(e.lock()).append("]\u2192 ").append(WaitForSvg.shortSession(e.holder()));
            }
            ListItem item = new ListItem((d.at() == null ? "" : TIME.format(d.at()) + " ") + "index " + d.index()
                    + ": victim " + d.victim() + " (its request for '" + d.lock() + "' was refused); cycle " + cycle);
            item.getElement().setAttribute("data-victim", d.victim());
            item.getElement().setAttribute("data-lock", d.lock());
            deadlocks.add(item);
        }
    }

    private void showRows() {
        LockTableSnapshot t = shown == null ? null : shown.table();
        rows.clear();
        if (t != null) {
            rows.addAll(LockRows.rows(t, filter.getValue()));
            String note = rows.size() + " rows";
            if (t.truncated()) {
                note += "; the lock table has " + t.lockCount() + " locks in use, only the first " + t.locks().size()
                        + " are listed (maxLocks in etc/io.dsync.console.cfg)";
            }
            tableNote.setText(note);
        } else {
            tableNote.setText("");
        }
        // The same provider with new rows: the grid keeps its scroll position.
        rowProvider.refreshAll();
    }

    private void confirmForceRelease(String session, String lock) {
        ConfirmDialog dialog = new ConfirmDialog();
        dialog.setId("force-release-dialog");
        dialog.setHeader("Force-release '" + lock + "'?");
        dialog.setText("This closes session " + session + " in the lock group: all its locks are released, not only '"
                + lock + "', and its waits are cancelled. Its owner finds out at its next call.");
        dialog.setCancelable(true);
        dialog.setConfirmText("Close the session");
        dialog.setConfirmButtonTheme("error primary");
        dialog.addConfirmListener(e -> {
            // The user of the HTTP session, read now on the UI thread; LockActions checks the role, on the server,
            // whatever the browser sent.
            ConsoleUser actor = ConsoleServlet.currentUser();
            UI ui = UI.getCurrent();
            long shown = ++messages;
            message.setText("Closing session " + session + " ...");
            message.getElement().removeAttribute("data-result");
            message.getStyle().set("color", "var(--lumo-secondary-text-color)");
            context.locks().callAsync(() -> context.lockActions().forceRelease(actor, session, lock))
                    .thenAccept(r -> ui.access(() -> {
                        if (shown != messages) {
                            return; // the user started another release since: its message stays
                        }
                        message.setText(r.message());
                        message.getElement().setAttribute("data-result", r.done() ? "done" : "failed");
                        message.getStyle().set("color", r.done() ? "var(--lumo-success-text-color)"
                                : "var(--lumo-error-text-color)");
                    }));
        });
        dialog.open();
    }

    private static Span roleBadge(RaftMemberStatus m) {
        String role = m.role() == null ? (m.problem() == null ? "-" : "UNREACHABLE") : m.role();
        Span badge = new Span(role);
        badge.getElement().setAttribute("data-node", m.node());
        badge.getElement().setAttribute("data-role", role);
        String colour = "LEADER".equals(role) ? "var(--lumo-success-color)" : "FOLLOWER".equals(role)
                ? "var(--lumo-primary-color)" : "var(--lumo-contrast-50pct)";
        badge.getStyle().set("color", "white").set("background", colour)
                .set("border-radius", "var(--lumo-border-radius-m)").set("padding", "0 0.5em")
                .set("font-size", "var(--lumo-font-size-s)").set("font-weight", "600");
        return badge;
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String number(long n) {
        return n < 0 ? "" : Long.toString(n);
    }
}
