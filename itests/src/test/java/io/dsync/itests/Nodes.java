package io.dsync.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
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
     * A private copy of the distribution (see {@link #privateHome}) whose nodes use a Redis Cluster: its
     * {@code etc/io.dsync.redis.cfg} says {@code mode = CLUSTER} with these nodes.
     */
    static Path homeOnRedisCluster(Path dir, java.util.List<String> addresses) throws IOException {
        return homeWithRedis(dir, "mode = CLUSTER", "nodes = " + String.join(",", addresses));
    }

    /**
     * A private copy of the distribution (see {@link #privateHome}) whose nodes reach Redis through the sentinel of
     * {@code redis}: its {@code etc/io.dsync.redis.cfg} says {@code mode = SENTINEL}.
     */
    static Path homeOnSentinel(Path dir, io.dsync.devkit.LocalRedisSentinel redis) throws IOException {
        return homeWithRedis(dir, "mode = SENTINEL", "masterName = " + redis.masterName(),
                "nodes = " + redis.sentinelAddress());
    }

    /** A private home whose {@code etc/io.dsync.redis.cfg} has these lines and timeouts fit for failovers in tests. */
    private static Path homeWithRedis(Path dir, String... lines) throws IOException {
        Path home = privateHome(dir);
        java.util.List<String> cfg = new java.util.ArrayList<>(java.util.List.of(lines));
        cfg.addAll(java.util.List.of("connectTimeoutMillis = 2000", "timeoutMillis = 3000", "retryAttempts = 3",
                "healthTimeoutMillis = 1000", ""));
        Files.writeString(home.resolve("etc/io.dsync.redis.cfg"), String.join("\n", cfg));
        return home;
    }

    /**
     * A distribution of the test's own in {@code dir}: copies of the built one's {@code bin/} and {@code etc/}, an
     * empty {@code deploy/}, and links to everything else ({@code lib/}, {@code bundles/}). FileInstall watches
     * {@code <home>/etc}, so every node started from one home, every node of a {@code LocalCluster} included, shares
     * those files; a test that edits one starts its nodes from a home of its own and leaves other tests' nodes alone.
     * ({@code bin/dsync} finds its home from its own path, resolving links: hence a copy, not a link.)
     */
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

    /** @return the bundle {@code symbolicName} as the node's {@code GET /bundles} lists it */
    static JsonNode bundle(ClusterNode node, String symbolicName) throws Exception {
        for (JsonNode b : Nodes.JSON.readTree(node.get("/bundles").body()).path("bundles")) {
            if (symbolicName.equals(b.path("symbolicName").asText())) {
                return b;
            }
        }
        throw new AssertionError("no " + symbolicName + " bundle on " + node.id());
    }

    /**
     * The node's threads, counted by name (from {@code jstack}); the selector threads of {@code java.net.http} clients,
     * numbered per client, count under one name.
     */
    static Map<String, Integer> threads(ClusterNode node) throws IOException, InterruptedException {
        String dump = jdkTool("jstack", Long.toString(node.pid()));
        Map<String, Integer> names = new TreeMap<>();
        for (String line : dump.split("\n")) {
            if (line.startsWith("\"")) {
                String name = line.substring(1, line.indexOf('"', 1)).replaceAll("^HttpClient-\\d+-", "HttpClient-*-");
                names.merge(name, 1, Integer::sum);
            }
        }
        return names;
    }

    /**
     * The thread names the node runs more often now than before (dsync's own threads and HTTP clients' selectors):
     * a second thread of one name is a thread of a revision that was stopped, still running.
     */
    static Map<String, String> duplicated(Map<String, Integer> before, Map<String, Integer> now) {
        Map<String, String> more = new TreeMap<>();
        now.forEach((name, count) -> {
            int was = before.getOrDefault(name, 0);
            if ((name.startsWith("dsync-") || name.startsWith("HttpClient-")) && count > Math.max(1, was)) {
                more.put(name, was + " -> " + count);
            }
        });
        return more;
    }

    private static String jdkTool(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(tool + " " + List.of(args) + " failed: " + out);
        }
        return out;
    }
}
