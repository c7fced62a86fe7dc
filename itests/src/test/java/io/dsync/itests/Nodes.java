package io.dsync.itests;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalRedis;

/** Node processes for the tests, started from the built distribution. */
final class Nodes {

    static final ObjectMapper JSON = new ObjectMapper();

    private Nodes() {
    }

    /** @return the distribution folder the build made */
    static Path home() {
        return Path.of(System.getProperty("dsync.distribution", "../distribution/target/dsync")).toAbsolutePath().normalize();
    }

    /** @return the folder where failed tests leave node logs */
    static Path reports() {
        return Path.of(System.getProperty("dsync.reports", "target/node-logs"));
    }

    /** Starts {@code bin/dsync node} in cluster {@code it} on a free admin port. */
    static ClusterNode start(Path dir, String id, String roles, String redis, String token, String... args) throws IOException {
        return new ClusterNode(home(), dir, new ClusterNode.Spec(id, roles, LocalRedis.freePort(), redis, "it", token, null,
                java.util.List.of(args))).start();
    }

    /** @return the parsed {@code /health}, or {@code null} while the node does not answer */
    static JsonNode health(ClusterNode node) {
        try {
            return JSON.readTree(node.get("/health").body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Stops the node and keeps its logs in the report folder. */
    static void close(ClusterNode node) throws Exception {
        node.copyLogs(reports());
        node.stop(java.time.Duration.ofSeconds(30));
    }
}
