package io.dsync.bench;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.protocol.LockRaftGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync bench failover}: how long the lock service grants nothing when its leader fails. A 3-node lock group
 * (durable Raft logs; the nodes reach each other through the harness' proxies) serves 4 client threads that take and
 * release exclusive locks without pause; the benchmark kills the leader (SIGKILL), freezes it (SIGSTOP) or cuts it off
 * from the other nodes and the clients (the proxies drop its traffic), and measures the time from the fault to the
 * first grant that completes after it. For kill and pause the clients reach the nodes directly; for isolate, through
 * the proxies. Then it repairs the fault (restart, SIGCONT, heal), waits until the three members agree on a leader
 * again, and goes on with the next run. Prints, per fault, the minimum, median and maximum over the runs.
 */
@Command(name = "dsync bench failover", mixinStandardHelpOptions = true,
        description = "Measure the time from the lock group leader's failure to the next grant (kill, pause, isolate).")
public final class FailoverBench implements Callable<Integer> {

    /**
     * A grant completed this soon after a fault was answered before the fault took effect (a reply on its way, or in a
     * proxy's buffer); it does not count. No leader can be replaced that fast: the election timeout is 200 ms or more.
     */
    static final long IN_FLIGHT_MILLIS = 100;

    @Option(names = "--home", required = true, hidden = true, description = "The dsync distribution folder (bin/dsync passes it).")
    Path home;

    @Option(names = "--runs", defaultValue = "5", description = "Runs of each fault (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--faults", split = ",", defaultValue = "kill,pause,isolate",
            description = "Faults of the leader: kill (SIGKILL), pause (SIGSTOP), isolate (cut from nodes and clients) "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> faults;

    @Option(names = "--threads", defaultValue = "4", description = "Client threads taking locks (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--node-java-opts", defaultValue = "-Xmx512m -XX:+UseSerialGC",
            description = "JVM options of the lock nodes (default: ${DEFAULT-VALUE}).")
    String nodeJavaOpts;

    @Option(names = "--out", description = "Also write the table (Markdown) to this file.")
    Path out;

    public static void main(String[] args) {
        System.exit(BenchMain.run(new FailoverBench(), "failover", args));
    }

    @Override
    public Integer call() throws Exception {
        for (String f : faults) {
            if (!List.of("kill", "pause", "isolate").contains(f)) {
                System.err.printf("unknown fault '%s': the faults are kill, pause and isolate%n", f);
                return 2;
            }
        }
        if (runs < 1 || threads < 1) {
            System.err.println("--runs and --threads must be at least 1");
            return 2;
        }
        Path work = Files.createTempDirectory("dsync-bench-failover");
        System.err.printf("starting 3 lock nodes (partitionable) and Redis from %s (work folder %s)...%n", home, work);
        Map<String, List<Recovery>> recoveries = new LinkedHashMap<>();
        faults.forEach(f -> recoveries.put(f, new ArrayList<>()));
        try (LocalCluster cluster = LocalCluster.builder(home, work).cluster("failover").javaOpts(nodeJavaOpts)
                .partitionable(true).nodes("lock", 3, "lock").start()) {
            awaitStableLeader(cluster, Duration.ofSeconds(60));
            for (String fault : faults) {
                // Kill and pause: the clients reach the nodes' Raft ports directly, as in production. Isolate: through
                // the harness' proxies, which cut the leader off from the clients too.
                Map<String, InetSocketAddress> peers = fault.equals("isolate") ? cluster.raftAddresses() : directRaftAddresses(cluster);
                try (RaftLockClient client = new RaftLockClient(LockRaftGroup.group(cluster.name(), peers),
                        RaftLockClient.Options.DEFAULT);
                     ClientLockService locks = new ClientLockService(client, "failover-bench");
                     Load load = new Load(locks, threads)) {
                    load.awaitGrants(200, Duration.ofSeconds(60)); // and the JIT a little warmer
                    for (int run = 1; run <= runs; run++) {
                        recoveries.get(fault).add(measure(cluster, load, fault, run));
                    }
                }
            }
        }
        String table = table(recoveries);
        System.out.printf("%nTime from the fault of the leader to the first grant after it, and to the moment another "
                + "member first said it leads (its admin API, asked every 10 ms); %d client threads taking and "
                + "releasing exclusive locks; 3 lock nodes (%s) reaching each other through the harness' proxies, the "
                + "clients reaching them directly (through the proxies for isolate); %s; %d cores, Java %s.%n%n%s",
                threads, nodeJavaOpts, LocalDate.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"), table);
        if (out != null) {
            Files.writeString(out, table);
        }
        return 0;
    }

    /**
     * One fault's outcome: when another member first said it leads (from its admin API, asked every 10 ms; -1 if
     * none did within 30 s) and when the first grant after the fault came, both in ms from the fault. The difference
     * is the clients' part: finding the new leader and committing through it.
     */
    record Recovery(long electedMillis, long grantMillis) {
    }

    /** One fault of the current leader: the time to a new leader and to the first grant after it, then the repair. */
    private static Recovery measure(LocalCluster cluster, Load load, String fault, int run) throws Exception {
        String leader = awaitStableLeader(cluster, Duration.ofSeconds(60));
        Thread.sleep(1_000);
        long at = System.nanoTime();
        inflict(cluster, fault, leader);
        CompletableFuture<Long> elected = CompletableFuture.supplyAsync(() -> newLeaderSeen(cluster, leader, at));
        long recovered = load.firstGrantAfter(at + TimeUnit.MILLISECONDS.toNanos(IN_FLIGHT_MILLIS), Duration.ofSeconds(30));
        long millis = recovered < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(recovered - at);
        long electedMillis = elected.get(35, TimeUnit.SECONDS);
        String next = currentLeader(cluster, leader).orElse("?");
        System.err.printf("  run %d  %-8s leader %s  -> new leader %s after %d ms, first grant after %s%n", run, fault,
                leader, next, electedMillis, millis < 0 ? "none within 30 s" : millis + " ms");
        if (millis < 0) {
            throw new IllegalStateException("no lock was granted within 30 s of " + fault + " of " + leader);
        }
        repair(cluster, fault, leader);
        return new Recovery(electedMillis, millis);
    }

    /** Asks the other members every 10 ms until one says it leads: the ms from the fault, or -1 after 30 s. */
    private static long newLeaderSeen(LocalCluster cluster, String failed, long faultAt) {
        long deadline = faultAt + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ClusterNode n : cluster.nodes()) {
                if (!n.id().equals(failed) && RaftProbe.role(n).filter("LEADER"::equals).isPresent()) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultAt);
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    /** Each lock node's own Raft port (its {@code --raft-port}), not its proxy's. */
    private static Map<String, InetSocketAddress> directRaftAddresses(LocalCluster cluster) {
        Map<String, InetSocketAddress> direct = new LinkedHashMap<>();
        for (ClusterNode n : cluster.nodes()) {
            List<String> args = n.spec().args();
            int i = args.indexOf("--raft-port");
            direct.put(n.id(), new InetSocketAddress("127.0.0.1", Integer.parseInt(args.get(i + 1))));
        }
        return direct;
    }

    static String table(Map<String, List<Recovery>> recoveries) {
        StringBuilder t = new StringBuilder("| fault of the leader | runs | first grant min / p50 / max ms | new leader seen "
                + "p50 / max ms | each run: new leader / first grant ms |\n|---|---|---|---|---|\n");
        recoveries.forEach((fault, values) -> {
            if (values.isEmpty()) {
                return;
            }
            List<Long> grants = values.stream().map(Recovery::grantMillis).sorted().toList();
            List<Long> elected = values.stream().map(Recovery::electedMillis).sorted().toList();
            t.append(String.format("| %s | %d | %d / %d / %d | %d / %d | %s |%n", describe(fault), grants.size(),
                    grants.get(0), median(grants), grants.get(grants.size() - 1), median(elected),
                    elected.get(elected.size() - 1), String.join(", ",
                            values.stream().map(r -> r.electedMillis() + " / " + r.grantMillis()).toList())));
        });
        return t.toString();
    }

    private static long median(List<Long> sorted) {
        return sorted.get((sorted.size() - 1) / 2);
    }

    private static String describe(String fault) {
        return switch (fault) {
            case "kill" -> "killed (SIGKILL)";
            case "pause" -> "frozen (SIGSTOP)";
            default -> "isolated (nodes and clients)";
        };
    }

    private static void inflict(LocalCluster cluster, String fault, String leader) throws Exception {
        ClusterNode node = cluster.node(leader);
        switch (fault) {
            case "kill" -> node.kill();
            case "pause" -> node.pause();
            default -> cluster.isolate(leader);
        }
    }

    private static void repair(LocalCluster cluster, String fault, String leader) throws Exception {
        ClusterNode node = cluster.node(leader);
        switch (fault) {
            case "kill" -> {
                node.restart();
                node.awaitHealthy(Duration.ofSeconds(60));
            }
            case "pause" -> node.resume();
            default -> cluster.healAll();
        }
    }

    /** Waits until every node reports the same leader, which reports itself leader; returns it. */
    static String awaitStableLeader(LocalCluster cluster, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String agreed = null;
            boolean all = true;
            for (ClusterNode n : cluster.nodes()) {
                Optional<String> leader = RaftProbe.leader(n);
                if (leader.isEmpty() || agreed != null && !agreed.equals(leader.get())) {
                    all = false;
                    break;
                }
                agreed = leader.get();
            }
            if (all && agreed != null && RaftProbe.role(cluster.node(agreed)).filter("LEADER"::equals).isPresent()) {
                return agreed;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the lock group did not agree on a leader within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    /** The leader as one of the other nodes sees it now. */
    private static Optional<String> currentLeader(LocalCluster cluster, String failed) {
        return cluster.nodes().stream().filter(n -> !n.id().equals(failed)).map(RaftProbe::leader)
                .flatMap(Optional::stream).findFirst();
    }

    /** Client threads that take and release a lock of their own, one after the other, and note each grant's time. */
    static final class Load implements AutoCloseable {
        private final List<Thread> workers = new ArrayList<>();
        private final Object grants = new Object();
        private final List<Long> grantTimes = new ArrayList<>();
        private final AtomicLong count = new AtomicLong();
        private volatile boolean running = true;

        Load(ClientLockService locks, int threads) {
            for (int i = 0; i < threads; i++) {
                String name = "failover/" + i;
                Thread t = new Thread(() -> work(locks, name), "bench-failover-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
        }

        private void work(ClientLockService locks, String name) {
            LockSession session = null;
            while (running) {
                try {
                    if (session == null || !session.isLive()) {
                        session = locks.openSession(Duration.ofSeconds(10));
                    }
                    LockHandle h = session.acquire(new LockRequest(name, LockMode.EXCLUSIVE, Duration.ofSeconds(10),
                            Duration.ofSeconds(30)));
                    long now = System.nanoTime();
                    synchronized (grants) {
                        grantTimes.add(now);
                        grants.notifyAll();
                    }
                    count.incrementAndGet();
                    session.release(h);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    // the leader is gone or cut off: the client retries until its quorum timeout; go on
                    sleepQuietly(10);
                }
            }
        }

        void awaitGrants(long n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count.get() < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + count.get() + " grants within " + timeout.toSeconds() + " s");
                }
                Thread.sleep(50);
            }
        }

        /** The time of the first grant completed after {@code after} (nanoTime), or -1 if none within the timeout. */
        long firstGrantAfter(long after, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (grants) {
                while (true) {
                    for (long t : grantTimes) {
                        if (t > after) {
                            grantTimes.clear();
                            return t;
                        }
                    }
                    grantTimes.clear();
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return -1;
                    }
                    grants.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            workers.forEach(Thread::interrupt);
            running = false;
            for (Thread t : workers) {
                t.join(15_000);
            }
        }

        private static void sleepQuietly(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
