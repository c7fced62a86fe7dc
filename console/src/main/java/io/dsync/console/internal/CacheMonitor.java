package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import io.dsync.registry.RegistryUnavailableException;

/**
 * Polls the caches for the Cache view, only while a view listens. Every period, in parallel: {@code /cache/caches}
 * of every node (the declared caches and each node's statistics); then for each cache (at most {@link #MAX_CACHES})
 * {@code /cache/caches/{c}/lines} of each node that uses it (at most {@link #MAX_NODES} nodes, cache nodes first) and
 * {@code /cache/homes?cache=C} of every cache node (the directories). Each cache keeps its history of hit ratio,
 * invalidations and write-backs ({@link CacheHistory}). A node that fails is listed with its reason. The first
 * listener starts the polling, the last one to leave stops it.
 *
 * <p>Threads: one poller ({@code dsync-console-cache}) and four callers ({@code dsync-console-cache-N}), ended by
 * {@link #close()}. Listeners run on the poller thread and must not block. Thread-safe.
 */
final class CacheMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CacheMonitor.class);
    static final int MAX_CACHES = 8;
    static final int MAX_NODES = 12;
    /** Copies and directory entries asked of each node per cache. */
    static final int LIMIT = 200;
    static final String ROLE = "cache";

    private final Supplier<NodeRegistry> registry;
    private final AdminGet get;
    private final Clock clock;
    private final Duration period;
    private final int historyPoints;
    private final Listeners<CacheSnapshot> listeners = new Listeners<>("the cache snapshot");
    private final ScheduledExecutorService poller;
    private final ExecutorService callers;
    private final Object pollLock = new Object();
    private final Map<String, CacheHistory> histories = new HashMap<>();
    private ScheduledFuture<?> polling;
    private volatile CacheSnapshot latest;

    /**
     * @param registry the node registry, or {@code null} while there is none
     * @param get calls the nodes
     * @param period time between two polls
     * @param window how much history each cache keeps
     */
    CacheMonitor(Supplier<NodeRegistry> registry, AdminGet get, Clock clock, Duration period, Duration window) {
        this.registry = registry;
        this.get = get;
        this.clock = clock;
        this.period = period;
        this.historyPoints = (int) Math.max(2, window.toMillis() / Math.max(1, period.toMillis()));
        this.latest = CacheSnapshot.empty(clock.instant());
        this.poller = Executors.newSingleThreadScheduledExecutor(ClusterMonitor.named("dsync-console-cache"));
        this.callers = Executors.newFixedThreadPool(4, ClusterMonitor.named("dsync-console-cache-"));
    }

    /** @return the latest snapshot */
    CacheSnapshot latest() {
        return latest;
    }

    /** @return the time between two polls */
    Duration period() {
        return period;
    }

    /** @return whether the monitor polls now (some view listens) */
    synchronized boolean polling() {
        return polling != null;
    }

    /**
     * @param listener called with every new snapshot, on the poller thread
     * @return removes the listener (and stops the polling when it was the last one)
     */
    synchronized Runnable subscribe(Consumer<CacheSnapshot> listener) {
        listeners.add(listener);
        if (polling == null && !poller.isShutdown()) {
            polling = poller.scheduleWithFixedDelay(this::poll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        }
        return () -> unsubscribe(listener);
    }

    private synchronized void unsubscribe(Consumer<CacheSnapshot> listener) {
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
                CacheSnapshot next = read();
                latest = next;
                listeners.publish(next);
            } catch (RuntimeException e) {
                // The poller must survive anything: a failed poll is retried at the next period.
                LOG.error("Console: polling the caches failed", e);
            }
        }
    }

    private CacheSnapshot read() {
        NodeRegistry r = registry.get();
        if (r == null) {
            return problem("the node registry is not running on the console node (it needs Redis)");
        }
        List<NodeInfo> nodes;
        try {
            nodes = new ArrayList<>(r.nodes());
        } catch (RegistryUnavailableException e) {
            return problem("cannot list the nodes: " + e.getMessage());
        }
        nodes.removeIf(n -> n.adminUrl() == null);
        if (nodes.isEmpty()) {
            return problem("no node with an admin API is registered");
        }
        nodes.sort(Comparator.comparing((NodeInfo n) -> !n.roles().contains(ROLE)).thenComparing(NodeInfo::id));
        Map<NodeInfo, CompletableFuture<Object>> declared = new LinkedHashMap<>();
        for (NodeInfo n : nodes) {
            declared.put(n, call(() -> CacheJsonReader.caches(get.get(n.adminUrl() + "/cache/caches"))));
        }
        List<QueuesSnapshot.NodeAnswer> answers = new ArrayList<>();
        Map<String, Map<String, CacheFigures.Stats>> stats = new TreeMap<>();
        Map<String, String> writeModes = new TreeMap<>();
        Map<String, List<NodeInfo>> users = new HashMap<>();
        for (Map.Entry<NodeInfo, CompletableFuture<Object>> e : declared.entrySet()) {
            Object answer = e.getValue().join();
            String node = e.getKey().id();
            if (answer instanceof List<?> list) {
                answers.add(new QueuesSnapshot.NodeAnswer(node, null));
                for (Object o : list) {
                    CacheFigures.Cache c = (CacheFigures.Cache) o;
                    writeModes.putIfAbsent(c.name(), c.writeMode());
                    stats.computeIfAbsent(c.name(), k -> new TreeMap<>());
                    if (c.stats() != null) {
                        stats.get(c.name()).put(node, c.stats());
                        users.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(e.getKey());
                    }
                }
            } else {
                answers.add(new QueuesSnapshot.NodeAnswer(node, (String) answer));
            }
        }
        List<String> names = new ArrayList<>(writeModes.keySet());
        List<String> read = names.subList(0, Math.min(MAX_CACHES, names.size()));
        List<NodeInfo> homes = nodes.stream().filter(n -> n.roles().contains(ROLE)).toList();
        Map<String, Map<String, CompletableFuture<Object>>> lineCalls = new LinkedHashMap<>();
        Map<String, Map<String, CompletableFuture<Object>>> homeCalls = new LinkedHashMap<>();
        Set<String> nodesLeftOut = new LinkedHashSet<>();
        for (String c : read) {
            List<NodeInfo> using = users.getOrDefault(c, List.of());
            Map<String, CompletableFuture<Object>> l = new LinkedHashMap<>();
            for (int i = 0; i < using.size(); i++) {
                NodeInfo n = using.get(i);
                if (i >= MAX_NODES) {
                    nodesLeftOut.add(n.id());
                    continue;
                }
                l.put(n.id(), call(() -> CacheJsonReader.lines(get.get(n.adminUrl() + "/cache/caches/" + encode(c)
                        + "/lines?limit=" + LIMIT))));
            }
            lineCalls.put(c, l);
            Map<String, CompletableFuture<Object>> h = new LinkedHashMap<>();
            for (NodeInfo n : homes) {
                h.put(n.id(), call(() -> CacheJsonReader.directory(c, get.get(n.adminUrl() + "/cache/homes?cache="
                        + encode(c) + "&limit=" + LIMIT))));
            }
            homeCalls.put(c, h);
        }
        Map<String, CacheSnapshot.CacheState> caches = new TreeMap<>();
        for (String c : read) {
            Map<String, String> problems = new TreeMap<>();
            Map<String, CacheFigures.Lines> lines = new LinkedHashMap<>();
            lineCalls.get(c).forEach((node, f) -> {
                Object answer = f.join();
                if (answer instanceof CacheFigures.Lines l) {
                    lines.put(node, l);
                } else {
                    problems.put(node, (String) answer);
                }
            });
            Map<String, CacheFigures.Directory> directories = new TreeMap<>();
            homeCalls.get(c).forEach((node, f) -> {
                Object answer = f.join();
                if (answer instanceof CacheFigures.Directory d) {
                    directories.put(node, d);
                } else {
                    problems.merge(node, (String) answer, (a, b) -> a + "; " + b);
                }
            });
            CacheHistory history = histories.computeIfAbsent(c, k -> new CacheHistory(historyPoints));
            history.add(clock.instant(), stats.get(c));
            caches.put(c, new CacheSnapshot.CacheState(c, writeModes.get(c), List.copyOf(lineCalls.get(c).keySet()),
                    lines, stats.get(c), directories, problems, history.points()));
        }
        histories.keySet().retainAll(read);
        return new CacheSnapshot(clock.instant(), null, answers, caches, names.size() - read.size(), nodesLeftOut.size());
    }

    private CacheSnapshot problem(String why) {
        return new CacheSnapshot(clock.instant(), why, List.of(), Map.of(), 0, 0);
    }

    /** A value the reader made, or the problem as a String: the call never completes exceptionally. */
    private CompletableFuture<Object> call(Call c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.run();
            } catch (AdminGet.AdminGetException | IllegalArgumentException e) {
                return e.getMessage();
            }
        }, callers).exceptionally(t -> "failed: " + t);
    }

    @FunctionalInterface
    private interface Call {
        Object run() throws AdminGet.AdminGetException;
    }

    private static String encode(String name) {
        return java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            listeners.clear();
            poller.shutdownNow();
        }
        callers.shutdownNow();
        if (!poller.awaitTermination(5, TimeUnit.SECONDS) || !callers.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("Console: the cache monitor's threads did not stop within 5 s");
        }
    }
}
