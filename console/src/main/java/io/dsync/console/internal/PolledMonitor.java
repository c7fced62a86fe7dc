package io.dsync.console.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import io.dsync.registry.RegistryUnavailableException;

/**
 * A view's monitor (Locks, Queues, Cache) polls only while a view listens: the first listener starts the polling,
 * every period {@link #read()} makes a snapshot that goes to the listeners, the last listener to leave stops it. Polls
 * never overlap, and a poll that fails is logged and tried again at the next period.
 *
 * <p>Threads: one poller ({@code dsync-console-<name>}) and four callers ({@code dsync-console-<name>-N}) on which
 * the monitor calls the nodes in parallel, ended by {@link #close()}. Listeners run on the poller thread and must not
 * block. Thread-safe.
 *
 * @param <S> the snapshot
 */
abstract class PolledMonitor<S> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolledMonitor.class);

    private final String what;
    private final Duration period;
    private final Listeners<S> listeners;
    private final ScheduledExecutorService poller;
    private final ExecutorService callers;
    private final Object pollLock = new Object();
    private ScheduledFuture<?> polling;
    private volatile S latest;

    /**
     * @param name the threads' name ({@code locks}: {@code dsync-console-locks})
     * @param what what is polled, for the log ({@code the lock group})
     * @param period time between two polls
     * @param initial the snapshot until the first poll
     */
    PolledMonitor(String name, String what, Duration period, S initial) {
        this.what = what;
        this.period = period;
        this.latest = initial;
        this.listeners = new Listeners<>("the snapshot of " + what);
        this.poller = Executors.newSingleThreadScheduledExecutor(ClusterMonitor.named("dsync-console-" + name));
        this.callers = Executors.newFixedThreadPool(4, ClusterMonitor.named("dsync-console-" + name + "-"));
    }

    /**
     * Reads a snapshot; it may run calls on {@link #callers()}. Called by one poll at a time, so a monitor's state
     * that only polls use needs no lock.
     */
    protected abstract S read();

    /**
     * @param registry the node registry, or {@code null} while there is none
     * @return the registered nodes that have an admin API, in the registry's order
     * @throws NodesUnknown when they cannot be listed, with one line for the user
     */
    protected static List<NodeInfo> nodesWithAdminApi(Supplier<NodeRegistry> registry) throws NodesUnknown {
        NodeRegistry r = registry.get();
        if (r == null) {
            throw new NodesUnknown("the node registry is not running on the console node (it needs Redis)");
        }
        List<NodeInfo> nodes;
        try {
            nodes = new ArrayList<>(r.nodes());
        } catch (RegistryUnavailableException e) {
            throw new NodesUnknown("cannot list the nodes: " + e.getMessage());
        }
        nodes.removeIf(n -> n.adminUrl() == null);
        return nodes;
    }

    /** The nodes cannot be listed: the message says why, for the user. */
    protected static final class NodesUnknown extends Exception {
        private static final long serialVersionUID = 1L;

        NodesUnknown(String message) {
            super(message, null, false, false);
        }
    }

    /** @return the latest snapshot */
    S latest() {
        return latest;
    }

    /** @return the time between two polls */
    Duration period() {
        return period;
    }

    /** @return the threads on which a poll calls the nodes */
    ExecutorService callers() {
        return callers;
    }

    /** @return whether the monitor polls now (some view listens) */
    synchronized boolean polling() {
        return polling != null;
    }

    /**
     * @param listener called with every new snapshot, on the poller thread
     * @return removes the listener (and stops the polling when it was the last one)
     */
    synchronized Runnable subscribe(Consumer<S> listener) {
        listeners.add(listener);
        if (polling == null && !poller.isShutdown()) {
            polling = poller.scheduleWithFixedDelay(this::poll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        }
        return () -> unsubscribe(listener);
    }

    private synchronized void unsubscribe(Consumer<S> listener) {
        listeners.remove(listener);
        if (listeners.isEmpty() && polling != null) {
            polling.cancel(false);
            polling = null;
        }
    }

    /** Polls once, now, on the caller's thread (tests; the poller calls it on its own). */
    void poll() {
        synchronized (pollLock) {
            try {
                S next = read();
                latest = next;
                listeners.publish(next);
            } catch (RuntimeException e) {
                // The poller must survive anything: a failed poll is retried at the next period.
                LOG.error("Console: polling {} failed", what, e);
            }
        }
    }

    @Override
    public final void close() throws InterruptedException {
        synchronized (this) {
            listeners.clear();
            poller.shutdownNow();
        }
        callers.shutdownNow();
        if (!poller.awaitTermination(5, TimeUnit.SECONDS) || !callers.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("Console: the threads polling {} did not stop within 5 s", what);
        }
    }
}
