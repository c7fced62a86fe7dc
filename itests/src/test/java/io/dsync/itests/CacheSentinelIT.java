package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.LocalRedisSentinel;
import io.dsync.testkit.check.RegisterOps;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * A Redis failover under the cache: three cache node processes reach Redis through a sentinel, with
 * {@code replicaAcks = 1} (main memory's scripts and the ring the homes act on wait for the replica), while clients on
 * every node read and write four registers of a write-through cache. The primary is killed with SIGKILL, the sentinel
 * promotes the replica, and the old primary comes back, empty, as its replica. Every read must return the latest
 * write (the linearizability checker), and writes succeed again once a replica is back: with one replica, the new
 * primary confirms nothing until then, so the homes grant nothing meanwhile.
 */
class CacheSentinelIT extends ClusterTest {

    private LocalRedisSentinel redis;

    @Test
    void aWriteThroughCacheStaysLinearizableWhenTheRedisPrimaryFailsOver() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(24, Integer.getInteger("dsync.scenario.seconds", 24)));
        redis = LocalRedisSentinel.start(dir.resolve("redis"));
        redisOfTheTest = redis;
        System.out.printf("[cache-sentinel] %s: primary :%d, servers %s, sentinel :%d%n", redis.kind(),
                redis.primaryPort(), redis.dataPorts(), redis.sentinelPort());
        Path home = Nodes.homeOnSentinel(dir.resolve("home"), redis);
        Files.writeString(home.resolve("etc/io.dsync.cache.cfg"), String.join("\n",
                "replicaAcks = 1",
                "replicaTimeoutMillis = 1000",
                ""));
        // --redis only feeds ${dsync.redis.address}, which this configuration does not use.
        cluster = LocalCluster.builder(home, dir).cluster("cachesentinel").redis("redis://127.0.0.1:" + redis.primaryPort())
                .nodes("n", 3, "cache").start();
        for (ClusterNode node : cluster.nodes()) {
            assertThat(Nodes.health(node).path("redis").path("endpoint").asText()).as("%s uses the sentinel", node.id())
                    .isEqualTo("sentinel " + redis.masterName() + "@" + redis.sentinelAddress());
        }
        List<CacheHttp> nodes = CacheScenarioIT.ready(cluster, "write-through");
        int[] killed = new int[1];
        long[] killedAt = new long[1];
        String back = "the old primary back as a replica";
        ScenarioReport report = CacheScenarioIT.registers("cache registers through a Redis failover", nodes, run)
                .fault(CacheScenarioIT.at(run, 25), "kill -9 the Redis primary", () -> {
                    killed[0] = redis.killPrimary();
                    killedAt[0] = System.nanoTime();
                })
                .fault(CacheScenarioIT.at(run, 26), "the sentinel promotes the replica", () -> {
                    int promoted = redis.awaitFailover(killed[0], Duration.ofSeconds(30));
                    System.out.printf("[cache-sentinel] :%d is the primary %d ms after the kill%n", promoted,
                            (System.nanoTime() - killedAt[0]) / 1_000_000);
                })
                .fault(CacheScenarioIT.at(run, 45), back, () -> redis.restartAsReplica(killed[0]))
                .settleAfterFaults(Duration.ofSeconds(8))
                .run();
        for (String fault : List.of("kill -9 the Redis primary", "the sentinel promotes the replica", back)) {
            assertThat(report.fault(fault).orElseThrow().error()).as(fault).isNull();
        }
        CacheScenarioIT.check(report, "cache-sentinel.txt", nodes);
        ScenarioReport.Fault replica = report.fault(back).orElseThrow();
        long replicaBack = replica.startedNanos() + replica.tookNanos();
        Optional<Call> write = report.history().calls().stream()
                .filter(c -> c.isOk() && RegisterOps.WRITE.equals(c.type()) && c.invokeTime() >= replicaBack)
                .min(Comparator.comparingLong(Call::completionTime));
        assertThat(write).as("a write succeeds once a replica is back").isPresent();
        System.out.printf("[cache-sentinel] first write after the replica came back completed %d ms after it%n",
                (write.get().completionTime() - replicaBack) / 1_000_000);
    }
}
