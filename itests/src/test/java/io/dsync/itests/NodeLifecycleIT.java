package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalRedis;
import io.dsync.platform.NodeLauncher;

/** Starting and stopping nodes as processes: clean stop, crash, Redis absent at start, bad command lines. */
class NodeLifecycleIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheNodeCleanlyAndItLeavesTheRegistryAtOnce() throws Exception {
        String redis = TestRedis.get().address();
        ClusterNode node = Nodes.start(dir, "it-stop", "queue,cache", redis, null);
        try {
            node.awaitHealthy(Duration.ofSeconds(90));
            assertThat(listed(redis, "it-stop")).isTrue();
            int exit = node.stop(Duration.ofSeconds(45));
            assertThat(exit).as("exit code after SIGTERM (143 = terminated by the signal, after the shutdown hook)").isIn(0, 143);
            assertThat(listed(redis, "it-stop")).as("deregistered on a clean stop, without waiting for the TTL").isFalse();
            assertThat(NodeLauncher.isPortFree("127.0.0.1", node.adminPort())).isTrue();
            assertThat(java.nio.file.Files.readString(node.dataDir().resolve("node.log"))).contains("Node 'it-stop' stopped");
        } finally {
            Nodes.close(node);
        }
    }

    @Test
    void aKilledNodeDisappearsFromTheRegistryWithinAFewHeartbeats() throws Exception {
        String redis = TestRedis.get().address();
        ClusterNode node = Nodes.start(dir, "it-kill", "lock", redis, null, "--lock-group-size", "1");
        try {
            node.awaitHealthy(Duration.ofSeconds(90));
            assertThat(listed(redis, "it-kill")).isTrue();
            node.kill();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() -> !listed(redis, "it-kill"));
            // Its connections closed with it, so it goes after one missed heartbeat; else the TTL (5 heartbeats of
            // 1 s) removes it. Reading takes a moment: anything much later means neither works.
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(12));
        } finally {
            Nodes.close(node);
        }
    }

    @Test
    void aNodeStartsWithoutRedisReportsItAndRecoversWhenRedisComesUp() throws Exception {
        int port = LocalRedis.freePort();
        ClusterNode node = Nodes.start(dir, "it-noredis", "cache", "redis://127.0.0.1:" + port, null);
        try {
            AtomicReference<JsonNode> seen = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode h = Nodes.health(node);
                seen.set(h);
                // Started and configured: the Redis connection exists (it names its endpoint) and every bundle is up.
                return h != null && h.at("/redis/endpoint").isTextual() && h.path("problems").size() > 0
                        && h.path("problems").toString().indexOf("bundle ") < 0;
            });
            JsonNode down = seen.get();
            assertThat(down.path("status").asText()).isEqualTo("DEGRADED");
            assertThat(down.at("/redis/reachable").asBoolean()).isFalse();
            assertThat(node.get("/health").statusCode()).isEqualTo(503);
            assertThat(down.path("problems").toString()).contains("Redis unreachable");
            try (LocalRedis late = LocalRedis.start(port)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> "UP".equals(Nodes.health(node).path("status").asText()));
                assertThat(listed(late.address(), "it-noredis")).isTrue();
            }
        } finally {
            Nodes.close(node);
        }
    }

    @Test
    void badCommandLinesGetClearErrors() throws Exception {
        Cli badRole = Cli.process("node", "--role", "bogus", "--id", "x");
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(badRole.err()).contains("unknown role 'bogus'; roles are lock, queue, cache, console").doesNotContain("Exception");

        Cli noRole = Cli.process("node", "--id", "x");
        assertThat(noRole.exitCode()).isEqualTo(2);
        assertThat(noRole.err()).contains("--role");

        Cli badId = Cli.process("node", "--role", "lock", "--id", "no spaces please");
        assertThat(badId.exitCode()).isEqualTo(2);
        assertThat(badId.err()).contains("node id must be 1 to 64 letters");

        Cli noRedis = Cli.process("status", "--redis", "redis://127.0.0.1:" + LocalRedis.freePort());
        assertThat(noRedis.exitCode()).isEqualTo(1);
        assertThat(noRedis.err()).contains("cannot reach Redis at").doesNotContain("\tat ");

        Cli help = Cli.process("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("node").contains("demo").contains("status");
    }

    private static boolean listed(String redis, String id) throws Exception {
        Cli status = Cli.process("status", "--redis", redis, "--cluster", "it", "--json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        for (JsonNode n : Nodes.JSON.readTree(status.out())) {
            if (id.equals(n.path("id").asText())) {
                return true;
            }
        }
        return false;
    }
}
