package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import io.dsync.registry.RegistryUnavailableException;

/**
 * Polls the cluster for the views: every period, the live nodes from the registry and each one's {@code /health}
 * (in parallel, each with the probe's timeout), folded by a {@link ClusterTracker} into a {@link ClusterSnapshot} that
 * goes to every listener. A node killed shows as DOWN at the next poll (its {@code /health} refuses the connection),
 * one that hangs after the probe's timeout.
 *
 * <p>Threads: one poller ({@code dsync-console-monitor}) and a few probers ({@code dsync-console-probe-N}), all ended
 * by {@link #close()}. Listeners run on the poller thread and must not block (a view hands the snapshot to its UI
 * with {@code UI.access}). Thread-safe.
 */
final class ClusterMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMonitor.class);

    private final Supplier<NodeRegistry> registry;
    private final HealthProbe probe;
    private final Clock clock;
    private final ClusterTracker tracker;
    private final Listeners<ClusterSnapshot> listeners = new Listeners<>("the cluster snapshot");
    private final ScheduledExecutorService poller;
    private final ExecutorService probers;
    private volatile ClusterSnapshot latest;
    /** Polls in a row that could not read the registry (the poller's own; a few are normal while the node starts). */
    private int failedPolls;

    /**
     * Starts polling at once.
     *
     * @param registry the node registry, or {@code null} while there is none (the registry bundle stopped)
     * @param probe asks one node
     * @param period time between two polls
     * @param forgetAfter how long a node that is down stays listed
     */
    ClusterMonitor(Supplier<NodeRegistry> registry, HealthProbe probe, Clock clock, Duration period, Duration forgetAfter) {
        this.registry = registry;
        this.probe = probe;
        this.clock = clock;
        this.tracker = new ClusterTracker(forgetAfter);
        this.latest = ClusterSnapshot.empty(clock.instant());
        this.poller = Executors.newSingleThreadScheduledExecutor(named("dsync-console-monitor"));
        this.probers = Executors.newFixedThreadPool(4, named("dsync-console-probe-"));
        poller.scheduleWithFixedDelay(this::poll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the latest snapshot */
    ClusterSnapshot latest() {
        return latest;
    }

    /**
     * @param listener called with every new snapshot, on the poller thread
     * @return removes the listener
     */
    Runnable subscribe(Consumer<ClusterSnapshot> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void poll() {
        try {
            List<NodeInfo> nodes = null;
            String problem = null;
            NodeRegistry r = registry.get();
            if (r == null) {
                problem = "the node registry is not running on the console node (it needs Redis)";
            } else {
                try {
                    nodes = r.nodes();
                } catch (RegistryUnavailableException e) {
                    problem = e.getMessage();
                }
            }
            if (problem != null && ++failedPolls == 3) {
                LOG.warn("Console: cannot list the nodes: {}", problem);
            } else if (problem == null) {
                if (failedPolls >= 3) {
                    LOG.info("Console: the node registry can be read again");
                }
                failedPolls = 0;
            }
            Map<String, String> urls = new TreeMap<>();
            if (nodes != null) {
                nodes.stream().filter(n -> n.adminUrl() != null).forEach(n -> urls.put(n.id(), n.adminUrl()));
            } else {
                urls.putAll(tracker.knownAdminUrls());
            }
            Map<String, CompletableFuture<HealthReport>> asked = new TreeMap<>();
            urls.forEach((id, url) -> asked.put(id, CompletableFuture.supplyAsync(() -> probe.probe(url), probers)));
            Map<String, HealthReport> health = new TreeMap<>();
            asked.forEach((id, f) -> health.put(id, f.join()));
            ClusterSnapshot next = tracker.update(clock.instant(), nodes, problem, health);
            latest = next;
            listeners.publish(next);
        } catch (RuntimeException e) {
            if (poller.isShutdown()) {
                // Closed while the poll waited (for Redis, say): its probes are refused, and nobody listens any more.
                LOG.debug("Console: a poll ended by the monitor's stop: {}", e.toString());
                return;
            }
            // The poller must survive anything: a failed poll is retried at the next period.
            LOG.error("Console: polling the cluster failed", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        listeners.clear();
        poller.shutdownNow();
        probers.shutdownNow();
        if (!poller.awaitTermination(5, TimeUnit.SECONDS) || !probers.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("Console: the cluster monitor's threads did not stop within 5 s");
        }
    }

    static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }
}
