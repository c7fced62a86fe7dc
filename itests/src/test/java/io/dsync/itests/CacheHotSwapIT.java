package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.testkit.scenario.ScenarioReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Hot swap of the cache's bundles under load, in a write-back cache (the mode where a stopping bundle has the most to
 * lose: its modified copies): six clients read and write registers through the cache HTTP API of three cache nodes
 * while {@code cache-node} (the homes) is updated on n-1, {@code cache-client} (the copies: written back when it
 * stops) on n-2 and {@code messaging} on n-3, each through the admin API. Every read must still return the latest
 * write (linearizable), each bundle must be ACTIVE again with a new revision and serve, and no thread of an old
 * revision may be left.
 */
class CacheHotSwapIT extends ClusterTest {

    private static final String TOKEN = "cache-hot-swap-token";
    private static final String CACHE_NODE = "io.dsync.cache.node";
    private static final String CACHE_CLIENT = "io.dsync.cache.client";
    private static final String MESSAGING = "io.dsync.messaging";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void updatingTheCacheBundlesUnderLoadLosesNoWrite() throws Exception {
        int seconds = Integer.getInteger("dsync.scenario.seconds", 24);
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("cachehotswap").adminToken(TOKEN)
                .nodes("n", 3, "cache").start();
        List<CacheHttp> nodes = CacheScenarioIT.ready(cluster, "write-back", TOKEN);
        Map<String, Map<String, Integer>> threadsBefore = new TreeMap<>();
        for (ClusterNode n : cluster.nodes()) {
            threadsBefore.put(n.id(), Nodes.threads(n));
        }
        Duration run = Duration.ofSeconds(seconds);
        ScenarioReport report;
        CacheProbe probe = new CacheProbe(nodes.subList(1, 3), 9);
        try (probe) {
            report = CacheScenarioIT.registers("write-back cache while its bundles are updated", nodes, run)
                .fault(CacheScenarioIT.at(run, 15), "update cache-node on n-1",
                        () -> update(cluster.node("n-1"), CACHE_NODE))
                .fault(CacheScenarioIT.at(run, 40), "update cache-client on n-2",
                        () -> update(cluster.node("n-2"), CACHE_CLIENT))
                .fault(CacheScenarioIT.at(run, 65), "update messaging on n-3",
                        () -> update(cluster.node("n-3"), MESSAGING))
                // An update returns once the bundle serves again; the restarted homes of n-1 and n-3 take their keys
                // up at once, with the records their previous bundles left (until 2026-12-06 calls on every key then
                // waited about 3 s while the homes waited out the old leases). Until 2026-12-04 a messaging
                // update restarted everything twice and calls could hang for an operation timeout
                // (docs/observations.md): 10 s leaves room to see them succeed, not for a hang.
                .settleAfterFaults(Duration.ofSeconds(10))
                .run();
        }
        CacheScenarioIT.check(report, "cache-hot-swap.txt", nodes);
        // The restarted homes of n-1 took their keys up from the previous bundle's handover, not the usual way (which
        // would still be correct, only slower: this is what keeps the updated node's keys from waiting out the old
        // leases). n-3's cache-node bundle restarts with the messaging bundle it uses, which takes longer: on a slow
        // machine its first ring read can come after the handover's limit (half a quarantine; seen once in CI,
        // 2026-12-08: 1.8 s for the update), and the node says so.
        assertThat(cluster.node("n-1").tail(20_000)).as("n-1's log").contains("where the previous cache-node bundle"
                + " left off");
        assertThat(cluster.node("n-3").tail(20_000)).as("n-3's log").containsAnyOf("where the previous cache-node"
                + " bundle left off", "its keys take the usual way and wait out its leases");
        // Clients c<i> call node n-<1 + i % 3>: those of each updated node succeed again after its update.
        List<String> faults = List.of("update cache-node on n-1", "update cache-client on n-2",
                "update messaging on n-3");
        for (int n = 0; n < 3; n++) {
            int node = n;
            var recovered = report.recoveryNanos(report.fault(faults.get(n)).orElseThrow(),
                    p -> Integer.parseInt(p.substring(1)) % 3 == node);
            assertThat(recovered).as("calls through n-%d succeed after: %s", n + 1, faults.get(n)).isPresent();
            System.out.printf("[cache-hot-swap] calls through n-%d succeed again %.0f ms after: %s%n", n + 1,
                    recovered.getAsLong() / 1e6, faults.get(n));
        }
        // Per probe key, the longest time without a successful write around the home's restart on n-1: its own keys
        // wait while no cache-node bundle runs there, the other homes' keys go on.
        ScenarioReport.Fault f = report.fault(faults.get(0)).orElseThrow();
        Map<Boolean, List<Long>> stalls = probe.longestGaps(f.startedNanos(), f.startedNanos() + Duration.ofSeconds(6)
                .toNanos(), key -> "n-1".equals(CacheProbe.home(key)));
        System.out.printf("[cache-hot-swap] longest gap between writes of a probe key while n-1's homes restarted:"
                + " keys homed by n-1 %s ms, by n-2 and n-3 %s ms%n", stalls.get(true), stalls.get(false));
        for (ClusterNode n : cluster.nodes()) {
            assertThat(n.isHealthy()).as(n.id() + " healthy").isTrue();
            // The threads of an old revision end when it stops (pools number their threads, so a name seen twice is
            // an old revision's).
            await("no thread of an old revision on " + n.id()).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> {
                        Map<String, String> more = Nodes.duplicated(threadsBefore.get(n.id()),
                                Nodes.threads(n));
                        if (!more.isEmpty()) {
                            System.out.println("[cache-hot-swap] " + n.id() + " runs more threads: " + more);
                        }
                        return more.isEmpty();
                    });
        }
    }

    /** Updates a bundle from its location and waits until it is ACTIVE again, a new revision, and serves. */
    private static void update(ClusterNode node, String symbolicName) throws Exception {
        JsonNode b = Nodes.bundle(node, symbolicName);
        long before = b.path("lastModified").asLong();
        long requested = System.nanoTime();
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.url("/bundles/"
                        + b.path("id").asLong() + "/update"))).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
        await(symbolicName + " on " + node.id() + " serving again").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                    JsonNode now = Nodes.bundle(node, symbolicName);
                    return "ACTIVE".equals(now.path("state").asText()) && now.path("lastModified").asLong() > before
                            && serves(node, symbolicName);
                });
        System.out.printf("[cache-hot-swap] %s on %s updated (HTTP %d) and serving after %.0f ms%n", symbolicName,
                node.id(), r.statusCode(), (System.nanoTime() - requested) / 1e6);
    }

    private static boolean serves(ClusterNode node, String symbolicName) throws Exception {
        boolean homes = node.get("/cache/homes").statusCode() == 200;
        boolean client = node.get("/cache/caches").statusCode() == 200;
        return switch (symbolicName) {
            case CACHE_NODE -> homes;
            case CACHE_CLIENT -> client;
            default -> homes && client;
        };
    }
}
