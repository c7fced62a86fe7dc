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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.ClusterNode;

/**
 * Settings an operator changes in {@code etc/} apply at once, with no restart of the node or of the components that
 * use them. The node's one admin token lives in {@code etc/io.dsync.admin.cfg}: an operator who changes it there
 * changes it at once, for every API of the node (the bundle API of the admin bundle and the lock API of the lock
 * client alike). The node runs from a distribution of its own ({@link Nodes#privateHome}), because every node
 * started from one distribution watches the same {@code etc/}.
 */
class AdminTokenReloadIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private ClusterNode node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            Nodes.close(node);
        }
    }

    @Test
    void aTokenChangedInEtcAppliesAtOnceWithoutARestart() throws Exception {
        Path home = Nodes.privateHome(dir.resolve("home"));
        node = Nodes.start(home, dir, "it-token", "queue", TestRedis.get().address(), "first-token");
        node.awaitHealthy(Duration.ofSeconds(90));
        long pid = node.pid();
        // A harmless write: starting a bundle that is already active changes nothing.
        String start = "/bundles/" + bundleId("io.dsync.queue.api") + "/start";
        assertThat(post(start, "first-token").statusCode()).isEqualTo(200);
        assertThat(post(start, "second-token").statusCode()).isEqualTo(401);
        // The lock API checks the same token. This node has no lock group to open a session in, so an accepted token
        // is answered 503 no-quorum, a refused one 401.
        String lockSession = "/lock/sessions?ttlMs=5000";
        assertThat(post(lockSession, "second-token").statusCode()).isEqualTo(401);
        assertThat(post(lockSession, "first-token").statusCode()).isNotEqualTo(401);

        changeToken(home, "second-token");

        // While the change is picked up, /bundles answers throughout: 200 for the token in force, 401 for the other,
        // never a 404 or 503 of a servlet that went away.
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            int status = post(start, "second-token").statusCode();
            seen.add(status);
            return status == 200;
        });
        assertThat(seen).isSubsetOf(200, 401);

        HttpResponse<String> old = post(start, "first-token");
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(old.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"dsync\"");
        JsonNode refusal = Nodes.JSON.readTree(old.body());
        assertThat(refusal.path("error").asText()).isEqualTo("token");
        assertThat(refusal.path("message").asText()).isEqualTo("wrong admin token");
        assertThat(post(start, "second-token").statusCode()).isEqualTo(200);
        assertThat(post(lockSession, "first-token").statusCode()).isEqualTo(401);
        assertThat(post(lockSession, "second-token").statusCode()).isNotEqualTo(401);

        assertThat(node.isAlive()).isTrue();
        assertThat(node.pid()).as("the same process: no restart").isEqualTo(pid);
        String log = Files.readString(node.dataDir().resolve("node.log"));
        assertThat(log).contains("the admin token changed").doesNotContain("second-token");
        assertThat(Nodes.health(node).path("status").asText()).isEqualTo("UP");
    }

    /** Written beside and moved in whole (FileInstall only reads *.cfg), so the watcher never sees half a file. */
    private static void changeToken(Path home, String token) throws IOException {
        Path cfg = home.resolve("etc/io.dsync.admin.cfg");
        String before = Files.readString(cfg);
        assertThat(before).contains("token = ${dsync.admin.token}");
        Path tmp = cfg.resolveSibling("io.dsync.admin.cfg.tmp");
        Files.writeString(tmp, before.replace("token = ${dsync.admin.token}", "token = " + token));
        Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aTokenChangeLeavesTheConsoleServingItsSignedInUsers() throws Exception {
        Path home = Nodes.privateHome(dir.resolve("home"));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        node = Nodes.start(home, dir, "it-console-token", "console", TestRedis.get().address(), "first-token",
                "--console-port", Integer.toString(port));
        node.awaitHealthy(Duration.ofSeconds(90));
        Path log = node.dataDir().resolve("node.log");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("Console: serving"));
        changeToken(home, "second-token");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("the admin token changed"));
        // Configuration Admin hands the new token to every component of the PID at about the same time; before, the
        // console's component was one of them, and stopped and started again (every user signed out).
        Thread.sleep(2000);
        String after = Files.readString(log);
        assertThat(after).doesNotContain("Console: stopped");
        assertThat(after.split("Console: serving", -1)).as("the console started once").hasSize(2);
        HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(200);
    }

    @Test
    void aRegistrySettingChangedInEtcAppliesWithoutReplacingTheRegistry() throws Exception {
        Path home = Nodes.privateHome(dir.resolve("home"));
        node = Nodes.start(home, dir, "it-registry", "queue", TestRedis.get().address(), "token");
        node.awaitHealthy(Duration.ofSeconds(90));
        Path cfg = home.resolve("etc/io.dsync.registry.cfg");
        Path tmp = cfg.resolveSibling("io.dsync.registry.cfg.tmp");
        Files.writeString(tmp, "heartbeatMillis = 500\nmissedHeartbeats = 6\n");
        Files.move(tmp, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path log = node.dataDir().resolve("node.log");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("heartbeat every 500 ms")
                || Files.readString(log).contains("left cluster"));
        // Before, SCR replaced the registry component, and with it every component that uses it: the node left the
        // registry (and joined again), and its lock client closed every session, releasing the locks held through it.
        assertThat(Files.readString(log)).doesNotContain("left cluster")
                .contains("Registry: a heartbeat every 500 ms, entries live 3500 ms");
        assertThat(Nodes.health(node).path("status").asText()).isEqualTo("UP");
    }

    private long bundleId(String symbolicName) throws Exception {
        for (JsonNode b : Nodes.JSON.readTree(node.get("/bundles").body()).path("bundles")) {
            if (symbolicName.equals(b.path("symbolicName").asText())) {
                return b.path("id").asLong();
            }
        }
        throw new AssertionError("no bundle " + symbolicName + " among " + List.of(node.get("/bundles").body()));
    }

    private HttpResponse<String> post(String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
