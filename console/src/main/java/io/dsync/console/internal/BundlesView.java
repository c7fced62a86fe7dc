package io.dsync.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.DetachEvent;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.grid.ColumnTextAlign;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.data.provider.ListDataProvider;
import com.vaadin.flow.data.renderer.LitRenderer;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.server.streams.UploadEvent;
import com.vaadin.flow.server.streams.UploadHandler;

/**
 * The nodes' bundles: per node (or all nodes, grouped by node) with id, symbolic name, version and state, re-read every
 * few seconds while the view is open. An admin also gets the actions (install an uploaded JAR, update from an upload or
 * from the bundle's location, start, stop, uninstall; the destructive ones after a confirmation) and a rolling update
 * of one bundle across the nodes of a role, whose progress every open Bundles view follows by server push. The work is
 * in {@link BundleActions} (which checks the role again on the server and audit-logs) and {@link RollingUpdate}.
 */
@PageTitle("dsync console: bundles")
public final class BundlesView extends VerticalLayout {

    /** The route. */
    static final String ROUTE = "bundles";
    /** The largest JAR the console takes (in memory): the nodes' default {@code maxUploadMiB}. */
    static final int MAX_UPLOAD_BYTES = 64 << 20;
    static final String ALL = "All nodes";
    /** How often the open view re-reads the bundles (it is woken by each cluster poll). */
    private static final long REFRESH_MILLIS = 3000;

    /** What one read found: the rows, and the nodes that could not be read with why. */
    private record Listing(List<Row> rows, List<String> problems) {
    }

    /** A row: one bundle of one node. */
    record Row(String node, String adminUrl, BundleInfo bundle) {
        String id() {
            return node + "/" + bundle.id();
        }
    }

    private final ConsoleContext context = ConsoleServlet.context();
    private final ConsoleUser user = ConsoleServlet.currentUser();
    private final boolean admin = user != null && user.admin();
    private final Span summary = new Span();
    private final Span message = new Span();
    /**
     * Counts the changes of the message (UI thread only), shown as its {@code data-message}: an action's late answer
     * replaces only its own pending message, and a test waits for a new message after a click.
     */
    private long changes;
    private final Select<String> nodePicker = new Select<>();
    private final TextField filter = new TextField();
    private final Span listNote = new Span();
    /** Every row read; {@link #rows} are those the filter lets through. */
    private List<Row> read = List.of();
    private String readNote = "";
    private final List<Row> rows = new ArrayList<>();
    private final ListDataProvider<Row> rowProvider = new ListDataProvider<>(rows) {
        @Override
        public Object getId(Row row) {
            return row.id();
        }
    };
    private final Grid<Row> grid = new Grid<>();
    private final Span uploadNote = new Span("No JAR uploaded.");
    private final Upload upload = new Upload();
    private final Button install = new Button("Install on the node picked");
    private final Select<String> rolePicker = new Select<>();
    private final TextField symbolicName = new TextField();
    private final Span rolloutOutcome = new Span();
    private final UnorderedList rolloutSteps = new UnorderedList();
    /** The nodes that can be asked (not DOWN, with an admin API), by id; from the latest cluster snapshot. */
    private Map<String, String> nodes = new LinkedHashMap<>();
    private List<NodeStatus> cluster = List.of();
    private List<String> rolesShown = List.of();
    private byte[] uploaded;
    private String uploadedName;
    private boolean fetching;
    /** Counts reads; a read's answer is shown only if no newer read started (another node was picked). */
    private int generation;
    private boolean settingNodes;
    private Instant fetchedAt = Instant.EPOCH;
    private RollingUpdate.Progress progressShown;
    private Runnable unsubscribeCluster;
    private Runnable unsubscribeRollouts;

    public BundlesView() {
        setWidthFull();
        summary.setId("summary");
        message.setId("bundles-message");
        // Sticky: the answer to an action stays in sight when the admin has scrolled down to the upload.
        message.getStyle().set("position", "sticky").set("top", "0").set("z-index", "1")
                .set("background", "var(--lumo-base-color)");
        nodePicker.setId("bundle-node");
        nodePicker.setLabel("Node");
        nodePicker.setItems(ALL);
        nodePicker.setValue(ALL);
        nodePicker.addValueChangeListener(e -> {
            if (!settingNodes) {
                read = List.of();
                showRows();
                fetch(true);
            }
        });
        filter.setId("bundle-filter");
        filter.setPlaceholder("Filter: symbolic name");
        filter.setClearButtonVisible(true);
        filter.setValueChangeMode(ValueChangeMode.LAZY);
        filter.addValueChangeListener(e -> showRows());
        listNote.setId("bundles-note");

        grid.setId("bundles");
        grid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        grid.addColumn(Row::node).setHeader("Node").setWidth("9em").setFlexGrow(0).setResizable(true);
        grid.addColumn(r -> r.bundle().id()).setHeader("Id").setTextAlign(ColumnTextAlign.END).setWidth("5em").setFlexGrow(0);
        grid.addColumn(r -> r.bundle().symbolicName()).setHeader("Symbolic name").setFlexGrow(3).setResizable(true);
        grid.addColumn(r -> r.bundle().version()).setHeader("Version").setFlexGrow(1);
        // A Lit renderer, so that the state can be found by node and bundle (and a refresh updates it in place).
        grid.addColumn(LitRenderer.<Row>of("<span data-node=\"${item.node}\" data-bsn=\"${item.bsn}\""
                        + " data-version=\"${item.version}\" data-state=\"${item.state}\">${item.state}</span>")
                .withProperty("node", Row::node).withProperty("bsn", r -> r.bundle().symbolicName())
                .withProperty("version", r -> r.bundle().version()).withProperty("state", r -> r.bundle().state()))
                .setHeader("State").setWidth("8em").setFlexGrow(0);
        if (admin) {
            // Only for admins; and every action checks the role again on the server (BundleActions).
            grid.addColumn(LitRenderer.<Row>of(
                            "<span ?hidden=\"${item.system}\">"
                            + "<vaadin-button theme=\"small\" data-action=\"start\" data-node=\"${item.node}\" data-bsn=\"${item.bsn}\""
                            + " ?hidden=\"${!item.startable}\" @click=\"${start}\">Start</vaadin-button>"
                            + "<vaadin-button theme=\"small\" data-action=\"stop\" data-node=\"${item.node}\" data-bsn=\"${item.bsn}\""
                            + " ?hidden=\"${!item.active}\" @click=\"${stop}\">Stop</vaadin-button>"
                            + "<vaadin-button theme=\"small\" data-action=\"update\" data-node=\"${item.node}\" data-bsn=\"${item.bsn}\""
                            + " @click=\"${update}\">Update</vaadin-button>"
                            + "<vaadin-button theme=\"small error\" data-action=\"uninstall\" data-node=\"${item.node}\""
                            + " data-bsn=\"${item.bsn}\" @click=\"${uninstall}\">Uninstall</vaadin-button></span>")
                    .withProperty("node", Row::node).withProperty("bsn", r -> r.bundle().symbolicName())
                    .withProperty("system", r -> r.bundle().id() == 0)
                    .withProperty("active", r -> r.bundle().active())
                    .withProperty("startable", r -> !r.bundle().active() && !r.bundle().fragment())
                    .withFunction("start", r -> run(BundleActions.Verb.START, r, null, null))
                    .withFunction("stop", r -> confirm(BundleActions.Verb.STOP, r))
                    .withFunction("update", r -> confirm(BundleActions.Verb.UPDATE, r))
                    .withFunction("uninstall", r -> confirm(BundleActions.Verb.UNINSTALL, r)))
                    .setHeader("").setWidth("22em").setFlexGrow(0);
        }
        grid.setItems(rowProvider);
        grid.setHeight("460px");

        rolloutOutcome.setId("rollout-outcome");
        rolloutSteps.setId("rollout-steps");
        HorizontalLayout pickers = new HorizontalLayout(nodePicker, filter);
        pickers.setAlignItems(FlexComponent.Alignment.BASELINE);
        add(new ConsoleHeader("Bundles", BundlesView.class, summary), message, pickers, listNote, grid);
        if (admin) {
            add(new H3("Install or update from a JAR"), uploadRow(), new H3("Rolling update across a role"), rolloutRow());
        } else {
            add(new H3("Rolling update across a role"));
        }
        add(rolloutOutcome, rolloutSteps);
        showCluster(context.monitor().latest());
        showProgress(context.bundleActions().latestRollout());
    }

    private HorizontalLayout uploadRow() {
        upload.setId("bundle-upload");
        upload.setMaxFiles(1);
        upload.setMaxFileSize(MAX_UPLOAD_BYTES);
        upload.setAcceptedFileTypes(".jar", "application/java-archive", "application/zip", "application/octet-stream");
        upload.setUploadHandler(new UploadHandler() {
            @Override
            public void handleUploadRequest(UploadEvent event) throws IOException {
                // In memory, capped here as well as in the browser (which a forged request would not respect).
                byte[] bytes;
                try (InputStream in = event.getInputStream()) {
                    bytes = in.readNBytes(MAX_UPLOAD_BYTES + 1);
                }
                String name = event.getFileName();
                event.getUI().access(() -> took(name, bytes));
            }

            @Override
            public long getFileSizeMax() {
                return MAX_UPLOAD_BYTES;
            }
        });
        upload.addFileRejectedListener(e -> result(false, "Not taken: " + e.getErrorMessage()));
        uploadNote.setId("upload-note");
        install.setId("install");
        install.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        install.setEnabled(false);
        install.addClickListener(e -> installUploaded());
        HorizontalLayout row = new HorizontalLayout(upload, new VerticalLayout(uploadNote, install));
        row.setAlignItems(FlexComponent.Alignment.START);
        return row;
    }

    private HorizontalLayout rolloutRow() {
        rolePicker.setId("rollout-role");
        rolePicker.setLabel("Role");
        symbolicName.setId("rollout-bsn");
        symbolicName.setLabel("Bundle (symbolic name)");
        symbolicName.setWidth("24em");
        Button fromLocation = new Button("From each node's location", e -> confirmRollout(false));
        fromLocation.setId("rollout-location");
        Button fromUpload = new Button("From the uploaded JAR", e -> confirmRollout(true));
        fromUpload.setId("rollout-upload");
        HorizontalLayout row = new HorizontalLayout(rolePicker, symbolicName, fromLocation, fromUpload);
        row.setAlignItems(FlexComponent.Alignment.BASELINE);
        return row;
    }

    @Override
    protected void onAttach(AttachEvent event) {
        UI ui = event.getUI();
        unsubscribeCluster = context.monitor().subscribe(snapshot -> ui.access(() -> showCluster(snapshot)));
        unsubscribeRollouts = context.bundleActions().subscribeRollouts(p -> ui.access(() -> showProgress(p)));
        fetch(false);
    }

    @Override
    protected void onDetach(DetachEvent event) {
        if (unsubscribeCluster != null) {
            unsubscribeCluster.run();
            unsubscribeCluster = null;
        }
        if (unsubscribeRollouts != null) {
            unsubscribeRollouts.run();
            unsubscribeRollouts = null;
        }
    }

    /** A new cluster snapshot: the nodes that can be picked, the roles; and a re-read when the last one is old. */
    private void showCluster(ClusterSnapshot snapshot) {
        cluster = snapshot.nodes();
        Map<String, String> next = new LinkedHashMap<>();
        snapshot.nodes().stream().filter(n -> n.state() != NodeState.DOWN && n.adminUrl() != null)
                .forEach(n -> next.put(n.id(), n.adminUrl()));
        boolean pickedGone = false;
        if (!next.keySet().equals(nodes.keySet())) {
            String picked = nodePicker.getValue();
            List<String> items = new ArrayList<>();
            items.add(ALL);
            items.addAll(next.keySet());
            settingNodes = true;
            try {
                nodePicker.setItems(items);
                nodePicker.setValue(items.contains(picked) ? picked : ALL);
            } finally {
                settingNodes = false;
            }
            pickedGone = !items.contains(picked);
        }
        nodes = next;
        if (admin) {
            TreeSet<String> roles = new TreeSet<>();
            snapshot.nodes().forEach(n -> roles.addAll(n.roles()));
            List<String> r = List.copyOf(roles);
            if (!r.equals(rolesShown)) {
                String picked = rolePicker.getValue();
                rolePicker.setItems(r);
                rolesShown = r;
                if (picked != null && r.contains(picked)) {
                    rolePicker.setValue(picked);
                }
            }
        }
        summary.setText(nodes.size() + (nodes.size() == 1 ? " node" : " nodes") + " to ask; bundles read every "
                + REFRESH_MILLIS / 1000 + " s");
        if (pickedGone || snapshot.at().isAfter(fetchedAt.plusMillis(REFRESH_MILLIS))) {
            fetch(pickedGone);
        }
    }

    /**
     * Reads the bundles of the node picked (or of every node) off the UI thread, then shows them.
     *
     * @param fresh whether to read even when a read is under way (whose answer is then dropped)
     */
    private void fetch(boolean fresh) {
        UI ui = UI.getCurrent();
        if (ui == null || (fetching && !fresh)) {
            return;
        }
        int mine = ++generation;
        fetching = true;
        fetchedAt = context.clock().instant();
        String picked = nodePicker.getValue();
        Map<String, String> asked = new LinkedHashMap<>();
        nodes.forEach((id, url) -> {
            if (ALL.equals(picked) || id.equals(picked)) {
                asked.put(id, url);
            }
        });
        context.bundleActions().async(() -> {
            List<Row> found = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            asked.forEach((id, url) -> {
                try {
                    context.bundleActions().list(url).forEach(b -> found.add(new Row(id, url, b)));
                } catch (BundleAdmin.BundleAdminException e) {
                    problems.add(id + ": " + e.getMessage());
                }
            });
            return new Listing(found, problems);
        }).whenComplete((r, failure) -> ui.access(() -> {
            if (mine != generation) {
                return;
            }
            fetching = false;
            if (failure != null) {
                listNote.setText("Not read: " + failure);
                return;
            }
            read = r.rows();
            readNote = read.size() + " bundles on " + (asked.size() - r.problems().size()) + " of " + asked.size()
                    + (asked.size() == 1 ? " node" : " nodes") + (r.problems().isEmpty() ? "" : "; not read: "
                    + String.join("; ", r.problems()));
            listNote.getElement().setAttribute("data-nodes", String.join(" ", asked.keySet()));
            showRows();
        }));
    }

    private void showRows() {
        String f = filter.getValue() == null ? "" : filter.getValue().trim().toLowerCase(java.util.Locale.ROOT);
        rows.clear();
        read.stream().filter(r -> f.isEmpty() || r.bundle().symbolicName().toLowerCase(java.util.Locale.ROOT).contains(f))
                .forEach(rows::add);
        // The same provider with new rows: the grid keeps its scroll position and updates rows in place.
        rowProvider.refreshAll();
        listNote.setText(readNote + (f.isEmpty() ? "" : "; " + rows.size() + " shown"));
        listNote.getElement().setAttribute("data-rows", Integer.toString(rows.size()));
    }

    private void took(String name, byte[] bytes) {
        if (bytes != null && bytes.length > MAX_UPLOAD_BYTES) {
            uploaded = null;
            uploadedName = null;
            result(false, "Not taken: '" + name + "' is larger than " + (MAX_UPLOAD_BYTES >> 20) + " MiB.");
        } else {
            uploaded = bytes;
            uploadedName = name;
        }
        if (bytes != null) {
            // The JAR is kept here (and named below); the list is cleared so that another file can replace it.
            upload.clearFileList();
        }
        uploadNote.setText(uploaded == null ? "No JAR uploaded." : "Uploaded '" + uploadedName + "' (" + uploaded.length
                + " bytes); the node checks it.");
        uploadNote.getElement().setAttribute("data-uploaded", uploaded == null ? "" : uploadedName);
        install.setEnabled(uploaded != null);
    }

    private void installUploaded() {
        String node = nodePicker.getValue();
        String url = nodes.get(node);
        if (uploaded == null || url == null) {
            result(false, uploaded == null ? "Upload a JAR first." : "Pick the node to install on (not '" + ALL + "').");
            return;
        }
        byte[] jar = uploaded;
        String name = uploadedName;
        ConsoleUser actor = ConsoleServlet.currentUser();
        call("Installing '" + name + "' on " + node + " ...",
                () -> context.bundleActions().install(actor, node, url, name, jar));
    }

    private void confirm(BundleActions.Verb verb, Row row) {
        BundleInfo b = row.bundle();
        ConfirmDialog dialog = new ConfirmDialog();
        dialog.setId("bundle-dialog");
        dialog.setHeader(capitalized(verb.word) + " " + b.symbolicName() + " " + b.version() + " [" + b.id() + "] on "
                + row.node() + "?");
        dialog.setCancelable(true);
        switch (verb) {
            case STOP -> {
                dialog.setText("The bundle stops on " + row.node() + ": what it provides goes away until it is started again.");
                dialog.setConfirmText("Stop");
            }
            case UNINSTALL -> {
                dialog.setText("The bundle is removed from " + row.node() + ", and the bundles that use it are refreshed.");
                dialog.setConfirmText("Uninstall");
                dialog.setConfirmButtonTheme("error primary");
            }
            case UPDATE -> {
                dialog.setText("The bundle is replaced and restarted on " + row.node() + ". From its location ("
                        + b.location() + ")" + (uploaded == null ? "; upload a JAR to update from it instead."
                        : ", or from the uploaded '" + uploadedName + "'."));
                dialog.setConfirmText("From its location");
                if (uploaded != null) {
                    byte[] jar = uploaded;
                    String name = uploadedName;
                    dialog.setRejectable(true);
                    dialog.setRejectText("From '" + name + "'");
                    dialog.addRejectListener(e -> run(verb, row, jar, name));
                }
            }
            default -> throw new IllegalArgumentException(verb.toString());
        }
        dialog.addConfirmListener(e -> run(verb, row, null, null));
        dialog.open();
    }

    private void run(BundleActions.Verb verb, Row row, byte[] jar, String fileName) {
        // The user of the HTTP session, read now on the UI thread; BundleActions checks the role on the server.
        ConsoleUser actor = ConsoleServlet.currentUser();
        call(capitalized(verb.word) + " " + row.bundle().symbolicName() + " on " + row.node() + " ...",
                () -> context.bundleActions().change(actor, verb, row.node(), row.adminUrl(), row.bundle(), jar, fileName));
    }

    private void call(String pending, java.util.function.Supplier<BundleActions.Result> action) {
        UI ui = UI.getCurrent();
        long shown = ++changes;
        message.setText(pending);
        message.getElement().setAttribute("data-message", Long.toString(shown));
        message.getElement().removeAttribute("data-result");
        message.getStyle().set("color", "var(--lumo-secondary-text-color)");
        context.bundleActions().async(action).whenComplete((r, failure) -> ui.access(() -> {
            // An action that ends after the message changed (another action, a refusal) leaves the newer message.
            if (shown == changes) {
                result(r != null && r.done(), r != null ? r.message() : "Failed: " + failure);
            }
            fetch(true);
        }));
    }

    private void result(boolean done, String text) {
        message.setText(text);
        message.getElement().setAttribute("data-message", Long.toString(++changes));
        message.getElement().setAttribute("data-result", done ? "done" : "failed");
        message.getStyle().set("color", done ? "var(--lumo-success-text-color)" : "var(--lumo-error-text-color)");
    }

    private void confirmRollout(boolean fromUpload) {
        String role = rolePicker.getValue();
        String bsn = symbolicName.getValue() == null ? "" : symbolicName.getValue().trim();
        if (role == null || bsn.isEmpty() || (fromUpload && uploaded == null)) {
            result(false, role == null ? "Pick a role." : bsn.isEmpty() ? "Name the bundle (its symbolic name)."
                    : "Upload the new JAR first.");
            return;
        }
        RollingUpdate.Plan plan = RollingUpdate.plan(cluster, role);
        byte[] jar = fromUpload ? uploaded : null;
        String name = fromUpload ? uploadedName : null;
        ConfirmDialog dialog = new ConfirmDialog();
        dialog.setId("rollout-dialog");
        dialog.setHeader("Rolling update of " + bsn + " on role '" + role + "'?");
        dialog.setText("One node at a time, from " + (fromUpload ? "'" + name + "'" : "each node's location") + ": "
                + (plan.targets().isEmpty() ? "no node" : String.join(" \u2192 ", plan.targets().stream()
                .map(RollingUpdate.Target::node).toList())) + ". Each must be UP again before the next; the first "
                + "failure stops it." + (plan.leftOut().isEmpty() ? "" : " Left out: " + String.join(", ", plan.leftOut()) + "."));
        dialog.setCancelable(true);
        dialog.setConfirmText("Start");
        dialog.addConfirmListener(e -> {
            BundleActions.Result r = context.bundleActions().startRollingUpdate(ConsoleServlet.currentUser(), plan, bsn, jar, name);
            result(r.done(), r.message());
        });
        dialog.open();
    }

    private void showProgress(RollingUpdate.Progress p) {
        if (p == null || p == progressShown) {
            return;
        }
        progressShown = p;
        rolloutOutcome.setText("Rolling update of " + p.symbolicName() + " on role '" + p.role() + "' from " + p.source()
                + ": " + p.outcome());
        rolloutOutcome.getElement().setAttribute("data-result", !p.finished() ? "running" : p.succeeded() ? "done" : "failed");
        rolloutOutcome.getStyle().set("color", !p.finished() ? "var(--lumo-secondary-text-color)"
                : p.succeeded() ? "var(--lumo-success-text-color)" : "var(--lumo-error-text-color)");
        rolloutSteps.removeAll();
        for (RollingUpdate.Step s : p.steps()) {
            ListItem item = new ListItem(s.node() + ": " + s.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + (s.detail().isEmpty() ? "" : ", " + s.detail()));
            item.getElement().setAttribute("data-node", s.node());
            item.getElement().setAttribute("data-state", s.state().name());
            rolloutSteps.add(item);
        }
        if (p.finished()) {
            fetch(true);
        }
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
