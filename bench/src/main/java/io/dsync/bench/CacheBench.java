package io.dsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.bench.cache.BenchCacheNode;
import io.dsync.bench.cache.CacheReport;
import io.dsync.bench.cache.CacheResult;
import io.dsync.bench.cache.CacheRun;
import io.dsync.bench.cache.CacheSystem;
import io.dsync.bench.cache.CaffeineCaches;
import io.dsync.bench.cache.DsyncCaches;
import io.dsync.bench.cache.RedisBuckets;
import io.dsync.bench.cache.RedisLocalCachedMaps;
import io.dsync.bench.cache.SharerLatency;
import io.dsync.bench.cache.Workload;
import io.dsync.bench.queue.CpuMeter;
import io.dsync.bench.queue.RedisCommandStats;
import io.dsync.cache.Cache;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync bench cache}: dsync's coherent cache, homed by cache nodes started from the distribution on this
 * machine and used by cache clients in this JVM (registered as nodes "bench-a", "bench-b" and "bench-c", so that the
 * homes reach them with grants and invalidations), next to peers measured in the same run on the same Redis: Caffeine
 * (a local cache, the floor for a hit), Redisson's {@code RLocalCachedMap} (a Redis-backed near cache, eventually
 * consistent) and Redis {@code GET}/{@code SET} through Redisson's {@code RBucket}. Three workloads on two client
 * nodes: local hits, a read-mostly Zipf load, and writes to a few keys shared by both; then the latency of one
 * write with 0, 1 and 2 other nodes holding the key ({@link SharerLatency}). Prints a table of every run and the
 * ratios of dsync to each peer.
 */
@Command(name = "dsync bench cache", mixinStandardHelpOptions = true,
        description = "Benchmark dsync's cache against Caffeine, Redisson's RLocalCachedMap and Redis GET/SET, in one run.")
public final class CacheBench implements Callable<Integer> {

    private static final List<String> WORKLOADS = List.of("hits", "zipf", "shared", "sharers");

    @Option(names = "--home", required = true, hidden = true, description = "The dsync distribution folder (bin/dsync passes it).")
    Path home;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per workload and system (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds before each measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--jit-warmup", defaultValue = "10",
            description = "Seconds of unmeasured load on dsync with each chosen workload (on a key space of its own, "
                    + "preloaded first) before the first measurement, so that the JIT compilers of the fresh cache nodes "
                    + "and of the clients are done (default: ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(names = "--threads", defaultValue = "8",
            description = "Load threads, split over the two client nodes (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--nodes", defaultValue = "3", description = "Cache nodes (homes) to start (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--value-bytes", defaultValue = "1024", description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--write-mode", defaultValue = "write-through",
            description = "Write mode of dsync's caches: write-through or write-back (default: ${DEFAULT-VALUE}).")
    String writeMode;

    @Option(names = "--eviction", defaultValue = "lru",
            description = "Eviction policy of dsync's caches: lru or w-tinylfu (the peers keep LRU) "
                    + "(default: ${DEFAULT-VALUE}).")
    String eviction;

    @Option(names = "--cold-reads", defaultValue = "on",
            description = "Whether dsync's clients read keys they missed rarely from Redis without keeping a copy, as "
                    + "nodes do by default (write-through only): on or off (default: ${DEFAULT-VALUE}).")
    String coldReads;

    @Option(names = "--workloads", split = ",", defaultValue = "hits,zipf,shared,sharers",
            description = "Which workloads: hits, zipf, shared, sharers (write latency with 0, 1 and 2 sharers) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> workloads;

    @Option(names = "--node-java-opts", defaultValue = "-Xmx512m -XX:+UseSerialGC",
            description = "JVM options of the cache nodes (default: ${DEFAULT-VALUE}).")
    String nodeJavaOpts;

    @Option(names = "--out", description = "Also write the tables (Markdown) to this file.")
    Path out;

    /** 1,000 keys read over and over: every read a local hit once the copies are there. */
    static final Workload HITS = new Workload("local hits", "hits", 1_000, 0, 1.0, 10_000);
    /** 100,000 keys, Zipf ranks, 95% gets (the read-mostly workload; 90% until 2026-12-04), local capacity 10,000. */
    static final Workload ZIPF = new Workload("read-mostly Zipf", "zipf", 100_000, 0.99, 0.95, 10_000);
    /** 100 keys written and read by both client nodes: every write invalidates the other node's copy. */
    static final Workload SHARED = new Workload("write-heavy shared", "shared", 100, 0, 0.5, 10_000);

    public static void main(String[] args) {
        System.exit(BenchMain.run(new CacheBench(), "cache", args));
    }

    @Override
    public Integer call() throws Exception {
        WriteMode mode = parseMode(writeMode);
        EvictionPolicy policy = parseEviction(eviction);
        if (!coldReads.equals("on") && !coldReads.equals("off")) {
            throw new IllegalArgumentException("--cold-reads must be on or off, was '" + coldReads + "'");
        }
        boolean cold = coldReads.equals("on");
        validate();
        Path work = Files.createTempDirectory("dsync-bench-cache");
        System.err.printf("starting %d cache node(s) and Redis from %s (work folder %s)...%n", nodes, home, work);
        List<CacheResult> results = new ArrayList<>();
        List<SharerLatency.Result> sharerResults = new ArrayList<>();
        boolean failed;
        try (LocalCluster cluster = LocalCluster.builder(home, work).cluster("cbench").javaOpts(nodeJavaOpts)
                .nodes("cache", nodes, "cache").start()) {
            Config config = new Config();
            config.useSingleServer().setAddress(cluster.redisAddress()).setConnectionPoolSize(64)
                    .setConnectionMinimumIdleSize(8);
            RedissonClient redisson = Redisson.create(config);
            List<BenchCacheNode> clients = new ArrayList<>();
            try {
                clients.add(new BenchCacheNode("bench-a", cluster.name(), redisson, cold));
                clients.add(new BenchCacheNode("bench-b", cluster.name(), redisson, cold));
                // A third client node, for the sharers of the write-latency measurement only.
                clients.add(new BenchCacheNode("bench-c", cluster.name(), redisson, cold));
                awaitHomes(cluster, redisson, clients);
                CacheSystem dsync = new DsyncCaches(clients, mode, policy, valueBytes);
                CacheSystem caffeine = new CaffeineCaches();
                CacheSystem nearCache = new RedisLocalCachedMaps(redisson);
                CacheSystem redis = new RedisBuckets(redisson);
                Map<Workload, List<CacheSystem>> plan = new LinkedHashMap<>();
                if (workloads.contains("hits")) {
                    plan.put(HITS, List.of(dsync, caffeine, nearCache, redis));
                }
                if (workloads.contains("zipf")) {
                    plan.put(ZIPF, List.of(dsync, nearCache, redis));
                }
                if (workloads.contains("shared")) {
                    plan.put(SHARED, List.of(dsync, nearCache, redis));
                }
                CacheRun run = new CacheRun(threads, valueBytes, warmup, seconds,
                        new CpuMeter(processes(cluster)), new RedisCommandStats(redisson));
                if (jitWarmup > 0) {
                    // Every workload's own paths (the read-mostly one: misses, evictions, fenced reads), not one:
                    // with the write-heavy one alone, the homes' C2 compiler still took half their CPU while the
                    // read-mostly workload was measured.
                    for (Workload w : plan.keySet()) {
                        run.warmUp(w, dsync, jitWarmup);
                    }
                    if (plan.isEmpty()) {
                        run.warmUp(SHARED, dsync, jitWarmup);
                    }
                }
                for (Map.Entry<Workload, List<CacheSystem>> e : plan.entrySet()) {
                    for (CacheSystem s : e.getValue()) {
                        results.add(run.measure(e.getKey(), s));
                    }
                }
                if (workloads.contains("sharers")) {
                    SharerLatency latency = new SharerLatency(valueBytes, warmup, seconds);
                    int space = 0;
                    for (CacheSystem s : List.of(dsync, nearCache, redis)) {
                        sharerResults.addAll(latency.measure(s, "sharers" + (++space)));
                    }
                }
            } catch (Exception | Error e) {
                cluster.collectLogs(work.resolve("logs"));
                System.err.println("\nthe run failed; node logs are in " + work.resolve("logs"));
                throw e;
            } finally {
                for (BenchCacheNode c : clients) {
                    c.close();
                }
                redisson.shutdown();
            }
            failed = results.stream().anyMatch(r -> r.errors() > 0)
                    || sharerResults.stream().anyMatch(r -> r.errors() > 0);
            if (failed) {
                cluster.collectLogs(work.resolve("logs"));
            }
        }
        String report = report(mode, results, sharerResults);
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
        }
        if (failed) {
            System.err.println("Some operations failed (see 'check'); node logs are in " + work.resolve("logs"));
            return 1;
        }
        return 0;
    }

    private static EvictionPolicy parseEviction(String policy) {
        return switch (policy.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "lru" -> EvictionPolicy.LRU;
            case "w-tinylfu", "w-tiny-lfu" -> EvictionPolicy.W_TINY_LFU;
            default -> throw new IllegalArgumentException("--eviction must be lru or w-tinylfu, was '" + policy + "'");
        };
    }

    private static WriteMode parseMode(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "write-through" -> WriteMode.WRITE_THROUGH;
            case "write-back" -> WriteMode.WRITE_BACK;
            default -> throw new IllegalArgumentException("--write-mode must be write-through or write-back, was '"
                    + mode + "'");
        };
    }

    private void validate() {
        if (seconds < 1) {
            throw new IllegalArgumentException("--seconds must be at least 1, was " + seconds);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must not be negative, was " + warmup);
        }
        if (jitWarmup < 0) {
            throw new IllegalArgumentException("--jit-warmup must not be negative, was " + jitWarmup);
        }
        if (threads < 2) {
            throw new IllegalArgumentException("--threads must be at least 2 (they are split over two client nodes), "
                    + "was " + threads);
        }
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be at least 1, was " + nodes);
        }
        if (valueBytes < 1 || valueBytes > CacheConfig.DEFAULT_MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("--value-bytes must be between 1 and "
                    + CacheConfig.DEFAULT_MAX_VALUE_BYTES + ", was " + valueBytes);
        }
        for (String w : workloads) {
            if (!WORKLOADS.contains(w)) {
                throw new IllegalArgumentException("unknown workload '" + w + "'; workloads are "
                        + String.join(", ", WORKLOADS));
            }
        }
        if (!Files.isDirectory(home)) {
            throw new IllegalArgumentException("--home " + home + " is not a folder");
        }
    }

    /**
     * Waits until the ring has every cache node and both clients see it, then until puts on one client and gets on
     * the other succeed for keys spread over all homes: a fresh cluster grants nothing until the homes' first term
     * and quarantine are over (about 3 s after the last ring change).
     */
    private void awaitHomes(LocalCluster cluster, RedissonClient redisson, List<BenchCacheNode> clients)
            throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(90);
        HomeRing ring = new HomeRing(redisson, "dsync:" + cluster.name() + ":cache:ring");
        while (ring.read().members().size() < nodes
                || clients.stream().anyMatch(c -> c.topology().record().members().size() < nodes)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ring of cache nodes has " + ring.read().members().size() + " of "
                        + nodes + " members after 90 s" + clients.get(0).registryProblem().map(p -> " (" + p + ")")
                        .orElse(""));
            }
            Thread.sleep(100);
        }
        clients.get(0).service().declare(CacheConfig.of("bench-ready"));
        Cache<byte[]> a = clients.get(0).service().cache("bench-ready");
        Cache<byte[]> b = clients.get(1).service().cache("bench-ready");
        RuntimeException last = null;
        int probed = 0;
        while (probed < 32) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cache nodes granted nothing within 90 s: "
                        + (last == null ? "puts did not complete" : last.getMessage()));
            }
            try {
                a.put("probe-" + probed, new byte[] {1});
                b.get("probe-" + probed);
                probed++;
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        System.err.printf("the homes grant: 32 probe keys written and read %.1f s after the clients started%n",
                (System.nanoTime() - started) / 1e9);
    }

    /** Process ids by group for the CPU readings: the cache nodes, Redis, this JVM. */
    private static Map<String, List<Long>> processes(LocalCluster cluster) {
        List<Long> nodePids = cluster.nodes().stream().map(ClusterNode::pid).toList();
        List<Long> redis = new ArrayList<>(cluster.pids());
        redis.removeAll(nodePids);
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        groups.put("cache nodes", nodePids);
        groups.put("Redis", redis);
        groups.put("bench JVM", List.of(ProcessHandle.current().pid()));
        return groups;
    }

    private String report(WriteMode mode, List<CacheResult> results, List<SharerLatency.Result> sharers) {
        int cores = Runtime.getRuntime().availableProcessors();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%d-byte values; %d load threads split over two client nodes (dsync: two cache clients "
                        + "in the benchmark's JVM, registered as nodes; peers: one instance per node); %d s measured "
                        + "after %d s warm-up per workload and system (and first, for the JIT compilers, %d s of unmeasured load on dsync with each workload); %d cache "
                        + "node(s) with %s; dsync caches %s, %s eviction, cold reads %s, local capacity 10,000 per "
                        + "node, 2 s leases; %s; %d cores, Java %s.%n%n",
                valueBytes, threads, seconds, warmup, jitWarmup, nodes, nodeJavaOpts,
                mode == WriteMode.WRITE_THROUGH ? "write-through" : "write-back", eviction.toLowerCase(Locale.ROOT),
                mode == WriteMode.WRITE_THROUGH ? coldReads : "off (write-back)",
                LocalDate.now(), cores,
                Runtime.version()));
        sb.append(String.format("The cache nodes, Redis and the benchmark's JVM (both client nodes, the peers' clients "
                + "and the load threads) share these %d cores: compare ratios within one run, not numbers across "
                + "runs or machines. Workloads: local hits = %,d keys, 100%% gets, uniform; read-mostly Zipf = "
                + "%,d keys, Zipf s=%.2f, %.0f%% gets; write-heavy shared = %,d keys, %.0f%% gets / %.0f%% puts from "
                + "both nodes; every key preloaded. 'Redis cmds per op' counts every command Redis ran in the window "
                + "(the cache nodes' fenced reads and the registry's heartbeats included).%n%n", cores, HITS.keys(),
                ZIPF.keys(), ZIPF.zipf(), 100 * ZIPF.readFraction(), SHARED.keys(), 100 * SHARED.readFraction(),
                100 * (1 - SHARED.readFraction())));
        if (!results.isEmpty()) {
            sb.append(CacheReport.results(results)).append('\n');
            sb.append(CacheReport.ratios(results, DsyncCaches.name(mode)));
        }
        if (!sharers.isEmpty()) {
            sb.append(String.format("%nWrite latency by sharers: one thread writes %d-byte values from one client node, "
                    + "round a key space of 100 keys; before each write 0, 1 or 2 other client nodes read the key (not "
                    + "timed), so the write finds that many copies elsewhere. dsync invalidates them through the home "
                    + "and waits for their acks before the write returns; the near cache publishes an invalidation "
                    + "and does not wait; plain Redis keeps no copies. With 0 sharers dsync's writer holds the key "
                    + "already (it wrote it last).%n%n", valueBytes));
            sb.append(SharerLatency.table(sharers));
        }
        return sb.toString();
    }
}
