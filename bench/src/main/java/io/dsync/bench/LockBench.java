package io.dsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.devkit.LocalCluster;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.protocol.LockCommandCodec;
import io.dsync.lock.protocol.LockRaftGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync bench lock}: exclusive acquire+release against a 3-node dsync lock group started from the
 * distribution on this machine (durable Raft log), next to Redisson's {@code RLock} on the group's own Redis and
 * etcd's lock (3 members on loopback, through jetcd), in one run: one thread (latency), 16 and 64 threads on distinct locks (throughput), and 16 threads on one lock (hand-over).
 * Prints a table with the ratio dsync/peer. Each client thread has its own session (dsync) or is its own lock owner
 * (Redisson), as separate processes would be.
 */
@Command(name = "dsync bench lock", mixinStandardHelpOptions = true,
        description = "Benchmark dsync's lock service against Redisson RLock on the same machine, in one run.")
public final class LockBench implements Callable<Integer> {

    @Option(names = "--home", required = true, hidden = true, description = "The dsync distribution folder (bin/dsync passes it).")
    Path home;

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per workload and system (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds before each measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", split = ",", defaultValue = "1,16,64", description = "Client threads on distinct locks (default: ${DEFAULT-VALUE}).")
    int[] threads;

    @Option(names = "--contended-threads", defaultValue = "16", description = "Client threads on one lock (default: ${DEFAULT-VALUE}).")
    int contended;

    @Option(names = "--out", description = "Also write the table (Markdown) to this file.")
    Path out;

    @Option(names = "--jit-warmup", defaultValue = "60",
            description = "Seconds of load on each system before the first workload, so that the JIT compilers of nodes "
                    + "and clients are done before anything is measured: on 2 cores nodes reach their steady speed after "
                    + "about a minute of load (default: ${DEFAULT-VALUE}).")
    int jitWarmup;

    @Option(names = "--node-java-opts", defaultValue = "-Xmx512m -XX:+UseSerialGC",
            description = "JVM options of the lock nodes (default: ${DEFAULT-VALUE}).")
    String nodeJavaOpts;

    @Option(names = "--client-connections", defaultValue = "1",
            description = "Command connections of the dsync client: each carries one batch at a time (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--lock-nodes", defaultValue = "3", description = "Lock nodes of the dsync cluster (default: ${DEFAULT-VALUE}).")
    int lockNodes;

    @Option(names = "--groups", split = ",", defaultValue = "1",
            description = "Raft groups sharing the lock space (--lock-groups of the nodes); with --scale, each count is "
                    + "measured (default: ${DEFAULT-VALUE}).")
    int[] groups;

    @Option(names = "--scale", split = ",",
            description = "Scaling mode: for each of these lock node counts and each --groups count, start a cluster and "
                    + "measure dsync alone at the largest --threads count on distinct locks (e.g. --scale 3,5,7 --groups 1,4).")
    int[] scale;

    @Option(names = "--peers", split = ",", defaultValue = "redisson,etcd",
            description = "Peers to measure next to dsync: redisson, etcd (3 members on loopback, when an 'etcd' binary is on the PATH), "
                    + "ratis (the floor under dsync: two bare Ratis writes per pair to the same lock group) (default: ${DEFAULT-VALUE}).")
    List<String> peers;

    /** One client thread's way to take and give back a lock. */
    interface Worker extends AutoCloseable {
        void lockUnlock(String name) throws Exception;

        @Override
        default void close() {
        }
    }

    /** A system under test: makes one worker per client thread. */
    interface Target {
        String name();

        Worker worker() throws Exception;

        /** Makes one worker per client thread. */
        @FunctionalInterface
        interface Workers {
            Worker make() throws Exception;
        }

        static Target of(String name, Workers workers) {
            return new Target() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Worker worker() throws Exception {
                    return workers.make();
                }
            };
        }
    }

    /** Throughput and latency of one workload on one system. */
    record Result(long ops, double seconds, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos, long errors) {
        double rate() {
            return ops / seconds;
        }
    }

    public static void main(String[] args) {
        System.exit(BenchMain.run(new LockBench(), "lock", args));
    }

    @Override
    public Integer call() throws Exception {
        if (connections < 1 || connections > RaftLockClient.Options.MAX_WRITE_CONNECTIONS) {
            System.err.printf("--client-connections must be 1 to %d, was %d%n", RaftLockClient.Options.MAX_WRITE_CONNECTIONS,
                    connections);
            return 2;
        }
        for (int g : groups) {
            if (g < 1 || g > LockRaftGroup.MAX_GROUPS) {
                System.err.printf("--groups must be 1 to %d, was %d%n", LockRaftGroup.MAX_GROUPS, g);
                return 2;
            }
        }
        if (lockNodes < 1 || (scale != null && Arrays.stream(scale).anyMatch(n -> n < 1))) {
            System.err.println("--lock-nodes and --scale counts must be at least 1");
            return 2;
        }
        if (scale != null) {
            return scaling();
        }
        Path work = Files.createTempDirectory("dsync-bench");
        System.err.printf("starting %d lock nodes (%d Raft group(s)) and Redis from %s (work folder %s)...%n", lockNodes,
                groups[0], home, work);
        try (LocalCluster cluster = lockCluster(work, lockNodes, groups[0])) {
            awaitGroup(cluster);
            ShardedLockClient client = ShardedLockClient.connect(cluster.name(), cluster.raftAddresses(),
                    RaftLockClient.Options.DEFAULT.withWriteConnections(connections));
            ClientLockService dsync = new ClientLockService(client, "bench");
            Config config = new Config();
            config.useSingleServer().setAddress(cluster.redisAddress()).setConnectionPoolSize(64).setConnectionMinimumIdleSize(8);
            RedissonClient redisson = Redisson.create(config);
            EtcdCluster etcd = null;
            io.etcd.jetcd.Client etcdClient = null;
            try {
                List<Target> targets = new ArrayList<>(List.of(dsyncTarget(dsync)));
                if (peers.contains("ratis")) {
                    targets.add(ratisTarget(LockRaftGroup.group(cluster.name(), cluster.raftAddresses())));
                }
                if (peers.contains("redisson")) {
                    targets.add(redissonTarget(redisson));
                }
                if (peers.contains("etcd")) {
                    if (EtcdCluster.available()) {
                        System.err.println("starting 3 etcd members on loopback...");
                        etcd = EtcdCluster.start(work.resolve("etcd"), 3);
                        etcdClient = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
                        targets.add(etcdTarget(etcdClient));
                    } else {
                        System.err.println("etcd: no 'etcd' binary on the PATH (Debian: apt-get install etcd-server); left out");
                    }
                }
                long termBefore = RaftProbe.maxTerm(cluster);
                if (jitWarmup > 0) {
                    // Both shapes of load: right after 16 threads only, one thread ran at a third of its speed for
                    // about 10 s (6.7 ms per pair, then 2.3 ms, on tmpfs), the JIT recompiling what it had made for
                    // batches, which measured a transient of the warm-up instead of the product.
                    int single = Math.max(1, jitWarmup / 3);
                    for (Target t : targets) {
                        System.err.printf("  %-16s JIT warm-up, 16 threads for %d s, then 1 thread for %d s%n", t.name(),
                                jitWarmup - single, single);
                        if (jitWarmup > single) {
                            run(t, 16, false, 0, jitWarmup - single);
                        }
                        run(t, 1, false, 0, single);
                    }
                }
                Map<String, Map<String, Result>> table = new LinkedHashMap<>();
                for (int t : threads) {
                    String workload = t == 1 ? "1 thread (uncontended)" : t + " threads, distinct locks";
                    table.put(workload, measure(targets, t, false));
                }
                table.put(contended + " threads, one lock", measure(targets, contended, true));
                String report = report(table, targets, termBefore, RaftProbe.maxTerm(cluster));
                System.out.println(report);
                if (out != null) {
                    Files.writeString(out, report);
                }
            } finally {
                redisson.shutdown();
                if (etcdClient != null) {
                    etcdClient.close();
                }
                if (etcd != null) {
                    etcd.close();
                }
                dsync.close();
                client.close();
            }
        }
        return 0;
    }

    /** Starts {@code nodes} lock nodes that form their groups together. */
    private LocalCluster lockCluster(Path work, int nodes, int groupCount) throws Exception {
        // Nodes run with the JIT a production node gets (the harness' default stops at C1 for quick test start-up).
        return LocalCluster.builder(home, work).cluster("bench").javaOpts(nodeJavaOpts).lockGroupSize(nodes)
                .lockGroups(groupCount).nodes("lock", nodes, "lock").start();
    }

    /** --scale: dsync alone, at the largest thread count, for each lock node count and group count. */
    private int scaling() throws Exception {
        int threadCount = Arrays.stream(threads).max().orElse(64);
        Map<String, Result> results = new LinkedHashMap<>();
        for (int nodes : scale) {
            for (int g : groups) {
                Path work = Files.createTempDirectory("dsync-bench");
                System.err.printf("starting %d lock nodes with %d Raft group(s) (work folder %s)...%n", nodes, g, work);
                try (LocalCluster cluster = lockCluster(work, nodes, g)) {
                    awaitGroup(cluster);
                    try (ShardedLockClient client = ShardedLockClient.connect(cluster.name(), cluster.raftAddresses(),
                            RaftLockClient.Options.DEFAULT.withWriteConnections(connections));
                         ClientLockService dsync = new ClientLockService(client, "bench")) {
                        Target target = dsyncTarget(dsync);
                        if (jitWarmup > 0) {
                            run(target, threadCount, false, 0, jitWarmup);
                        }
                        Map<String, Result> one = measure(List.of(target), threadCount, false);
                        results.put(nodes + " | " + g, one.get(target.name()));
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder(String.format("Exclusive acquire+release, %d threads on distinct locks, %d s "
                + "measured after %d s warm-up, every lock node and the client on this machine; nodes with %s; %s; "
                + "%d cores, Java %s.%n%n", threadCount, seconds, warmup, nodeJavaOpts,
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), Runtime.version()));
        sb.append("| lock nodes | Raft groups | dsync ops/s | p50 / p99 ms | errors |\n|---|---|---|---|---|\n");
        results.forEach((config, r) -> sb.append(String.format("| %s | %,.0f | %.2f / %.2f | %d |%n", config, r.rate(),
                r.p50Nanos() / 1e6, r.p99Nanos() / 1e6, r.errors())));
        System.out.println(sb);
        if (out != null) {
            Files.writeString(out, sb.toString());
        }
        return 0;
    }

    /** Waits until every lock group has a leader: the union of their tables can be read. */
    private static void awaitGroup(LocalCluster cluster) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        ShardedLockClient probe = null;
        try {
            while (true) {
                try {
                    if (probe == null) {
                        probe = ShardedLockClient.connect(cluster.name(), cluster.raftAddresses(), RaftLockClient.Options.DEFAULT);
                    }
                    probe.table(1).join();
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the lock groups did not elect leaders within 60 s: " + e.getMessage());
                    }
                    Thread.sleep(200);
                }
            }
        } finally {
            if (probe != null) {
                probe.close();
            }
        }
    }

    private static Target dsyncTarget(ClientLockService service) {
        return Target.of("dsync", () -> {
            LockSession session = service.openSession(Duration.ofSeconds(30));
            return new Worker() {
                @Override
                public void lockUnlock(String name) throws Exception {
                    LockHandle h = session.acquire(new LockRequest(name, LockMode.EXCLUSIVE, Duration.ofSeconds(30), Duration.ofSeconds(30)));
                    session.release(h);
                }

                @Override
                public void close() {
                    session.close();
                }
            };
        });
    }

    /**
     * The floor under dsync's lock service: per "pair", two blocking writes to the same lock group through a bare Ratis
     * client of the thread's own, each one command (a keep-alive of a session that does not exist: committed, flushed on
     * every member and applied like a lock command, and changing nothing). What dsync adds to it is its client (sessions,
     * group commit, the watch on each request) and the lock table's work.
     */
    private static Target ratisTarget(RaftGroup group) {
        return Target.of("bare Ratis", () -> {
            RaftClient client = RaftClient.newBuilder().setRaftGroup(group).setProperties(LockRaftGroup.clientProperties(10_000))
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(100, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
                    .build();
            Message keepAlive = Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeCommands(List.of(
                    new LockCommand.KeepAlive(new SessionId("bench/no-such-session/" + UUID.randomUUID()))))));
            return new Worker() {
                @Override
                public void lockUnlock(String name) throws Exception {
                    for (int i = 0; i < 2; i++) {
                        RaftClientReply reply = client.io().send(keepAlive);
                        if (!reply.isSuccess()) {
                            throw reply.getException();
                        }
                    }
                }

                @Override
                public void close() {
                    try {
                        client.close();
                    } catch (java.io.IOException e) {
                        // closing releases connections only
                    }
                }
            };
        });
    }

    private static Target redissonTarget(RedissonClient redisson) {
        return Target.of("Redisson RLock", () -> name -> {
            var lock = redisson.getLock(name);
            lock.lock(30, TimeUnit.SECONDS);
            lock.unlock();
        });
    }

    private static Target etcdTarget(io.etcd.jetcd.Client etcd) {
        return Target.of("etcd", () -> {
            // etcd's recipe: a lease per client (its session), lock = a key under the lease, waited for in order.
            long lease = etcd.getLeaseClient().grant(60).get(10, TimeUnit.SECONDS).getID();
            return new Worker() {
                @Override
                public void lockUnlock(String name) throws Exception {
                    io.etcd.jetcd.ByteSequence key = etcd.getLockClient()
                            .lock(io.etcd.jetcd.ByteSequence.from(name, java.nio.charset.StandardCharsets.UTF_8), lease)
                            .get(30, TimeUnit.SECONDS).getKey();
                    etcd.getLockClient().unlock(key).get(30, TimeUnit.SECONDS);
                }

                @Override
                public void close() {
                    etcd.getLeaseClient().revoke(lease);
                }
            };
        });
    }

    private Map<String, Result> measure(List<Target> targets, int threadCount, boolean oneLock) throws Exception {
        Map<String, Result> results = new LinkedHashMap<>();
        for (Target target : targets) {
            System.err.printf("  %-16s %3d thread(s)%s ...", target.name(), threadCount, oneLock ? " on one lock" : "");
            Result r = run(target, threadCount, oneLock);
            System.err.printf(" %,.0f ops/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms%s%n", r.rate(),
                    r.p50Nanos() / 1e6, r.p90Nanos() / 1e6, r.p99Nanos() / 1e6, r.maxNanos() / 1e6,
                    r.errors() > 0 ? ", " + r.errors() + " errors" : "");
            results.put(target.name(), r);
        }
        return results;
    }

    private Result run(Target target, int threadCount, boolean oneLock) throws Exception {
        return run(target, threadCount, oneLock, warmup, seconds);
    }

    private Result run(Target target, int threadCount, boolean oneLock, int warmupSeconds, int measuredSeconds)
            throws Exception {
        String prefix = "bench/" + target.name().replace(' ', '-') + "/" + threadCount + (oneLock ? "/hot" : "");
        long[][] latencies = new long[threadCount][];
        int[] counts = new int[threadCount];
        long[] errors = new long[threadCount];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(threadCount);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threadCount; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                String name = oneLock ? prefix : prefix + "/" + id;
                long[] lat = new long[1 << 14];
                int n = 0;
                try (Worker w = target.worker()) {
                    ready.countDown();
                    go.await();
                    long measureFrom = window[0];
                    long end = window[1];
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end) {
                            break;
                        }
                        try {
                            w.lockUnlock(name);
                        } catch (Exception e) {
                            if (errors[id]++ == 0 && id == 0) {
                                System.err.printf("%n  first error of %s: %s%n", target.name(), e);
                            }
                            continue;
                        }
                        if (start >= measureFrom) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = System.nanoTime() - start;
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                } finally {
                    latencies[id] = lat;
                    counts[id] = n;
                }
            }, "bench-" + i);
            workers.add(t);
            t.start();
        }
        ready.await();
        long now = System.nanoTime();
        window[0] = now + TimeUnit.SECONDS.toNanos(warmupSeconds);
        window[1] = window[0] + TimeUnit.SECONDS.toNanos(measuredSeconds);
        go.countDown();
        for (Thread t : workers) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(target.name() + " failed: " + failure.get(), failure.get());
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int i = 0; i < threadCount; i++) {
            System.arraycopy(latencies[i], 0, all, k, counts[i]);
            k += counts[i];
        }
        Arrays.sort(all);
        return new Result(total, measuredSeconds, percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99),
                total == 0 ? 0 : all[total - 1], Arrays.stream(errors).sum());
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    private String report(Map<String, Map<String, Result>> table, List<Target> targets, long termBefore, long termAfter) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Exclusive acquire+release, %d s measured after %d s warm-up; dsync client with %d command "
                + "connection(s), nodes with %s; %s; %d cores, Java %s.%n%n", seconds, warmup, connections, nodeJavaOpts,
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), Runtime.version()));
        StringBuilder header = new StringBuilder("| workload | dsync ops/s | dsync p50 / p99 ms |");
        StringBuilder rule = new StringBuilder("|---|---|---|");
        for (Target t : targets.subList(1, targets.size())) {
            header.append(' ').append(t.name()).append(" ops/s | ").append(t.name()).append(" p50 / p99 ms | dsync/").append(t.name()).append(" |");
            rule.append("---|---|---|");
        }
        sb.append(header).append('\n').append(rule).append('\n');
        for (Map.Entry<String, Map<String, Result>> row : table.entrySet()) {
            Result d = row.getValue().get("dsync");
            sb.append(String.format("| %s | %,.0f | %.2f / %.2f |", row.getKey(), d.rate(), d.p50Nanos() / 1e6, d.p99Nanos() / 1e6));
            for (Target t : targets.subList(1, targets.size())) {
                Result p = row.getValue().get(t.name());
                sb.append(String.format(" %,.0f | %.2f / %.2f | %.2f |", p.rate(), p.p50Nanos() / 1e6, p.p99Nanos() / 1e6,
                        p.rate() == 0 ? 0 : d.rate() / p.rate()));
            }
            sb.append('\n');
        }
        // A leader that stays in charge keeps its term: growth means elections during the run (a node that
        // lost its leader for an election timeout, a load that starved the leader's heartbeats).
        sb.append(String.format("%nRaft term of the dsync lock group: %d before the warm-up, %d after the last row (%s).%n",
                termBefore, termAfter, termBefore < 0 || termAfter < 0 ? "not read"
                        : termAfter == termBefore ? "no election" : (termAfter - termBefore) + " election(s)"));
        return sb.toString();
    }
}
