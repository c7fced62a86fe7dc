package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A rolling update of one bundle (by symbolic name) across the nodes of a role, one node at a time: on each node, the
 * bundle is updated (from one uploaded JAR, the same for every node, or from its location), then the node must answer
 * {@code /health} UP, with the bundle running again if it ran before, within a bounded wait, before the next node is
 * touched. The first failure (no such bundle, the node refuses the update, not UP in time) stops the run: the nodes
 * after it are left as they were, and the progress says which node failed and why.
 *
 * <p>No threads of its own: {@link #run} works on the caller's thread and waits through {@link Pause}, so that a test
 * drives time. An instance may run several updates, one after the other or at once (it keeps no state of a run).
 */
final class RollingUpdate {

    /** Where a node is in the run. */
    enum StepState {
        /** Not reached yet. */
        PENDING,
        /** The update was sent. */
        UPDATING,
        /** Updated; waiting for /health UP, then watching it stay UP. */
        CHECKING,
        /** Updated and UP. */
        DONE,
        /** The run stopped here. */
        FAILED,
        /** Not touched because an earlier node failed. */
        NOT_RUN
    }

    /**
     * One node of the plan.
     *
     * @param node its id
     * @param adminUrl its admin API
     */
    record Target(String node, String adminUrl) {
        Target {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(adminUrl, "adminUrl");
        }
    }

    /**
     * The nodes a rolling update goes through, in this order (by id).
     *
     * @param role the role
     * @param targets the nodes of the role that are not DOWN and have an admin API
     * @param leftOut nodes of the role left out, each with why (DOWN, no admin API)
     */
    record Plan(String role, List<Target> targets, List<String> leftOut) {
        Plan {
            targets = List.copyOf(targets);
            leftOut = List.copyOf(leftOut);
        }
    }

    /**
     * A node's step.
     *
     * @param node the node
     * @param state where it is
     * @param detail what happened there, for the user ("" before it starts)
     */
    record Step(String node, StepState state, String detail) {
    }

    /**
     * Where a run is; each change of a step makes a new value.
     *
     * @param symbolicName the bundle
     * @param role the role
     * @param source where the new bundle comes from, for people ("its location", "upload foo.jar")
     * @param steps one per node of the plan, in order
     * @param finished whether the run is over
     * @param succeeded whether every node was updated and UP (only when finished)
     * @param outcome one line for the user once finished, else what runs now
     */
    record Progress(String symbolicName, String role, String source, List<Step> steps, boolean finished,
                    boolean succeeded, String outcome) {
        Progress {
            steps = List.copyOf(steps);
        }
    }

    /** Waits; {@link Thread#sleep} outside tests. */
    @FunctionalInterface
    interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private final BundleAdmin admin;
    private final HealthProbe health;
    private final Clock clock;
    private final Pause pause;
    private final Duration healthTimeout;
    private final Duration stayUp;
    private final Duration pollEvery;

    /**
     * @param admin the nodes' bundle API
     * @param health the nodes' {@code /health}
     * @param healthTimeout how long a node may take to be UP after its update
     * @param stayUp how long an updated node must then stay UP before the next node is updated (zero: not watched),
     *     so that a node that falls over soon after its update stops the run, and a node whose services need a moment
     *     after UP (a cache node's homes wait out leases for about 3 s) has it before the next one goes down
     * @param pollEvery time between two looks at an updated node
     */
    RollingUpdate(BundleAdmin admin, HealthProbe health, Clock clock, Pause pause, Duration healthTimeout,
            Duration stayUp, Duration pollEvery) {
        this.admin = admin;
        this.health = health;
        this.clock = clock;
        this.pause = pause;
        this.healthTimeout = healthTimeout;
        this.stayUp = stayUp;
        this.pollEvery = pollEvery;
    }

    /**
     * @param nodes the cluster as the console sees it
     * @param role the role whose nodes are updated
     * @return its nodes, by id, those that are DOWN or have no admin API left out (and named)
     */
    static Plan plan(List<NodeStatus> nodes, String role) {
        List<Target> targets = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        nodes.stream().filter(n -> n.roles().contains(role)).sorted(Comparator.comparing(NodeStatus::id)).forEach(n -> {
            if (n.state() == NodeState.DOWN) {
                leftOut.add(n.id() + " (DOWN)");
            } else if (n.adminUrl() == null) {
                leftOut.add(n.id() + " (no admin API)");
            } else {
                targets.add(new Target(n.id(), n.adminUrl()));
            }
        });
        return new Plan(role, targets, leftOut);
    }

    /**
     * Runs the update node by node, on the caller's thread.
     *
     * @param plan the nodes
     * @param symbolicName the bundle to update on each
     * @param jar the new bundle for every node, or {@code null} to update each from its location
     * @param source where the new bundle comes from, for people
     * @param listener gets every change of the progress, on this thread (it must not block)
     * @return how it ended
     * @throws InterruptedException when the thread is interrupted (the console stops); the progress says where
     */
    Progress run(Plan plan, String symbolicName, byte[] jar, String source, Consumer<Progress> listener)
            throws InterruptedException {
        List<Step> steps = new ArrayList<>();
        plan.targets().forEach(t -> steps.add(new Step(t.node(), StepState.PENDING, "")));
        if (steps.isEmpty()) {
            Progress p = new Progress(symbolicName, plan.role(), source, steps, true, false,
                    "No node with the role '" + plan.role() + "' to update"
                    + (plan.leftOut().isEmpty() ? "" : " (left out: " + String.join(", ", plan.leftOut()) + ")") + ".");
            listener.accept(p);
            return p;
        }
        for (int i = 0; i < plan.targets().size(); i++) {
            Target t = plan.targets().get(i);
            String failure;
            try {
                boolean next = i + 1 < plan.targets().size();
                failure = updateOne(t, symbolicName, jar, steps, i, source, plan.role(), next, listener);
            } catch (InterruptedException e) {
                steps.set(i, new Step(t.node(), StepState.FAILED, "interrupted: the console stopped"));
                markNotRun(steps, i + 1);
                listener.accept(new Progress(symbolicName, plan.role(), source, steps, true, false,
                        "Stopped at node " + t.node() + ": interrupted (the console stopped)."));
                throw e;
            }
            if (failure != null) {
                steps.set(i, new Step(t.node(), StepState.FAILED, failure));
                markNotRun(steps, i + 1);
                List<String> updated = plan.targets().subList(0, i).stream().map(Target::node).toList();
                List<String> untouched = plan.targets().subList(i + 1, plan.targets().size()).stream().map(Target::node).toList();
                Progress p = new Progress(symbolicName, plan.role(), source, steps, true, false,
                        "Stopped at node " + t.node() + ": " + withoutFullStop(failure) + ". Updated before it: "
                        + (updated.isEmpty() ? "none" : String.join(", ", updated)) + "; not touched: "
                        + (untouched.isEmpty() ? "none" : String.join(", ", untouched)) + ".");
                listener.accept(p);
                return p;
            }
        }
        Progress p = new Progress(symbolicName, plan.role(), source, steps, true, true, "Updated " + symbolicName
                + " on " + steps.size() + (steps.size() == 1 ? " node" : " nodes") + " of role '" + plan.role()
                + "', each UP" + (stayUp.isZero() ? "" : " for " + stayUp.toSeconds() + " s") + " before the next.");
        listener.accept(p);
        return p;
    }

    /** @return {@code null} when the node was updated and is UP, else why not */
    private String updateOne(Target t, String symbolicName, byte[] jar, List<Step> steps, int i, String source,
            String role, boolean next, Consumer<Progress> listener) throws InterruptedException {
        Instant t0 = clock.instant();
        BundleInfo before;
        try {
            List<BundleInfo> found = admin.list(t.adminUrl()).stream()
                    .filter(b -> b.symbolicName().equals(symbolicName)).toList();
            if (found.isEmpty()) {
                return "it has no bundle " + symbolicName;
            }
            if (found.size() > 1) {
                return "it has " + found.size() + " bundles " + symbolicName + " (ids "
                        + String.join(", ", found.stream().map(b -> Long.toString(b.id())).toList())
                        + "); update the one you mean on that node";
            }
            before = found.get(0);
        } catch (BundleAdmin.BundleAdminException e) {
            return "cannot list its bundles: " + e.getMessage();
        }
        // Only a node that is UP: one that is not could never pass the check after its update, and the update
        // would be blamed for what it had before.
        HealthReport ready = health.probe(t.adminUrl());
        if (!ready.reachable() || !"UP".equals(ready.status())) {
            return "not UP before its update (" + (ready.reachable() ? ready.status() : "unreachable")
                    + (ready.problems().isEmpty() ? "" : ": " + String.join("; ", ready.problems()))
                    + "), so left untouched";
        }
        String expected = jar == null ? null : bundleVersion(jar);
        steps.set(i, new Step(t.node(), StepState.UPDATING, "updating " + symbolicName + " [" + before.id() + "] "
                + before.version() + " from " + source));
        listener.accept(running(symbolicName, role, source, steps, "Updating " + t.node()));
        BundleAdmin.Change change;
        try {
            change = admin.update(t.adminUrl(), before.id(), jar);
        } catch (BundleAdmin.BundleAdminException e) {
            return "the update was refused: " + e.getMessage();
        }
        steps.set(i, new Step(t.node(), StepState.CHECKING, "updated" + (change.deferred() ? " (the node runs it after "
                + "its answer)" : "") + "; waiting for /health UP (at most " + healthTimeout.toSeconds() + " s)"));
        listener.accept(running(symbolicName, role, source, steps, "Waiting for " + t.node() + " to be UP"));

        Instant deadline = t0.plus(healthTimeout);
        Look look;
        while (true) {
            look = look(t, before, change, expected);
            if (look.problem() == null || !clock.instant().isBefore(deadline)) {
                break;
            }
            pause.sleep(pollEvery);
        }
        if (look.problem() != null) {
            return "not UP within " + healthTimeout.toSeconds() + " s after its update: " + look.problem();
        }
        BundleInfo after = look.bundle();
        String done = symbolicName + " " + before.version() + " \u2192 " + (after == null ? "?" : after.version())
                + ", UP after " + String.format(java.util.Locale.ROOT, "%.1f",
                        Duration.between(t0, clock.instant()).toMillis() / 1000.0) + " s";
        if (next && !stayUp.isZero()) {
            steps.set(i, new Step(t.node(), StepState.CHECKING, done + "; watching it stay UP for "
                    + stayUp.toSeconds() + " s before the next node"));
            listener.accept(running(symbolicName, role, source, steps, "Watching " + t.node() + " stay UP"));
            Instant until = clock.instant().plus(stayUp);
            while (clock.instant().isBefore(until)) {
                pause.sleep(pollEvery);
                Look again = look(t, before, change, expected);
                if (again.problem() != null) {
                    return "UP after its update, but not for " + stayUp.toSeconds() + " s: " + again.problem();
                }
            }
            done += ", stayed UP " + stayUp.toSeconds() + " s";
        }
        steps.set(i, new Step(t.node(), StepState.DONE, done));
        listener.accept(running(symbolicName, role, source, steps, t.node() + " updated"));
        return null;
    }

    /**
     * One look at an updated node.
     *
     * @param problem {@code null} when the node is UP with the bundle updated (and running if it ran), else why not
     * @param bundle the bundle as the node listed it, or {@code null}
     */
    private record Look(String problem, BundleInfo bundle) {
    }

    private Look look(Target t, BundleInfo before, BundleAdmin.Change change, String expectedVersion) {
        HealthReport h = health.probe(t.adminUrl());
        if (!h.reachable()) {
            return new Look("/health cannot be reached: " + String.join("; ", h.problems()), null);
        }
        if (!"UP".equals(h.status())) {
            return new Look(h.status() + (h.problems().isEmpty() ? "" : ": " + String.join("; ", h.problems())), null);
        }
        BundleInfo now;
        try {
            now = admin.list(t.adminUrl()).stream().filter(b -> b.id() == before.id()).findFirst().orElse(null);
        } catch (BundleAdmin.BundleAdminException e) {
            return new Look("cannot list its bundles: " + e.getMessage(), null);
        }
        if (now == null) {
            return new Look("bundle " + before.id() + " is no longer installed", null);
        }
        if (change.deferred() && now.lastModified() == before.lastModified()) {
            return new Look("the update has not run yet", now);
        }
        if (before.active() && !now.active()) {
            return new Look(before.symbolicName() + " is " + now.state() + ", not ACTIVE as before the update", now);
        }
        if (expectedVersion != null && !expectedVersion.equals(normalized(now.version()))) {
            // An update the node ran after its answer (202) and undid: the bundle changed, but not to the upload.
            return new Look(before.symbolicName() + " runs version " + now.version() + ", not the uploaded "
                    + expectedVersion + " (the node's update failed and was undone; see its log)", now);
        }
        return new Look(null, now);
    }

    /** The Bundle-Version of a JAR, normalized; {@code null} if it has none or is not a JAR. */
    static String bundleVersion(byte[] jar) {
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(new java.io.ByteArrayInputStream(jar))) {
            java.util.jar.Manifest m = in.getManifest();
            String v = m == null ? null : m.getMainAttributes().getValue("Bundle-Version");
            return v == null ? null : normalized(v);
        } catch (java.io.IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String normalized(String version) {
        try {
            return org.osgi.framework.Version.parseVersion(version.trim()).toString();
        } catch (IllegalArgumentException e) {
            return version.trim();
        }
    }

    private static Progress running(String symbolicName, String role, String source, List<Step> steps, String now) {
        return new Progress(symbolicName, role, source, steps, false, false, now);
    }

    /** The node's reason ends with a full stop or not; the outcome puts its own. */
    private static String withoutFullStop(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static void markNotRun(List<Step> steps, int from) {
        for (int j = from; j < steps.size(); j++) {
            steps.set(j, new Step(steps.get(j).node(), StepState.NOT_RUN, "not touched"));
        }
    }
}
