package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.LocalRedis;
import io.dsync.devkit.TcpProxy;
import io.dsync.testkit.check.LinearizabilityChecker;
import io.dsync.testkit.check.RegisterOps;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.scenario.Scenario;
import io.dsync.testkit.scenario.ScenarioReport;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The coherent cache end to end, with real processes and real faults: clients read and write a few keys through the
 * cache HTTP API of three cache nodes (each node is a home of a third of the keys and holds copies of all of them)
 * while one node is paused past its leases, another is killed with SIGKILL and restarted, and a third is cut from the
 * other nodes (node messaging, through the harness' proxies) and then from Redis. Every read must return the latest
 * write: the history must be linearizable (registers).
 *
 * <p>CI runs them for 26, 16 and 20 s; {@code -Ddsync.scenario.seconds=120} (profile {@code soak}) runs it longer.
 */
class CacheScenarioIT extends ClusterTest {

    static final String CACHE = "reg";

    @Test
    void readsReturnTheLatestWriteThroughAPauseACrashAPartitionAndACutFromRedis() throws Exception {
        int seconds = Integer.getInteger("dsync.scenario.seconds", 26);
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cache-scenario").proxied(true)
                .partitionable(true).nodes("n", 3, "cache").start();
        List<CacheHttp> nodes = ready(cluster, "write-through");
        Duration run = Duration.ofSeconds(seconds);
        ClusterNode paused = cluster.node("n-2");
        ClusterNode killed = cluster.node("n-3");
        TcpProxy cut = cluster.link("n-1");
        String kill = "kill -9 n-3";
        // Probe keys written through n-1 and read through n-2 (each read takes the writer's right away, each write the
        // reader's copy): when n-3 dies, the writes of its keys wait for their next home, and their reads go on
        // (write-through: from Redis, around the silent home).
        CacheProbe writes = new CacheProbe(List.of(nodes.get(0)), 9);
        CacheProbe reads = CacheProbe.reading(List.of(nodes.get(1)), 9);
        ScenarioReport report;
        try (writes; reads) {
            report = registers("cache registers through faults", nodes, run)
                    .fault(at(run, 10), "pause n-2 past its leases", paused::pause)
                    .fault(at(run, 40), "resume n-2", paused::resume)
                    .fault(at(run, 45), kill, killed::kill)
                    .fault(at(run, 60), "restart n-3", killed::restart)
                    .fault(at(run, 65), "isolate n-1 from the other nodes", () -> cluster.isolate("n-1"))
                    .fault(at(run, 80), "heal the isolation", cluster::healAll)
                    .fault(at(run, 82), "cut n-1 from Redis", () -> cut.cut(TcpProxy.Direction.BOTH))
                    .fault(at(run, 92), "heal", cluster::healAll)
                    .run();
        }
        check(report, "cache-scenario.txt", nodes);
        long killed3 = report.fault(kill).orElseThrow().startedNanos();
        long until = killed3 + Duration.ofSeconds(6).toNanos();
        List<Long> writeGaps = writes.longestGaps(killed3, until, key -> "n-3".equals(CacheProbe.home(key))).get(true);
        List<Long> readGaps = reads.longestGaps(killed3, until, key -> "n-3".equals(CacheProbe.home(key))).get(true);
        System.out.printf("[cache-scenario] longest gap after \"%s\" for the probe keys homed by n-3: writes %s ms, "
                + "reads %s ms%n", kill, writeGaps, readGaps);
        assertThat(readGaps).as("probe keys homed by n-3").isNotEmpty();
        assertThat(readGaps.stream().mapToLong(Long::longValue).max().orElseThrow())
                .as("reads of n-3's keys went on while their writes waited for the next home (read gaps %s ms, "
                        + "write gaps %s ms)", readGaps, writeGaps)
                .isLessThan(writeGaps.stream().mapToLong(Long::longValue).min().orElseThrow());
        // The partition recovery time as the nodes saw it: n-1 and n-2 ran throughout (n-3 restarted, its metrics
        // with it); the pause, the crash and the isolation each made some of their requests to homes wait.
        long outages = 0;
        for (String id : List.of("n-1", "n-2")) {
            JsonNode timer = Nodes.JSON.readTree(cluster.node(id).get("/metrics").body()).path("timers")
                    .path("dsync.cache.client.outage");
            System.out.printf("[cache-scenario] %s waited for homes %d times, at most %s %s%n", id,
                    timer.path("count").asLong(), timer.path("max").asText("-"), timer.path("duration_units").asText(""));
            outages += timer.path("count").asLong();
        }
        assertThat(outages).as("outages of homes counted in dsync.cache.client.outage").isPositive();
    }

    /**
     * A write-through cache through a Redis crash: Redis (its main memory, and the registry the homes' authority comes
     * from) is killed with SIGKILL under load and started again from its append-only file ({@code appendfsync always}:
     * it answered no write before the write was on disk). Calls that need Redis wait while it is down (or fail, or end
     * unknown, if it stays down past their timeout); every read must still return the latest write (nothing
     * acknowledged is lost, no stale copy is served), and writes must succeed again once it is back. Without the
     * append-only file the restarted Redis is empty and the checker finds stale reads (tried by hand).
     */
    @Test
    void aWriteThroughCacheLosesNothingWhenRedisCrashesAndRestarts() throws Exception {
        int seconds = Integer.getInteger("dsync.scenario.seconds", 16);
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cache-redis-restart")
                .redisAppendFsync(LocalRedis.Fsync.ALWAYS).nodes("n", 3, "cache").start();
        List<CacheHttp> nodes = ready(cluster, "write-through");
        Duration run = Duration.ofSeconds(seconds);
        String up = "start Redis again from its append-only file";
        ScenarioReport report = registers("write-through registers through a Redis crash", nodes, run)
                .fault(at(run, 30), "kill -9 Redis", cluster::killRedis)
                .fault(at(run, 30).plusSeconds(3), up, cluster::startRedis)
                .settleAfterFaults(Duration.ofSeconds(8))
                .run();
        check(report, "cache-redis-restart.txt", nodes);
        ScenarioReport.Fault restarted = report.fault(up).orElseThrow();
        long back = restarted.startedNanos() + restarted.tookNanos();
        Optional<Call> write = report.history().calls().stream()
                .filter(c -> c.isOk() && RegisterOps.WRITE.equals(c.type()) && c.invokeTime() >= back)
                .min(Comparator.comparingLong(Call::completionTime));
        assertThat(write).as("a write succeeds after Redis is back").isPresent();
        System.out.printf("[cache-redis-restart] first write after the restart completed %d ms after it%n",
                (write.get().completionTime() - back) / 1_000_000);
    }

    /**
     * A write-back cache keeps its promise while no node crashes: modified copies are written back when a node stops
     * (SIGTERM: the cache client's bundle stops and writes back) and when the ring changes under them (a fourth cache
     * node joins, homes move), so every read still returns the latest write.
     */
    @Test
    void aWriteBackCacheLosesNothingWhenNodesStopGracefullyAndTheRingChanges() throws Exception {
        int seconds = Integer.getInteger("dsync.scenario.seconds", 20);
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cache-write-back")
                .nodes("n", 3, "cache").start();
        List<CacheHttp> nodes = ready(cluster, "write-back");
        Duration run = Duration.ofSeconds(seconds);
        ClusterNode restarted = cluster.node("n-2");
        String stop = "stop n-2 (SIGTERM)";
        String start = "start n-2";
        ScenarioReport report;
        CacheProbe probe = new CacheProbe(List.of(nodes.get(0), nodes.get(2)), 9);
        try (probe) {
            report = registers("write-back registers through restarts", nodes, run)
                    .fault(at(run, 15), stop, () -> restarted.stop(Duration.ofSeconds(20)))
                    .fault(at(run, 35), start, restarted::start)
                    .fault(at(run, 55), "a fourth cache node joins", () -> cluster.addNode("n-4", "cache"))
                    .run();
        }
        check(report, "cache-write-back-scenario.txt", nodes);
        // n-2's process stopped gracefully: its homes handed their keys off to n-1 and n-3, which took them up at
        // once with its records; started again, it took its keys back once both had handed them off to it (the usual
        // way, correct too, waits out the others' authority and leases: about 3 s each time).
        for (String n : List.of("n-1", "n-3")) {
            assertThat(cluster.node(n).tail(50_000)).as(n + "'s log").contains("handed off as it left");
        }
        assertThat(cluster.node("n-2").tail(50_000)).as("n-2's log").contains("handed off as this node joined");
        for (String fault : List.of(stop, start)) {
            ScenarioReport.Fault f = report.fault(fault).orElseThrow();
            Map<Boolean, List<Long>> gaps = probe.longestGaps(f.startedNanos(), f.startedNanos() + f.tookNanos()
                    + Duration.ofSeconds(6).toNanos(), key -> "n-2".equals(CacheProbe.home(key)));
            System.out.printf("[cache-write-back] longest gap between writes of a probe key after \"%s\": keys homed"
                    + " by n-2 %s ms, by n-1 and n-3 %s ms%n", fault, gaps.get(true), gaps.get(false));
        }
    }

    static List<CacheHttp> ready(LocalCluster cluster, String writeMode) throws Exception {
        return ready(cluster, writeMode, null);
    }

    static List<CacheHttp> ready(LocalCluster cluster, String writeMode, String token) throws Exception {
        List<CacheHttp> nodes = cluster.nodes().stream().map(n -> new CacheHttp(n, token)).toList();
        nodes.get(0).declare(CACHE, writeMode);
        // A new ring waits out earlier homes' authority and leases (about 3 s) before it grants anything. Warm-up
        // keys of their own (spread over the three homes), so that the registers start empty, as the checker
        // assumes.
        Awaitility.await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> {
                    for (int k = 0; k < 12; k++) {
                        nodes.get(k % 3).put(CACHE, "warm-up-" + k, "ready");
                    }
                    return true;
                });
        return nodes;
    }

    /** Six clients, two per node, reading (60%) and writing four registers. */
    static Scenario.Builder registers(String name, List<CacheHttp> nodes, Duration run) {
        return Scenario.builder(name)
                .clients(6)
                .duration(run)
                .pauseBetweenSteps(Duration.ofMillis(5))
                // Refused connections (the node is down), 404s and the node's "api-down" 503s (its cache bundle is
                // not up yet, or restarting) never reached the cache; any other 503 means the outcome is unknown.
                .definiteFailures(e -> e instanceof java.net.ConnectException
                        || e instanceof CacheHttp.Failed f && (f.status == 400 || f.status == 404
                                || f.status == 503 && f.getMessage().contains("\"api-down\"")))
                .workload(c -> {
                    CacheHttp node = nodes.get(Integer.parseInt(c.process().substring(1)) % nodes.size());
                    String key = "k" + c.random().nextInt(4);
                    if (c.random().nextInt(10) < 6) {
                        c.call(RegisterOps.read(key), () -> node.get(CACHE, key));
                    } else {
                        String value = c.process() + "." + c.random().nextInt(1_000_000);
                        c.call(RegisterOps.write(key, value), () -> {
                            node.put(CACHE, key, value);
                            return null;
                        });
                    }
                })
                .checker(new LinearizabilityChecker());
    }

    static void check(ScenarioReport report, String file, List<CacheHttp> nodes) throws Exception {
        Files.createDirectories(Nodes.reports());
        Files.writeString(Nodes.reports().resolve(file), report.summary() + "\n" + report.history().dump());
        System.out.println(report.summary());
        assertThat(report.valid()).as(report.summary()).isTrue();
        assertThat(report.outcomes()[0]).as("operations that succeeded").isGreaterThan(100);
        // The protocol was exercised: each node's MESI transitions, by cause, summed over the nodes.
        java.util.Map<String, Long> transitions = new java.util.TreeMap<>();
        java.util.Map<String, Long> causes = new java.util.TreeMap<>();
        for (CacheHttp node : nodes) {
            try {
                com.fasterxml.jackson.databind.JsonNode cache = node.stats(CACHE);
                System.out.println(node.node().id() + " " + cache.path("stats") + " lines " + cache.path("linesByState"));
                cache.path("transitions").fields().forEachRemaining(t -> {
                    transitions.merge(t.getKey(), t.getValue().asLong(), Long::sum);
                    causes.merge(t.getKey().substring(t.getKey().indexOf(' ') + 1), t.getValue().asLong(), Long::sum);
                });
            } catch (java.io.IOException e) {
                System.out.println(node.node().id() + ": " + e.getMessage());
            }
        }
        System.out.println("MESI transitions (all nodes): " + transitions);
        assertThat(causes).as("MESI transitions by cause").containsKeys("READ_MISS", "INVALIDATION", "DOWNGRADE");
        assertThat(causes.keySet()).as("writes obtained M").containsAnyOf("WRITE_MISS", "UPGRADE");
    }

    static Duration at(Duration run, int percent) {
        return run.multipliedBy(percent).dividedBy(100);
    }
}
