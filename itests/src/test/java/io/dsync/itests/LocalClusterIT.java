package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.TcpProxy;
import io.dsync.platform.NodeLauncher;
import io.dsync.registry.NodeDirectory;
import io.dsync.registry.NodeInfo;

/**
 * The cluster harness with real faults: three node processes and a Redis, each node behind its own proxy to Redis.
 * A node is killed with SIGKILL and restarted on its data folder, another is partitioned from Redis and healed, a
 * third is frozen with SIGSTOP; Redis itself restarts. Every fault must show where an operator would look (health and
 * the registry), every recovery must happen without a restart, and nothing may be left running afterwards.
 */
class LocalClusterIT {

    @TempDir
    Path dir;

    LocalCluster cluster;
    RedissonClient redis;

    @AfterEach
    void tearDown(TestInfo test) throws Exception {
        if (redis != null) {
            redis.shutdown();
        }
        if (cluster != null) {
            cluster.collectLogs(Nodes.reports().resolve(test.getTestMethod().orElseThrow().getName()));
            cluster.close();
        }
    }

    /** @return the outages of Redis the node counted ({@code dsync.redis.outage}) */
    private static long redisOutages(ClusterNode node) throws Exception {
        return Nodes.JSON.readTree(node.get("/metrics").body()).path("timers").path("dsync.redis.outage").path("count")
                .asLong();
    }

    @Test
    void killPartitionPauseAndRedisRestartAreSeenAndRecoveredAndNothingIsLeftBehind() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("harness").proxied(true).nodes("n", 3, "lock").start();
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress());
        redis = Redisson.create(config);
        NodeDirectory registry = new NodeDirectory(redis, "harness");
        assertThat(ids(registry)).containsExactly("n-1", "n-2", "n-3");
        List<Long> pids = cluster.pids();
        List<Integer> ports = cluster.ports();
        assertThat(pids).hasSize(4);

        // kill -9: the node vanishes from the registry (its Redis connections died with it), then comes back on the same
        // data folder.
        ClusterNode n1 = cluster.node("n-1");
        long oldPid = n1.pid();
        n1.kill();
        assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        await().atMost(Duration.ofSeconds(15)).until(() -> !ids(registry).contains("n-1"));
        n1.restart().awaitHealthy(Duration.ofSeconds(90));
        assertThat(n1.pid()).isNotEqualTo(oldPid);
        await().atMost(Duration.ofSeconds(10)).until(() -> ids(registry).contains("n-1"));

        // Partition n-2 from Redis: it reports Redis unreachable and drops out of the registry; n-3 is untouched.
        ClusterNode n2 = cluster.node("n-2");
        long n2Outages = redisOutages(n2);
        long n3Outages = redisOutages(cluster.node("n-3"));
        cluster.link("n-2").cut(TcpProxy.Direction.BOTH);
        await().atMost(Duration.ofSeconds(20)).until(() -> !n2.isHealthy() && !ids(registry).contains("n-2"));
        assertThat(Nodes.health(n2).at("/redis/reachable").asBoolean()).isFalse();
        assertThat(cluster.node("n-3").isHealthy()).isTrue();
        cluster.link("n-2").heal();
        await().atMost(Duration.ofSeconds(30)).until(() -> n2.isHealthy() && ids(registry).contains("n-2"));
        // The partition recovery time as n-2 saw it: one outage of Redis, recorded once Redis answered again.
        await().atMost(Duration.ofSeconds(5)).until(() -> redisOutages(n2) == n2Outages + 1);
        assertThat(redisOutages(cluster.node("n-3"))).as("n-3 kept its Redis").isEqualTo(n3Outages);

        // One-way cut: requests reach Redis, answers do not. The node must notice just the same.
        cluster.link("n-2").cut(TcpProxy.Direction.DOWNSTREAM);
        await().atMost(Duration.ofSeconds(20)).until(() -> !n2.isHealthy());
        cluster.healAll();
        await().atMost(Duration.ofSeconds(30)).until(n2::isHealthy);

        // SIGSTOP longer than the registry TTL: peers see the node gone; SIGCONT brings it back by itself.
        ClusterNode n3 = cluster.node("n-3");
        n3.pause();
        await().atMost(Duration.ofSeconds(15)).until(() -> !ids(registry).contains("n-3"));
        n3.resume();
        await().atMost(Duration.ofSeconds(15)).until(() -> ids(registry).contains("n-3") && n3.isHealthy());

        // Redis restart (empty): every node reconnects and registers again without a restart.
        cluster.stopRedis();
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.nodes().stream().noneMatch(ClusterNode::isHealthy));
        cluster.startRedis();
        await().atMost(Duration.ofSeconds(40)).until(() -> cluster.nodes().stream().allMatch(ClusterNode::isHealthy));
        await().atMost(Duration.ofSeconds(10)).until(() -> ids(registry).size() == 3);

        // Shut down: no process of the cluster and none of its ports may remain.
        List<Long> finalPids = cluster.pids();
        redis.shutdown();
        redis = null;
        cluster.close();
        cluster = null;
        for (long pid : union(pids, finalPids)) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("process " + pid + " still alive").isFalse();
        }
        for (int port : ports) {
            assertThat(NodeLauncher.isPortFree("127.0.0.1", port)).as("port " + port + " still bound").isTrue();
        }
    }

    private static Set<Long> union(List<Long> a, List<Long> b) {
        Set<Long> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> ids(NodeDirectory registry) {
        try {
            return registry.list().stream().map(NodeInfo::id).collect(Collectors.toList());
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
