package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The console bundle is hot-swappable like the others: stopped through the admin API it frees its port at once and
 * leaves no thread of its own (its Jetty, Vaadin's push scheduler, its cluster monitor and probes); started again and
 * updated three times in a row it serves again after each, with no more threads than before.
 */
class ConsoleBundleIT extends ClusterTest {

    private static final String TOKEN = "console-bundle-token";
    private static final String CONSOLE = "io.dsync.console";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theConsoleStopsStartsAndUpdatesWithoutKeepingItsPortOrThreads() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("consoleswap").adminToken(TOKEN)
                .node("console-1", "console").start();
        ClusterNode node = cluster.node("console-1");
        String signIn = cluster.consoleUrl("console-1") + "login";
        awaitServing(signIn);
        // The monitor's pool of 4 probers starts a thread for each of its first 4 polls (one a second).
        Map<String, Integer> before = await("the console's threads in full").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(500)).until(() -> consoleThreads(node),
                        t -> t.getOrDefault("dsync-console-probe-N", 0) == 4 && t.containsKey("dsync-console-monitor"));

        long id = Nodes.bundle(node, CONSOLE).path("id").asLong();
        long t0 = System.nanoTime();
        assertThat(action(node, id, "stop").statusCode()).isEqualTo(200);
        assertThat(Nodes.bundle(node, CONSOLE).path("state").asText()).isEqualTo("RESOLVED");
        assertThat(refused(signIn)).as("the port is free once the stop returned").isTrue();
        await("no thread of the stopped console").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> consoleThreads(node).isEmpty());
        System.out.printf("[console-bundle] stopped, port free and no console thread after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);

        assertThat(action(node, id, "start").statusCode()).isEqualTo(200);
        awaitServing(signIn);
        for (int i = 1; i <= 3; i++) {
            long modified = Nodes.bundle(node, CONSOLE).path("lastModified").asLong();
            t0 = System.nanoTime();
            assertThat(action(node, id, "update").statusCode()).isBetween(200, 202);
            await("update " + i + " active").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        JsonNode b = Nodes.bundle(node, CONSOLE);
                        return "ACTIVE".equals(b.path("state").asText()) && b.path("lastModified").asLong() > modified;
                    });
            awaitServing(signIn);
            System.out.printf("[console-bundle] update %d serving after %d ms%n", i, (System.nanoTime() - t0) / 1_000_000);
        }
        await("no more console threads than before the updates").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    Map<String, Integer> now = consoleThreads(node);
                    now.forEach((name, count) -> assertThat(count).as(name + " in " + now + ", before " + before)
                            .isLessThanOrEqualTo(before.getOrDefault(name, 0)));
                });
        assertThat(node.get("/health").statusCode()).isEqualTo(200);
    }

    /** The console's threads by name, numbers folded ({@code dsync-console-http-137} counts as {@code -N}). */
    private static Map<String, Integer> consoleThreads(ClusterNode node) throws IOException, InterruptedException {
        Map<String, Integer> console = new TreeMap<>();
        Nodes.threads(node).forEach((name, count) -> {
            if (name.startsWith("dsync-console") || name.startsWith("Atmosphere")) {
                console.merge(name.replaceAll("-acceptor-.*", "-acceptor").replaceAll("\\d+", "N"), count, Integer::sum);
            }
        });
        return console;
    }

    private static HttpResponse<String> action(ClusterNode node, long id, String action) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/" + id + "/" + action)))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitServing(String url) {
        await("the console serves " + url).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    private static boolean refused(String url) throws InterruptedException {
        try {
            HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return e.getCause() instanceof ConnectException;
        }
    }
}
