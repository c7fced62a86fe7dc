package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.LocalRedisCluster;
import io.dsync.testkit.scenario.ScenarioReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cache unchanged on a real Redis Cluster of three masters ({@link LocalRedisCluster}): three cache node processes
 * whose {@code etc/io.dsync.redis.cfg} says {@code mode = CLUSTER} run the register workload, which must stay
 * linearizable; then Redis is asked where main memory is: every key's hash lives on the master of its own hash tag
 * {@code {cache:key}} (so each fenced script ran on one slot), and the keys spread over more than one master.
 *
 * <p>Runs 12 s by default; {@code -Ddsync.scenario.seconds=N} runs it longer.
 */
class CacheRedisClusterIT extends ClusterTest {

    private LocalRedisCluster redis;

    @Test
    void theCacheStaysLinearizableOnARedisClusterAndSpreadsMainMemoryOverTheMasters() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(12, Integer.getInteger("dsync.scenario.seconds", 12)));
        redis = LocalRedisCluster.start(dir.resolve("redis"), 3);
        redisOfTheTest = redis;
        Path home = Nodes.homeOnRedisCluster(dir.resolve("home"), redis.addresses());
        cluster = LocalCluster.builder(home, dir).cluster("cachecluster").redis(redis.addresses().get(0))
                .nodes("n", 3, "cache").start();
        for (ClusterNode node : cluster.nodes()) {
            assertThat(Nodes.health(node).path("redis").path("endpoint").asText()).as("%s uses the cluster", node.id())
                    .isEqualTo("cluster " + String.join(",", redis.addresses()));
        }
        List<CacheHttp> nodes = CacheScenarioIT.ready(cluster, "write-through");
        ScenarioReport report = CacheScenarioIT.registers("cache registers on a Redis Cluster", nodes, run).run();
        CacheScenarioIT.check(report, "cache-redis-cluster.txt", nodes);

        Map<Integer, List<String>> keys = redis.keys("dsync:cachecluster:cache:{*");
        System.out.printf("[cluster] main memory keys by master: %s%n", keys);
        long mastersUsed = keys.values().stream().filter(k -> !k.isEmpty()).count();
        assertThat(mastersUsed).as("main memory spread over the masters").isGreaterThan(1);
        for (var e : keys.entrySet()) {
            for (String key : e.getValue()) {
                assertThat(redis.portOfSlot(redis.slot(key))).as("%s on the master of its slot", key)
                        .isEqualTo(e.getKey());
            }
        }
        assertThat(keys.values().stream().mapToLong(List::size).sum()).as("the registers and warm-up keys")
                .isGreaterThanOrEqualTo(16);
    }
}
