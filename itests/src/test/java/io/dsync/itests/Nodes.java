package io.dsync.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.stream.Stream;

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

    /**
     * A distribution of the test's own in {@code dir}: copies of the built one's {@code bin/} and {@code etc/}, an
     * empty {@code deploy/}, and links to everything else ({@code lib/}, {@code bundles/}). FileInstall watches
     * {@code <home>/etc}, so every node started from one home, every node of a {@code LocalCluster} included, shares
     * those files; a test that edits one starts its nodes from a home of its own and leaves other tests' nodes alone.
     * ({@code bin/dsync} finds its home from its own path, resolving links: hence a copy, not a link.)
     */
    /**
     * A private copy of the distribution (see {@link #privateHome}) whose nodes use a Redis Cluster: its
     * {@code etc/io.dsync.redis.cfg} says {@code mode = CLUSTER} with these nodes.
     */
    static Path homeOnRedisCluster(Path dir, java.util.List<String> addresses) throws IOException {
        Path home = privateHome(dir);
        Files.writeString(home.resolve("etc/io.dsync.redis.cfg"), String.join("\n",
                "mode = CLUSTER",
                "nodes = " + String.join(",", addresses),
                "connectTimeoutMillis = 2000",
                "timeoutMillis = 3000",
                "retryAttempts = 3",
                "healthTimeoutMillis = 1000",
                ""));
        return home;
    }

    static Path privateHome(Path dir) throws IOException {
        Path built = home();
        Files.createDirectories(dir.resolve("deploy"));
        Set<String> copied = Set.of("bin", "etc");
        try (Stream<Path> entries = Files.list(built)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (copied.contains(name)) {
                    copyFolder(entry, dir.resolve(name));
                } else if (!name.equals("deploy") && !name.equals("data")) {
                    Files.createSymbolicLink(dir.resolve(name), entry);
                }
            }
        }
        return dir;
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** Starts {@code bin/dsync node} in cluster {@code it} on a free admin port. */
    static ClusterNode start(Path dir, String id, String roles, String redis, String token, String... args) throws IOException {
        return start(home(), dir, id, roles, redis, token, args);
    }

    /** Starts {@code bin/dsync node} of the distribution in {@code home}, in cluster {@code it} on a free admin port. */
    static ClusterNode start(Path home, Path dir, String id, String roles, String redis, String token, String... args) throws IOException {
        return new ClusterNode(home, dir, new ClusterNode.Spec(id, roles, LocalRedis.freePort(), redis, "it", token, null,
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
