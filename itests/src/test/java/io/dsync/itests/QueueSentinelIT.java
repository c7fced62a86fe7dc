package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.LocalRedisSentinel;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * A Redis failover under load: three queue node processes reach Redis through a sentinel ({@code mode = SENTINEL} in
 * their {@code etc/io.dsync.redis.cfg}) and wait for one replica on every write ({@code replicaAcks = 1} in
 * {@code etc/io.dsync.queue.node.cfg}) while producers and consumers run. The harness kills the Redis primary with
 * SIGKILL; the sentinel promotes the replica; the killed server comes back, empty, as the new primary's replica. The
 * queue checker must find no acknowledged send lost (sends during the failover may fail or stay unknown), nothing
 * invented and same-key order kept, and sends must succeed again once a replica is back.
 *
 * <p>With one replica, {@code replicaAcks = 1} also means that between the failover and the old primary's return the
 * new primary has no replica to confirm writes, so the queue stores nothing then: writes wait for the replica's
 * return. {@code -Ddsync.sentinel.replicaAcks=0} runs the same scenario without {@code WAIT}, to look for the writes
 * a failover loses (a run by hand, not a CI test: whether a loss shows depends on timing).
 *
 * <p>Runs 30 s by default; {@code -Ddsync.scenario.seconds=N} runs it longer.
 */
class QueueSentinelIT extends ClusterTest {

    private LocalRedisSentinel redis;

    @Test
    void noAcknowledgedSendIsLostWhenTheRedisPrimaryFailsOver() throws Exception {
        Duration run = Duration.ofSeconds(Math.max(30, Integer.getInteger("dsync.scenario.seconds", 30)));
        int replicaAcks = Integer.getInteger("dsync.sentinel.replicaAcks", 1);
        redis = LocalRedisSentinel.start(dir.resolve("redis"));
        redisOfTheTest = redis;
        System.out.printf("[sentinel] %s: primary :%d, servers %s, sentinel :%d; replicaAcks = %d%n", redis.kind(),
                redis.primaryPort(), redis.dataPorts(), redis.sentinelPort(), replicaAcks);
        Path home = Nodes.homeOnSentinel(dir.resolve("home"), redis);
        Files.writeString(home.resolve("etc/io.dsync.queue.node.cfg"), String.join("\n",
                "replicaAcks = " + replicaAcks,
                "replicaTimeoutMillis = 1000",
                ""));
        // --redis only feeds ${dsync.redis.address}, which this configuration does not use.
        cluster = LocalCluster.builder(home, dir).cluster("queuesentinel").redis("redis://127.0.0.1:" + redis.primaryPort())
                .nodes("queue", 3, "queue").start();
        for (ClusterNode node : cluster.nodes()) {
            assertThat(Nodes.health(node).path("redis").path("endpoint").asText()).as("%s uses the sentinel", node.id())
                    .isEqualTo("sentinel " + redis.masterName() + "@" + redis.sentinelAddress());
        }

        Config clients = new Config();
        clients.useSentinelServers().setMasterName(redis.masterName()).addSentinelAddress(redis.sentinelAddress())
                .setCheckSentinelsList(false).setReadMode(ReadMode.MASTER);
        int[] killed = new int[1];
        long[] killedAt = new long[1];
        ScenarioReport report = QueueWorkload.run(cluster, clients, "queue-sentinel-acks" + replicaAcks,
                "queue through a Redis failover, replicaAcks = " + replicaAcks, run, s -> s
                        .fault(QueueScenarioIT.at(run, 20), "kill -9 the Redis primary", () -> {
                            killed[0] = redis.killPrimary();
                            killedAt[0] = System.nanoTime();
                            System.out.printf("[sentinel] killed the primary :%d%n", killed[0]);
                        })
                        .fault(QueueScenarioIT.at(run, 21), "the sentinel promotes the replica", () -> {
                            int promoted = redis.awaitFailover(killed[0], Duration.ofSeconds(30));
                            System.out.printf("[sentinel] :%d is the primary %d ms after the kill%n", promoted,
                                    (System.nanoTime() - killedAt[0]) / 1_000_000);
                        })
                        .fault(QueueScenarioIT.at(run, 35), "the old primary back as a replica", () -> {
                            redis.restartAsReplica(killed[0]);
                            System.out.printf("[sentinel] :%d replicates :%d again, %d ms after the kill%n", killed[0],
                                    redis.primaryPort(), (System.nanoTime() - killedAt[0]) / 1_000_000);
                        }));
        for (String fault : new String[] {"kill -9 the Redis primary", "the sentinel promotes the replica",
                "the old primary back as a replica"}) {
            assertThat(report.fault(fault).orElseThrow().error()).as(fault).isNull();
        }
        ScenarioReport.Fault back = report.fault("the old primary back as a replica").orElseThrow();
        assertThat(report.recoveryNanos(back)).as("messages are sent and acknowledged again once a replica is back")
                .isPresent();
    }
}
