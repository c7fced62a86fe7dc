package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devredis.LocalRedis;
import io.dsync.platform.NodeLauncher;

/** Starting and stopping nodes as processes: clean stop, crash, Redis absent at start, bad command lines. */
class NodeLifecycleIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsTheNodeCleanlyAndItLeavesTheRegistryAtOnce() throws Exception {
        String redis = TestRedis.get().address();
        try (NodeProcess node = NodeProcess.start(dir, "it-stop", "queue,cache", redis, null)) {
            awaitUp(node);
            assertThat(listed(redis, "it-stop")).isTrue();
            int exit = node.stop(Duration.ofSeconds(45));
            assertThat(exit).as("exit code after SIGTERM (143 = terminated by the signal, after the shutdown hook)").isIn(0, 143);
            assertThat(listed(redis, "it-stop")).as("deregistered on a clean stop, without waiting for the TTL").isFalse();
            assertThat(NodeLauncher.isPortFree("127.0.0.1", node.adminPort)).isTrue();
            assertThat(java.nio.file.Files.readString(node.data.resolve("node.log"))).contains("Node 'it-stop' stopped");
        }
    }

    @Test
    void aKilledNodeDisappearsFromTheRegistryWithinAFewHeartbeats() throws Exception {
        String redis = TestRedis.get().address();
        try (NodeProcess node = NodeProcess.start(dir, "it-kill", "lock", redis, null)) {
            awaitUp(node);
            assertThat(listed(redis, "it-kill")).isTrue();
            node.kill();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() -> !listed(redis, "it-kill"));
            // TTL is 5 heartbeats of 1 s; reading takes a moment: anything much later means the TTL is not applied.
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(12));
        }
    }

    @Test
    void aNodeStartsWithoutRedisReportsItAndRecoversWhenRedisComesUp() throws Exception {
        int port = LocalRedis.freePort();
        try (NodeProcess node = NodeProcess.start(dir, "it-noredis", "cache", "redis://127.0.0.1:" + port, null)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode h = node.health();
                return h != null && h.path("bundles").size() > 0 && h.at("/redis/reachable").isBoolean();
            });
            JsonNode down = node.health();
            assertThat(down.path("status").asText()).isEqualTo("DEGRADED");
            assertThat(down.at("/redis/reachable").asBoolean()).isFalse();
            assertThat(node.get("/health").statusCode()).isEqualTo(503);
            assertThat(down.path("problems").toString()).contains("Redis unreachable");
            try (LocalRedis late = LocalRedis.start(port, LocalRedis.Flavor.AUTO)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> "UP".equals(node.health().path("status").asText()));
                assertThat(listed(late.address(), "it-noredis")).isTrue();
            }
        }
    }

    @Test
    void badCommandLinesGetClearErrors() throws Exception {
        Cli badRole = Cli.run("node", "--role", "bogus", "--id", "x");
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(badRole.err()).contains("unknown role 'bogus'; roles are lock, queue, cache, console").doesNotContain("Exception");

        Cli noRole = Cli.run("node", "--id", "x");
        assertThat(noRole.exitCode()).isEqualTo(2);
        assertThat(noRole.err()).contains("--role");

        Cli badId = Cli.run("node", "--role", "lock", "--id", "no spaces please");
        assertThat(badId.exitCode()).isEqualTo(2);
        assertThat(badId.err()).contains("node id must be 1 to 64 letters");

        Cli noRedis = Cli.run("status", "--redis", "redis://127.0.0.1:" + LocalRedis.freePort());
        assertThat(noRedis.exitCode()).isEqualTo(1);
        assertThat(noRedis.err()).contains("cannot reach Redis at").doesNotContain("\tat ");

        Cli help = Cli.run("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("node").contains("demo").contains("status");
    }

    private static void awaitUp(NodeProcess node) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode h = node.health();
            return h != null && "UP".equals(h.path("status").asText());
        });
    }

    private static boolean listed(String redis, String id) throws Exception {
        Cli status = Cli.run("status", "--redis", redis, "--cluster", "it", "--json");
        assertThat(status.exitCode()).as(status.err()).isZero();
        for (JsonNode n : NodeProcess.JSON.readTree(status.out())) {
            if (id.equals(n.path("id").asText())) {
                return true;
            }
        }
        return false;
    }
}
