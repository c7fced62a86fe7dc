package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Follows the cluster's metrics for the Metrics view: after each cluster snapshot, at most once a {@code period}, asks
 * every node that is not down for its {@code /metrics} (in parallel) and adds the answers to a {@link MetricsHistory}
 * (five minutes at the default period); listeners get each new point. It polls all the time, so that a view opened
 * later shows the last minutes at once.
 *
 * <p>Threads: three fetchers ({@code dsync-console-metrics-N}), ended by {@link #close()}; listeners run on one of
 * them and must not block. Thread-safe.
 */
final class MetricsMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsMonitor.class);

    private final Function<String, Optional<JsonNode>> fetch;
    private final Clock clock;
    private final Duration period;
    private final MetricsHistory history;
    private final ExecutorService fetchers;
    private final Listeners<MetricsHistory.Point> listeners = new Listeners<>("the metrics");
    private final AtomicBoolean polling = new AtomicBoolean();
    private final Runnable unsubscribe;
    private volatile Instant lastPoll = Instant.MIN;

    /**
     * @param cluster the cluster monitor whose snapshots say which nodes to ask
     * @param fetch {@code GET <adminUrl>/metrics}, empty when the node did not answer
     * @param period the least time between two polls
     * @param window how much history to keep
     */
    MetricsMonitor(ClusterMonitor cluster, Function<String, Optional<JsonNode>> fetch, Clock clock, Duration period,
                   Duration window) {
        this.fetch = fetch;
        this.clock = clock;
        this.period = period;
        this.history = new MetricsHistory((int) Math.max(2, window.toMillis() / Math.max(1, period.toMillis())));
        AtomicInteger n = new AtomicInteger();
        // Started at once, so that the console's thread count does not grow with its first polls (a poll runs on one
        // of them and waits for the others' fetches).
        ThreadPoolExecutor pool = new ThreadPoolExecutor(3, 3, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "dsync-console-metrics-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.prestartAllCoreThreads();
        this.fetchers = pool;
        this.unsubscribe = cluster.subscribe(this::onSnapshot);
    }

    /** @return {@code GET <adminUrl>/metrics} through {@code http}: the answer, or empty when there is none */
    static Function<String, Optional<JsonNode>> over(AdminHttp http) {
        return adminUrl -> {
            try {
                AdminHttp.Answer a = http.call("GET", adminUrl + "/metrics", http.timeoutMillis(), 8 << 20);
                return a.status() == 200 ? Optional.ofNullable(a.body()) : Optional.empty();
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        };
    }

    /** @return the history so far */
    MetricsHistory history() {
        return history;
    }

    /** @return the least time between two polls */
    Duration period() {
        return period;
    }

    /** @return how long the history reaches back */
    Duration window() {
        return period.multipliedBy(history.capacity());
    }

    /**
     * @param listener called with every new point, on a fetcher thread
     * @return removes the listener
     */
    Runnable subscribe(Consumer<MetricsHistory.Point> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void onSnapshot(ClusterSnapshot snapshot) {
        Instant now = clock.instant();
        if (Duration.between(lastPoll, now).compareTo(period) < 0 || !polling.compareAndSet(false, true)) {
            return;
        }
        lastPoll = now;
        try {
            fetchers.execute(() -> {
                try {
                    poll(snapshot);
                } finally {
                    polling.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            polling.set(false);
        }
    }

    private void poll(ClusterSnapshot snapshot) {
        try {
            Map<String, CompletableFuture<Optional<JsonNode>>> asked = new TreeMap<>();
            for (NodeStatus node : snapshot.nodes()) {
                if (node.adminUrl() != null && node.state() != NodeState.DOWN) {
                    asked.put(node.id(), CompletableFuture.supplyAsync(() -> fetch.apply(node.adminUrl()), fetchers));
                }
            }
            Map<String, MetricsReading> readings = new TreeMap<>();
            asked.forEach((id, f) -> f.join().ifPresent(json -> readings.put(id, MetricsReading.parse(json))));
            MetricsHistory.Point point = history.add(clock.instant(), readings);
            listeners.publish(point);
        } catch (RuntimeException e) {
            LOG.warn("Console: reading the nodes' metrics failed: {}", e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException {
        unsubscribe.run();
        listeners.clear();
        fetchers.shutdownNow();
        if (!fetchers.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("Console: the metrics monitor's threads did not stop within 5 s");
        }
    }
}
