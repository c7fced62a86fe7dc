package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.dsync.devkit.LocalCluster;

/**
 * {@code DELETE /lock/sessions/{id}?force=true}, the console's force-release: a session opened on one node (a queue
 * node's lock client) is closed through another node (the lock node), which never saw it. Its lock goes to the session
 * that waited for it, its own node's HTTP session ends, and the call needs the admin token.
 */
class LockForceCloseIT extends ClusterTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "force-close-token";

    @Test
    void anAdministratorClosesASessionOfAnotherNode() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("force").lockGroupSize(1).adminToken(TOKEN)
                .node("lock-1", "lock").node("queue-1", "queue").start();
        RaftProbe.awaitOneLeader(cluster.nodes().subList(0, 1));
        String owner = cluster.node("queue-1").url("");
        String other = cluster.node("lock-1").url("");

        String holder = open(owner);
        String waiter = open(owner);
        assertThat(call("POST", owner + "/lock/sessions/" + holder + "/acquire?name=stuck", TOKEN).statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> waits = CompletableFuture.supplyAsync(() -> {
            try {
                return call("POST", owner + "/lock/sessions/" + waiter + "/acquire?name=stuck&waitMs=30000", TOKEN);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await("the waiter waits").atMost(Duration.ofSeconds(10))
                .until(() -> cluster.node("lock-1").get("/lock/table").body().contains(waiter));

        // The plain close only knows the node's own sessions; force needs the token.
        assertThat(call("DELETE", other + "/lock/sessions/" + holder, TOKEN).statusCode()).isEqualTo(404);
        HttpResponse<String> noToken = call("DELETE", other + "/lock/sessions/" + holder + "?force=true", null);
        assertThat(noToken.statusCode()).as(noToken.body()).isEqualTo(401);
        assertThat(call("DELETE", other + "/lock/sessions/" + holder + "?force=true", "wrong").statusCode()).isEqualTo(401);

        HttpResponse<String> closed = call("DELETE", other + "/lock/sessions/" + holder + "?force=true", TOKEN);
        assertThat(closed.statusCode()).as(closed.body()).isEqualTo(204);
        HttpResponse<String> granted = waits.get(20, TimeUnit.SECONDS);
        assertThat(granted.statusCode()).as("the waiter gets the lock: " + granted.body()).isEqualTo(200);
        assertThat(Nodes.JSON.readTree(granted.body()).path("session").asText()).isEqualTo(waiter);
        // The owner's node learns it at the session's next keep-alive (every TTL/3, 20 s here) and drops it.
        await("the owner's session ends").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> call("GET", owner + "/lock/sessions/" + holder, TOKEN).statusCode() == 404);

        HttpResponse<String> again = call("DELETE", other + "/lock/sessions/" + "no-such-session?force=true", TOKEN);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(Nodes.JSON.readTree(again.body()).path("error").asText()).isEqualTo("session");
        HttpResponse<String> bad = call("DELETE", other + "/lock/sessions/%01?force=true", TOKEN);
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    }

    private static String open(String node) throws Exception {
        HttpResponse<String> r = call("POST", node + "/lock/sessions?ttlMs=60000", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Nodes.JSON.readTree(r.body()).path("session").asText();
    }

    private static HttpResponse<String> call(String method, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(40))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
