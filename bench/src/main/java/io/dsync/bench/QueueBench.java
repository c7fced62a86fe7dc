package io.dsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.bench.queue.DsyncQueues;
import io.dsync.bench.queue.QueueLoad;
import io.dsync.bench.queue.QueueReport;
import io.dsync.bench.queue.QueueReport.ClusterRuns;
import io.dsync.bench.queue.QueueResult;
import io.dsync.bench.queue.QueueSystem;
import io.dsync.bench.queue.RedisStreams;
import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.registry.NodeDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync bench queue}: producers and consumers of 1 KB messages on a dsync queue, served by queue nodes started
 * from the distribution on this machine, next to the same load on a Redis stream used directly through Redisson (the
 * ceiling: dsync's owners store every message in a Redis stream), on the same Redis in the same run. Two workloads:
 * one message per send call, and batches ({@code sendAll}; a pipeline of {@code XADD}s). dsync is consumed by push
 * subscriptions and by poll+ack loops; the stream by a consumer group ({@code XREADGROUP} + {@code XACK}). Prints a
 * table with the ratios dsync/raw and one with what each run cost; {@code --nodes 1,3,5} runs one cluster per count.
 */
@Command(name = "dsync bench queue", mixinStandardHelpOptions = true,
        description = "Benchmark dsync's queue against Redis Streams (through Redisson) on the same Redis, in one run.")
public final class QueueBench implements Callable<Integer> {

    @Option(names = "--home", required = true, hidden = true, description = "The dsync distribution folder (bin/dsync passes it).")
    Path home;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per workload and system (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds before each measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--jit-warmup", defaultValue = "60",
            description = "Seconds of unmeasured load on each system of a new cluster before its first measurement, so that "
                    + "the JIT compilers of nodes and client are done: on 2 cores nodes reach their steady speed after "
                    + "about a minute of load (default: ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(names = "--producers", defaultValue = "8", description = "Producer threads (default: ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--consumers", defaultValue = "8",
            description = "Consumer threads: subscriptions, poll loops or stream readers (default: ${DEFAULT-VALUE}).")
    int consumers;

    @Option(names = "--nodes", split = ",", defaultValue = "3",
            description = "Queue nodes; several counts (1,3,5) run one cluster each and add a scaling table (default: ${DEFAULT-VALUE}).")
    int[] nodes;

    @Option(names = "--batch", defaultValue = "50",
            description = "Messages per sendAll (and per XADD pipeline) in the batched workload; 1 leaves it out (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--consume", split = ",", defaultValue = "push,poll",
            description = "How dsync is consumed: push (subscribe, AUTO ack), poll (poll + ack) (default: ${DEFAULT-VALUE}).")
    List<DsyncQueues.Consume> consume;

    @Option(names = "--max-in-flight", defaultValue = "64", description = "maxInFlight of each subscription (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--poll-max", defaultValue = "100",
            description = "Messages per dsync poll and per XREADGROUP COUNT (default: ${DEFAULT-VALUE}).")
    int pollMax;

    @Option(names = "--partitions", defaultValue = "8", description = "Partitions of each dsync queue (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--message-bytes", defaultValue = "1024", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int messageBytes;

    @Option(names = "--node-java-opts", defaultValue = "-Xmx512m -XX:+UseSerialGC",
            description = "JVM options of the queue nodes (default: ${DEFAULT-VALUE}).")
    String nodeJavaOpts;

    @Option(names = "--out", description = "Also write the tables (Markdown) to this file.")
    Path out;

    /** The queues' visibility timeout: short, so that a delivery whose ack was lost comes back within the drain. */
    private static final Duration VISIBILITY = Duration.ofSeconds(10);

    private int queues;

    public static void main(String[] args) {
        System.exit(BenchMain.run(new QueueBench(), "queue", args));
    }

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("dsync-bench-queue");
        List<ClusterRuns> clusters = new ArrayList<>();
        boolean clean = true;
        for (int n : nodes) {
            ClusterRuns runs = measureCluster(n, work.resolve(n + "-nodes"));
            clusters.add(runs);
            clean &= runs.results().stream().allMatch(QueueResult::clean);
        }
        String report = report(clusters);
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report);
        }
        if (!clean) {
            System.err.println("Some runs did not deliver and acknowledge everything (see 'check'); node logs are in " + work);
            return 1;
        }
        return 0;
    }

    private ClusterRuns measureCluster(int nodeCount, Path work) throws Exception {
        System.err.printf("starting %d queue node(s) and Redis from %s (work folder %s)...%n", nodeCount, home, work);
        try (LocalCluster cluster = LocalCluster.builder(home, work).cluster("qbench").javaOpts(nodeJavaOpts)
                .nodes("queue", nodeCount, "queue").start()) {
            Config config = new Config();
            config.useSingleServer().setAddress(cluster.redisAddress()).setConnectionPoolSize(64).setConnectionMinimumIdleSize(8);
            RedissonClient redisson = Redisson.create(config);
            ExecutorService handlers = Executors.newFixedThreadPool(consumers, r -> {
                Thread t = new Thread(r, "bench-handler");
                t.setDaemon(true);
                return t;
            });
            NodeDirectory directory = new NodeDirectory(redisson, cluster.name());
            NettyMessaging messaging = NettyMessaging.client("bench");
            QueueRouter router = new QueueRouter(directory::listResponsive, messaging, Duration.ofSeconds(10));
            ClientQueueService service = new ClientQueueService(
                    new QueueCatalog(redisson, "dsync:" + cluster.name() + ":queues"), router, partitions,
                    ClientQueueService.newClientId("bench"), handlers);
            try {
                awaitQueueNodes(router, nodeCount);
                List<QueueSystem> systems = new ArrayList<>();
                for (DsyncQueues.Consume c : consume) {
                    systems.add(new DsyncQueues(service, router, c, c == DsyncQueues.Consume.PUSH ? maxInFlight : pollMax,
                            VISIBILITY, partitions));
                }
                systems.add(new RedisStreams(redisson, pollMax));
                QueueLoad load = new QueueLoad(producers, consumers, messageBytes, processes(cluster), redisson,
                        VISIBILITY.plusSeconds(10));
                Duration drainLimit = Duration.ofSeconds(Math.max(60, 3L * (warmup + seconds)));
                if (jitWarmup > 0) {
                    for (QueueSystem s : systems) {
                        System.err.printf("  %-18s JIT warm-up for %d s%n", s.name(), jitWarmup);
                        load.run(s, queueName(nodeCount, "jit"), 1, jitWarmup, 0, drainLimit);
                    }
                }
                List<QueueResult> results = new ArrayList<>();
                List<Integer> batches = batch > 1 ? List.of(1, batch) : List.of(1);
                for (int b : batches) {
                    for (QueueSystem s : systems) {
                        System.err.printf("  %-18s %-20s ...", s.name(), QueueReport.workload(b));
                        QueueResult r = load.run(s, queueName(nodeCount, "b" + b), b, warmup, seconds, drainLimit);
                        System.err.println(" " + QueueReport.line(r));
                        results.add(r);
                    }
                }
                if (!results.stream().allMatch(QueueResult::clean)) {
                    cluster.collectLogs(work.resolve("logs"));
                }
                return new ClusterRuns(nodeCount, results);
            } catch (Exception | Error e) {
                cluster.collectLogs(work.resolve("logs"));
                System.err.println("\nthe run failed; node logs are in " + work.resolve("logs"));
                throw e;
            } finally {
                service.close();
                messaging.close();
                handlers.shutdownNow();
                redisson.shutdown();
            }
        }
    }

    private String queueName(int nodeCount, String what) {
        return "bench-" + nodeCount + "n-" + what + "-" + (++queues);
    }

    /** Waits until the registry lists every queue node, so that the ring is complete before anything is measured. */
    private static void awaitQueueNodes(QueueRouter router, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (router.topology(true).urls().size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + router.topology(true).urls().size() + " of " + count
                        + " queue nodes registered within 60 s");
            }
            Thread.sleep(200);
        }
    }

    /** Process ids by group for the CPU readings: the nodes, Redis, this JVM. */
    private static Map<String, List<Long>> processes(LocalCluster cluster) {
        List<Long> nodes = cluster.nodes().stream().map(ClusterNode::pid).toList();
        List<Long> redis = new ArrayList<>(cluster.pids());
        redis.removeAll(nodes);
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        groups.put("nodes", nodes);
        groups.put("Redis", redis);
        groups.put("bench JVM", List.of(ProcessHandle.current().pid()));
        return groups;
    }

    private String report(List<ClusterRuns> clusters) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%d-byte messages; %d producer and %d consumer threads; %d s measured after %d s warm-up "
                        + "(and %d s of JIT warm-up per system and cluster); dsync queues of %d partitions, visibility %d s, "
                        + "subscriptions with maxInFlight %d, polls and XREADGROUP of up to %d; nodes with %s; %s; "
                        + "%d cores, Java %s.%n%n",
                messageBytes, producers, consumers, seconds, warmup, jitWarmup, partitions, VISIBILITY.toSeconds(),
                maxInFlight, pollMax, nodeJavaOpts, LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                Runtime.version()));
        for (ClusterRuns c : clusters) {
            sb.append(String.format("%d queue node(s):%n%n", c.nodes()));
            sb.append(QueueReport.results(c.results())).append('\n');
            sb.append(QueueReport.costs(c.results())).append('\n');
        }
        if (clusters.size() > 1) {
            sb.append("Throughput by cluster size:\n\n").append(QueueReport.scaling(clusters));
        }
        return sb.toString();
    }
}
