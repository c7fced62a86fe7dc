package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.redisson.config.Config;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.LocalRedisCluster;

/**
 * The queue on a real Redis Cluster of three masters ({@link LocalRedisCluster}): three queue node processes whose
 * {@code etc/io.dsync.redis.cfg} says {@code mode = CLUSTER} run the queue workload (producers and consumers through
 * the real {@code ClientQueueService}), and the queue checker must find nothing acknowledged lost, nothing invented
 * and same-key order kept. Then Redis itself is asked where the keys are: each partition's keys (meta, stream,
 * attempts, dedup) live on the one master that serves their hash tag {@code {queue/partition}}, and the partitions of
 * the queue spread over more than one master, so that every fenced batch script ran against keys of one slot while
 * the queue as a whole used several shards.
 *
 * <p>Runs 20 s by default; {@code -Ddsync.scenario.seconds=N} runs it longer.
 */
class QueueRedisClusterIT extends ClusterTest {

    private LocalRedisCluster redis;

    @Test
    void theQueueLosesNothingOnARedisClusterAndSpreadsItsPartitionsOverTheMasters() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(20, Integer.getInteger("dsync.scenario.seconds", 20)));
        redis = LocalRedisCluster.start(dir.resolve("redis"), 3);
        redisOfTheTest = redis;
        System.out.printf("[cluster] %s on ports %s%n", redis.kind(), redis.ports());
        Path home = Nodes.homeOnRedisCluster(dir.resolve("home"), redis.addresses());
        // --redis only feeds ${dsync.redis.address}, which this configuration does not use.
        cluster = LocalCluster.builder(home, dir).cluster("queuecluster").redis(redis.addresses().get(0))
                .nodes("queue", 3, "queue").start();
        for (ClusterNode node : cluster.nodes()) {
            assertThat(Nodes.health(node).path("redis").path("endpoint").asText()).as("%s uses the cluster", node.id())
                    .isEqualTo("cluster " + String.join(",", redis.addresses()));
        }

        Config clients = new Config();
        clients.useClusterServers().addNodeAddress(redis.addresses().toArray(String[]::new));
        QueueWorkload.run(cluster, clients, "queue-redis-cluster", "queue on a Redis Cluster of three masters", run, s -> s);

        Map<Integer, List<String>> keys = redis.keys("dsync:queuecluster:q:*");
        System.out.printf("[cluster] queue keys by master: %s%n", keys);
        Set<Integer> mastersUsed = new HashSet<>();
        for (int p = 0; p < 8; p++) {
            String tag = "{" + QueueWorkload.QUEUE + "/" + p + "}";
            int master = redis.portOfSlot(redis.slot("dsync:queuecluster:q:" + tag + ":meta"));
            for (var e : keys.entrySet()) {
                List<String> ofPartition = e.getValue().stream().filter(k -> k.contains(tag)).toList();
                if (e.getKey() == master) {
                    assertThat(ofPartition).as("partition %d's keys on the master of its slot", p)
                            .contains("dsync:queuecluster:q:" + tag + ":meta", "dsync:queuecluster:q:" + tag + ":s");
                } else {
                    assertThat(ofPartition).as("partition %d's keys on master :%d", p, e.getKey()).isEmpty();
                }
            }
            mastersUsed.add(master);
        }
        assertThat(mastersUsed).as("the queue's 8 partitions spread over the masters").hasSizeGreaterThan(1);
        assertThat(keys.values().stream().filter(k -> !k.isEmpty()).count()).as("masters holding queue keys")
                .isEqualTo(mastersUsed.size());
    }
}
