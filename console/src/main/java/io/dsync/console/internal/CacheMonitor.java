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
import java.util.function.Supplier;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

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
final class CacheMonitor extends PolledMonitor<CacheSnapshot> {

    static final int MAX_CACHES = 8;
    static final int MAX_NODES = 12;
    /** Copies and directory entries asked of each node per cache. */
    static final int LIMIT = 200;
    static final String ROLE = "cache";

    private final Supplier<NodeRegistry> registry;
    private final AdminGet get;
    private final Clock clock;
    private final int historyPoints;
    private final Map<String, CacheHistory> histories = new HashMap<>();

    /**
     * @param registry the node registry, or {@code null} while there is none
     * @param get calls the nodes
     * @param period time between two polls
     * @param window how much history each cache keeps
     */
    CacheMonitor(Supplier<NodeRegistry> registry, AdminGet get, Clock clock, Duration period, Duration window) {
        super("cache", "the caches", period, CacheSnapshot.empty(clock.instant()));
        this.registry = registry;
        this.get = get;
        this.clock = clock;
        this.historyPoints = (int) Math.max(2, window.toMillis() / Math.max(1, period.toMillis()));
    }

    @Override
    protected CacheSnapshot read() {
        List<NodeInfo> nodes;
        try {
            nodes = nodesWithAdminApi(registry);
        } catch (NodesUnknown e) {
            return problem(e.getMessage());
        }
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
        Map<String, CacheFigures.Cache> configs = new TreeMap<>();
        Map<String, List<NodeInfo>> users = new HashMap<>();
        for (Map.Entry<NodeInfo, CompletableFuture<Object>> e : declared.entrySet()) {
            Object answer = e.getValue().join();
            String node = e.getKey().id();
            if (answer instanceof List<?> list) {
                answers.add(new QueuesSnapshot.NodeAnswer(node, null));
                for (Object o : list) {
                    CacheFigures.Cache c = (CacheFigures.Cache) o;
                    configs.putIfAbsent(c.name(), c);
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
        List<String> names = new ArrayList<>(configs.keySet());
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
                l.put(n.id(), call(() -> CacheJsonReader.lines(get.get(n.adminUrl() + "/cache/caches/" + AdminGet.encode(c)
                        + "/lines?limit=" + LIMIT))));
            }
            lineCalls.put(c, l);
            Map<String, CompletableFuture<Object>> h = new LinkedHashMap<>();
            for (NodeInfo n : homes) {
                h.put(n.id(), call(() -> CacheJsonReader.directory(c, get.get(n.adminUrl() + "/cache/homes?cache="
                        + AdminGet.encode(c) + "&limit=" + LIMIT))));
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
            caches.put(c, new CacheSnapshot.CacheState(c, configs.get(c).writeMode(), configs.get(c).evictionPolicy(),
                    List.copyOf(lineCalls.get(c).keySet()), lines, stats.get(c), directories, problems, history.points()));
        }
        histories.keySet().retainAll(read);
        return new CacheSnapshot(clock.instant(), null, answers, caches, names.size() - read.size(), nodesLeftOut.size());
    }

    private CacheSnapshot problem(String why) {
        return new CacheSnapshot(clock.instant(), why, List.of(), Map.of(), 0, 0);
    }

    /** A value the reader made, or the problem as a String: the call never completes exceptionally. */
    private CompletableFuture<Object> call(AdminGet.Read read) {
        return AdminGet.async(read, callers());
    }
}
