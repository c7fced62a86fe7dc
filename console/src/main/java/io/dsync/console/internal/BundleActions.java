package io.dsync.console.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Bundles view's reads and admin actions: list a node's bundles; install, update, start, stop and uninstall one;
 * and a {@link RollingUpdate} across a role. The role is checked here, on the server, when an action runs, whatever the
 * browser showed or sent; every attempt, refused or not, is audit-logged with its result ({@code io.dsync.console.audit}:
 * who, what, on which node, result), as {@link LockActions} does.
 *
 * <p>Calls to the nodes run off the UI thread on two callers ({@code dsync-console-bundles-N}); a rolling update runs
 * on a thread of its own ({@code dsync-console-rollout}), at most one at a time in this console, and goes on when the
 * view that started it closes: every view shows its progress ({@link #subscribeRollouts}). {@link #close()} ends them
 * (a rolling update in progress stops, and says so). Thread-safe.
 */
final class BundleActions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BundleActions.class);

    /**
     * What came of an action.
     *
     * @param done whether it was done
     * @param message one line for the user: what was done, or the node's reason for refusing
     */
    record Result(boolean done, String message) {
    }

    /** What an action does to a bundle that exists. */
    enum Verb {
        START("start", "started"), STOP("stop", "stopped"), UPDATE("update", "updated"), UNINSTALL("uninstall", "uninstalled");

        final String word;
        final String done;

        Verb(String word, String done) {
            this.word = word;
            this.done = done;
        }
    }

    private final BundleAdmin admin;
    private final RollingUpdate rolling;
    private final ExecutorService callers;
    private final ExecutorService rollout;
    private final Listeners<RollingUpdate.Progress> rollouts = new Listeners<>("the rolling update's progress");
    private volatile RollingUpdate.Progress latestRollout;
    private boolean rolloutRunning;

    /**
     * @param admin the nodes' bundle API
     * @param rolling runs a rolling update
     */
    BundleActions(BundleAdmin admin, RollingUpdate rolling) {
        this.admin = admin;
        this.rolling = rolling;
        this.callers = Executors.newFixedThreadPool(2, ClusterMonitor.named("dsync-console-bundles-"));
        this.rollout = Executors.newSingleThreadExecutor(ClusterMonitor.named("dsync-console-rollout"));
    }

    /** Runs {@code call} off the UI thread (a node may take seconds to answer). */
    <T> CompletableFuture<T> async(Supplier<T> call) {
        try {
            return CompletableFuture.supplyAsync(call, callers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Lists a node's bundles (a read: any signed-in user). */
    List<BundleInfo> list(String adminUrl) throws BundleAdmin.BundleAdminException {
        return admin.list(adminUrl);
    }

    /**
     * Installs an uploaded JAR on a node and starts it (unless it is a fragment); the node refuses a bad file with its
     * reason and keeps nothing.
     */
    Result install(ConsoleUser user, String node, String adminUrl, String fileName, byte[] jar) {
        String what = "install of '" + fileName + "' (" + jar.length + " bytes) on node " + node;
        if (!admin(user)) {
            return refused(user, what);
        }
        try {
            BundleInfo b = admin.install(adminUrl, jar, true);
            Audit.info("Console: {} installed '{}' on node {} as bundle {} {} [{}] ({}): done", Audit.who(user), fileName, node,
                    b.symbolicName(), b.version(), b.id(), b.state());
            return new Result(true, "Installed " + b.symbolicName() + " " + b.version() + " on " + node + " as bundle "
                    + b.id() + " (" + b.state() + ").");
        } catch (BundleAdmin.BundleAdminException e) {
            Audit.warn("Console: {} {}: failed: {}", Audit.who(user), what, e.getMessage());
            return new Result(false, "The node " + node + " refused '" + fileName + "': " + e.getMessage());
        }
    }

    /**
     * Starts, stops, updates or uninstalls a bundle of a node.
     *
     * @param jar for an update, the new JAR, or {@code null} to update from the bundle's location; else ignored
     * @param fileName the JAR's name, for the log (or {@code null})
     */
    Result change(ConsoleUser user, Verb verb, String node, String adminUrl, BundleInfo bundle, byte[] jar, String fileName) {
        String source = verb != Verb.UPDATE ? "" : jar == null ? " from its location" : " from '" + fileName + "'";
        String what = verb.word + " of bundle " + bundle.symbolicName() + " " + bundle.version() + " [" + bundle.id()
                + "] on node " + node + source;
        if (!admin(user)) {
            return refused(user, what);
        }
        try {
            String after = switch (verb) {
                case START -> state(admin.start(adminUrl, bundle.id()));
                case STOP -> state(admin.stop(adminUrl, bundle.id()));
                case UPDATE -> changed(admin.update(adminUrl, bundle.id(), jar));
                case UNINSTALL -> changed(admin.uninstall(adminUrl, bundle.id()));
            };
            Audit.info("Console: {} {}: done{}", Audit.who(user), what, after);
            return new Result(true, capitalized(verb.done) + " " + bundle.symbolicName() + " [" + bundle.id() + "] on "
                    + node + source + after + ".");
        } catch (BundleAdmin.BundleAdminException e) {
            Audit.warn("Console: {} {}: failed: {}", Audit.who(user), what, e.getMessage());
            return new Result(false, "Could not " + verb.word + " " + bundle.symbolicName() + " [" + bundle.id() + "] on "
                    + node + ": " + e.getMessage());
        }
    }

    /**
     * Starts a rolling update on its own thread; refused when one runs already.
     *
     * @param jar the new bundle for every node, or {@code null} to update each from its location
     * @param fileName the JAR's name (ignored without one)
     * @return whether it started (its progress goes to {@link #subscribeRollouts} listeners)
     */
    Result startRollingUpdate(ConsoleUser user, RollingUpdate.Plan plan, String symbolicName, byte[] jar, String fileName) {
        String source = jar == null ? "its location" : "'" + fileName + "'";
        String nodes = String.join(", ", plan.targets().stream().map(RollingUpdate.Target::node).toList());
        String what = "rolling update of " + symbolicName + " from " + source + " on role '" + plan.role() + "' (nodes "
                + (nodes.isEmpty() ? "none" : nodes) + ")";
        if (!admin(user)) {
            return refused(user, what);
        }
        synchronized (this) {
            if (rolloutRunning) {
                Audit.warn("Console: {} {}: refused: another rolling update is running", Audit.who(user), what);
                return new Result(false, "Another rolling update is running; wait for it to end.");
            }
            rolloutRunning = true;
        }
        Audit.info("Console: {} started a {}", Audit.who(user), what);
        try {
            rollout.execute(() -> runRollout(user, what, plan, symbolicName, jar, source));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                rolloutRunning = false;
            }
            return new Result(false, "The console is stopping.");
        }
        return new Result(true, "Rolling update of " + symbolicName + " on role '" + plan.role() + "' started.");
    }

    private void runRollout(ConsoleUser user, String what, RollingUpdate.Plan plan, String symbolicName, byte[] jar,
            String source) {
        java.util.Set<String> logged = new java.util.HashSet<>();
        Consumer<RollingUpdate.Progress> publish = p -> {
            latestRollout = p;
            rollouts.publish(p);
            // Each node's result as it comes, so that the log tells where a run that never ends stood.
            p.steps().stream().filter(s -> s.state() == RollingUpdate.StepState.DONE && logged.add(s.node()))
                    .forEach(s -> Audit.info("Console: {} {}: node {} done: {}", Audit.who(user), what, s.node(), s.detail()));
        };
        try {
            RollingUpdate.Progress end = rolling.run(plan, symbolicName, jar, source, publish);
            if (end.succeeded()) {
                Audit.info("Console: {} {}: done: {}", Audit.who(user), what, end.outcome());
            } else {
                Audit.warn("Console: {} {}: failed: {}", Audit.who(user), what, end.outcome());
            }
        } catch (InterruptedException e) {
            Audit.warn("Console: {} {}: interrupted, the console stopped", Audit.who(user), what);
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Console: the rolling update failed", e);
            Audit.warn("Console: {} {}: failed: {}", Audit.who(user), what, e.toString());
        } finally {
            synchronized (this) {
                rolloutRunning = false;
            }
        }
    }

    /** @return the progress of the latest rolling update, or {@code null} when none ran */
    RollingUpdate.Progress latestRollout() {
        return latestRollout;
    }

    /** @return whether a rolling update runs now */
    synchronized boolean rolloutRunning() {
        return rolloutRunning;
    }

    /**
     * @param listener gets every change of a rolling update's progress, on its thread (it must not block)
     * @return removes the listener
     */
    Runnable subscribeRollouts(Consumer<RollingUpdate.Progress> listener) {
        rollouts.add(listener);
        return () -> rollouts.remove(listener);
    }

    @Override
    public void close() throws InterruptedException {
        rollouts.clear();
        callers.shutdownNow();
        rollout.shutdownNow();
        if (!callers.awaitTermination(5, TimeUnit.SECONDS) || !rollout.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("Console: the bundle actions' threads did not stop within 5 s");
        }
    }

    private static boolean admin(ConsoleUser user) {
        return user != null && user.admin();
    }

    private static Result refused(ConsoleUser user, String what) {
        Audit.warn("Console: {} was refused {}: admin role required", Audit.who(user), what);
        return new Result(false, "Refused: changing bundles needs the admin role.");
    }

    private static String state(BundleInfo b) {
        return b == null ? "" : " (now " + b.state() + ")";
    }

    private static String changed(BundleAdmin.Change c) {
        if (c.deferred()) {
            return " (the node runs it after answering, since it restarts the admin API)";
        }
        return c.bundle() == null ? "" : " (now " + c.bundle().version() + ", " + c.bundle().state() + ")";
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
