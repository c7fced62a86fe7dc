package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;

/**
 * One node started from the distribution as its own process: health, the CLI's view of the registry, and the bundle
 * API — including the refusals, each of which must leave the node as it was.
 */
class NodeProcessIT {

    private static final String TOKEN = "it-secret-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    static ClusterNode node;

    @BeforeAll
    static void startNode() throws Exception {
        // A lock group of one (this node): a lock node waiting for two more would rightly be DEGRADED.
        node = Nodes.start(dir, "it-node", "lock", TestRedis.get().address(), TOKEN, "--deploy", dir.resolve("deploy").toString(),
                "--lock-group-size", "1");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode h = Nodes.health(node);
            return h != null && "UP".equals(h.path("status").asText());
        });
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (node != null) {
            Nodes.close(node);
        }
    }

    @Test
    void healthShowsEveryBundleActiveAndRedisReachable() throws Exception {
        HttpResponse<String> r = node.get("/health");
        JsonNode h = Nodes.JSON.readTree(r.body());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(h.path("node").asText()).isEqualTo("it-node");
        assertThat(h.path("roles").toString()).isEqualTo("[\"lock\"]");
        assertThat(h.at("/redis/reachable").asBoolean()).isTrue();
        assertThat(h.at("/registry/registered").asBoolean()).isTrue();
        assertThat(h.path("problems")).isEmpty();
        List<String> states = new ArrayList<>();
        h.path("bundles").forEach(b -> states.add(b.path("state").asText()));
        assertThat(states).hasSizeGreaterThan(20).containsOnly("ACTIVE");
    }

    @Test
    void statusCommandListsTheNode() throws Exception {
        Cli status = Cli.process("status", "--redis", TestRedis.get().address(), "--cluster", "it");
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains("it-node").contains("lock").contains("http://127.0.0.1:" + node.adminPort());
    }

    @Test
    void writesWithoutTheRightTokenAreRefusedAndChangeNothing() throws Exception {
        long id = bundleId("io.dsync.queue.api");
        HttpResponse<String> none = send("POST", "/bundles/" + id + "/stop", null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("missing admin token");
        HttpResponse<String> wrong = send("POST", "/bundles/" + id + "/stop", null, "not-the-token");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("wrong admin token");
        HttpResponse<String> upload = send("POST", "/bundles", Bundles.bundle("io.dsync.itests.sneaky", "1.0.0"), null);
        assertThat(upload.statusCode()).isEqualTo(401);
        assertThat(bundleStates()).doesNotContainKey("io.dsync.itests.sneaky").containsEntry("io.dsync.queue.api", "ACTIVE");
    }

    @Test
    void unknownBundlesAndPathsGet404() throws Exception {
        assertThat(node.get("/bundles/99999").statusCode()).isEqualTo(404);
        assertThat(node.get("/bundles/abc").statusCode()).isEqualTo(404);
        assertThat(send("POST", "/bundles/99999/start", null, TOKEN).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/bundles/1/explode", null, TOKEN).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/bundles", null, TOKEN).statusCode()).isEqualTo(405);
    }

    @Test
    void aPathNothingServesIsJson404AndAStoppedBundlesPathsAre503UntilItRunsAgain() throws Exception {
        HttpResponse<String> nothing = node.get("/nothing/here");
        assertThat(nothing.statusCode()).isEqualTo(404);
        assertThat(Nodes.JSON.readTree(nothing.body()).path("error").asText()).isEqualTo("no-api");

        long id = bundleId("io.dsync.queue.client");
        assertThat(node.get("/queue/queues").statusCode()).isEqualTo(200);
        assertThat(send("POST", "/bundles/" + id + "/stop", null, TOKEN).statusCode()).isEqualTo(200);
        try {
            HttpResponse<String> down = node.get("/queue/queues");
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            assertThat(down.headers().firstValue("Retry-After")).contains("1");
            JsonNode body = Nodes.JSON.readTree(down.body());
            assertThat(body.path("error").asText()).isEqualTo("api-down");
            assertThat(body.path("message").asText()).contains("/queue/queues").contains("took no effect");
        } finally {
            assertThat(send("POST", "/bundles/" + id + "/start", null, TOKEN).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> node.get("/queue/queues").statusCode() == 200);
    }

    @Test
    void uploadsThatAreNotBundlesGet400AndChangeNothing() throws Exception {
        Map<String, String> before = bundleStates();
        HttpResponse<String> garbage = send("POST", "/bundles", "this is not a jar".getBytes(), TOKEN);
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).contains("not a JAR");
        HttpResponse<String> empty = send("POST", "/bundles", new byte[0], TOKEN);
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("empty body");
        HttpResponse<String> noManifest = send("POST", "/bundles", Bundles.jarWithoutManifest(), TOKEN);
        assertThat(noManifest.statusCode()).isEqualTo(400);
        assertThat(noManifest.body()).contains("no META-INF/MANIFEST.MF");
        HttpResponse<String> plain = send("POST", "/bundles", Bundles.plainJar(), TOKEN);
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("no Bundle-SymbolicName");
        long id = bundleId("io.dsync.queue.api");
        HttpResponse<String> otherBundle = send("PUT", "/bundles/" + id, Bundles.bundle("io.dsync.itests.other", "1.0.0"), TOKEN);
        assertThat(otherBundle.statusCode()).isEqualTo(400);
        assertThat(otherBundle.body()).contains("install it with POST /bundles instead");
        assertThat(bundleStates()).isEqualTo(before);
    }

    @Test
    void theSystemAndAdminBundlesAreProtected() throws Exception {
        assertThat(send("POST", "/bundles/0/stop", null, TOKEN).statusCode()).isEqualTo(403);
        long admin = bundleId("io.dsync.admin");
        HttpResponse<String> r = send("POST", "/bundles/" + admin + "/stop", null, TOKEN);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(bundleStates()).containsEntry("io.dsync.admin", "ACTIVE");
        // What the admin API depends on, too: before, stopping io.dsync.http took every HTTP API of the node down,
        // /bundles included, so that nothing but a restart could start it again.
        long http = bundleId("io.dsync.http");
        HttpResponse<String> dependency = send("POST", "/bundles/" + http + "/stop", null, TOKEN);
        assertThat(dependency.statusCode()).as(dependency.body()).isEqualTo(409);
        assertThat(dependency.body()).contains("the admin API depends on it");
        assertThat(bundleStates()).containsEntry("io.dsync.http", "ACTIVE");
        assertThat(send("GET", "/bundles", null, TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void updatingOneBundleLeavesTheOthersActive() throws Exception {
        long id = bundleId("io.dsync.queue.api");
        long before = bundle(id).path("lastModified").asLong();
        Map<String, Long> ids = bundleIds();
        byte[] jar;
        try (Stream<Path> files = Files.list(Nodes.home().resolve("bundles/core"))) {
            jar = Files.readAllBytes(files.filter(f -> f.getFileName().toString().startsWith("dsync-queue-api-")).findFirst().orElseThrow());
        }
        HttpResponse<String> r = send("PUT", "/bundles/" + id, jar, TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode after = bundle(id);
        assertThat(after.path("state").asText()).isEqualTo("ACTIVE");
        assertThat(after.path("lastModified").asLong()).isGreaterThan(before);
        assertThat(bundleIds()).isEqualTo(ids);
        assertThat(bundleStates().values()).containsOnly("ACTIVE");
        assertThat(Nodes.health(node).path("status").asText()).isEqualTo("UP");

        HttpResponse<String> fromLocation = send("POST", "/bundles/" + id + "/update", null, TOKEN);
        assertThat(fromLocation.statusCode()).as(fromLocation.body()).isEqualTo(200);
        assertThat(bundleStates().values()).containsOnly("ACTIVE");
    }

    @Test
    void noOperationRunsWhileAnUpdateThatRestartsTheAdminApiIsUnderWay() throws Exception {
        long http = bundleId("io.dsync.http");
        long queueClient = bundleId("io.dsync.queue.client");
        HttpResponse<String> accepted = send("POST", "/bundles/" + http + "/update", null, TOKEN);
        // The admin API depends on io.dsync.http: the refresh restarts it, so the update runs after its 202 answer.
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        // Sent at once, while the refresh runs. Until 2026-12-07 the deferred update ran without the one-operation
        // permit, and this stop ran beside it (200).
        int status;
        try {
            status = send("POST", "/bundles/" + queueClient + "/stop", null, TOKEN).statusCode();
        } catch (IOException closedByTheRestart) {
            status = -1;
        }
        assertThat(status).as("a stop sent during the deferred update").isNotEqualTo(200);
        // Until /bundles is served again (its servlet registers a moment after /health) with every bundle running,
        // the queue client included: the stop took no effect.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> "UP".equals(Nodes.health(node).path("status").asText())
                        && bundleStates().values().stream().allMatch("ACTIVE"::equals));
        assertThat(bundleStates()).containsEntry("io.dsync.queue.client", "ACTIVE");
    }

    @Test
    void anUpdateRestartsTheBundleAndItsUsersOnce() throws Exception {
        long id = bundleId("io.dsync.messaging");
        long starts = messagingStarts();
        HttpResponse<String> r = send("POST", "/bundles/" + id + "/update", null, TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // Its users (the cache and queue clients) moved to the new revision with it: no second restart for them.
        assertThat(messagingStarts()).isEqualTo(starts + 1);
        assertThat(bundleStates().values()).containsOnly("ACTIVE");
        await().atMost(Duration.ofSeconds(30)).until(() -> "UP".equals(Nodes.health(node).path("status").asText()));
    }

    @Test
    void anUpdateThatItsUsersCannotRunWithIsUndone() throws Exception {
        long id = bundleId("io.dsync.queue.api");
        Map<String, String> before = bundleStates();
        // The same bundle without its packages: it resolves, but the queue client that imports them would not.
        HttpResponse<String> r = send("PUT", "/bundles/" + id, Bundles.bundle("io.dsync.queue.api", "1.99.0"), TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        assertThat(r.body()).contains("io.dsync.queue.client").contains("do not start with the new version")
                .contains("the previous version was restored");
        assertThat(bundleStates()).isEqualTo(before);
        assertThat(bundle(id).path("version").asText()).isNotEqualTo("1.99.0");
        await().atMost(Duration.ofSeconds(30)).until(() -> "UP".equals(Nodes.health(node).path("status").asText()));
    }

    private static long messagingStarts() throws IOException {
        try (Stream<String> lines = Files.lines(node.dataDir().resolve("node.log"))) {
            return lines.filter(l -> l.contains("Node messaging listens on")).count();
        }
    }

    @Test
    void aBundleCanBeInstalledStoppedStartedAndUninstalled() throws Exception {
        HttpResponse<String> installed = send("POST", "/bundles", Bundles.bundle("io.dsync.itests.tiny", "1.0.0"), TOKEN);
        assertThat(installed.statusCode()).as(installed.body()).isEqualTo(201);
        long id = Nodes.JSON.readTree(installed.body()).path("id").asLong();
        assertThat(bundle(id).path("state").asText()).isEqualTo("ACTIVE");

        HttpResponse<String> again = send("POST", "/bundles", Bundles.bundle("io.dsync.itests.tiny", "1.0.0"), TOKEN);
        assertThat(again.statusCode()).isEqualTo(409);
        HttpResponse<String> fromLocation = send("POST", "/bundles/" + id + "/update", null, TOKEN);
        assertThat(fromLocation.statusCode()).isEqualTo(409);
        assertThat(fromLocation.body()).contains("no-location").contains("PUT /bundles/" + id);

        assertThat(send("POST", "/bundles/" + id + "/stop", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(bundle(id).path("state").asText()).isEqualTo("RESOLVED");
        assertThat(send("POST", "/bundles/" + id + "/start", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(bundle(id).path("state").asText()).isEqualTo("ACTIVE");

        assertThat(send("DELETE", "/bundles/" + id, null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(node.get("/bundles/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void aBundleThatCannotResolveIsNotKept() throws Exception {
        Map<String, String> before = bundleStates();
        HttpResponse<String> r = send("POST", "/bundles",
                Bundles.bundle("io.dsync.itests.broken", "1.0.0", "Import-Package", "does.not.exist"), TOKEN);
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("does not start, so it was not kept").contains("does.not.exist");
        assertThat(bundleStates()).isEqualTo(before);
    }

    @Test
    void aBundleDroppedIntoDeployIsInstalledAndRemovedWithTheFile() throws Exception {
        Path jar = dir.resolve("deploy").resolve("hot.jar");
        Files.createDirectories(jar.getParent());
        Files.write(dir.resolve("hot.tmp"), Bundles.bundle("io.dsync.itests.hot", "1.0.0"));
        // Moved in whole, as an operator should, so the watcher never sees half a file.
        Files.move(dir.resolve("hot.tmp"), jar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(15)).until(() -> "ACTIVE".equals(bundleStates().get("io.dsync.itests.hot")));
        Files.delete(jar);
        await().atMost(Duration.ofSeconds(15)).until(() -> !bundleStates().containsKey("io.dsync.itests.hot"));
        assertThat(Nodes.health(node).path("status").asText()).isEqualTo("UP");
    }

    private static HttpResponse<String> send(String method, String path, byte[] body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode bundle(long id) throws Exception {
        HttpResponse<String> r = node.get("/bundles/" + id);
        assertThat(r.statusCode()).isEqualTo(200);
        return Nodes.JSON.readTree(r.body());
    }

    private static JsonNode bundles() throws Exception {
        return Nodes.JSON.readTree(node.get("/bundles").body()).path("bundles");
    }

    private static Map<String, String> bundleStates() throws Exception {
        Map<String, String> states = new TreeMap<>();
        bundles().forEach(b -> states.put(b.path("symbolicName").asText(), b.path("state").asText()));
        return states;
    }

    private static Map<String, Long> bundleIds() throws Exception {
        Map<String, Long> ids = new TreeMap<>();
        bundles().forEach(b -> ids.put(b.path("symbolicName").asText(), b.path("id").asLong()));
        return ids;
    }

    private static long bundleId(String symbolicName) throws Exception {
        Long id = bundleIds().get(symbolicName);
        assertThat(id).as("bundle " + symbolicName).isNotNull();
        return id;
    }
}
