package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.devkit.LocalCluster;

/**
 * {@code bin/dsync queue} as a user runs it, through a lock node (no queue role: its QueueService routes to the queue
 * nodes) of a cluster with two queue nodes: declare (and a conflicting declaration refused), send with keys and
 * headers, stats and ring showing every partition owned, consume with and without acks, dead letters after a message
 * is nacked to the dead-letter queue, and precise errors for an unknown queue and an oversized payload. The queue
 * node bundle is on queue nodes only.
 */
class QueueCliIT extends ClusterTest {

    @Test
    void theQueueCommandsWorkThroughAnyNode() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("qcli").lockGroupSize(1)
                .node("lock-1", "lock").node("queue-1", "queue").node("queue-2", "queue").start();
        String node = "http://127.0.0.1:" + cluster.node("lock-1").adminPort();

        assertThat(Nodes.JSON.readTree(cluster.node("lock-1").get("/bundles").body()).path("bundles")
                .findValuesAsText("symbolicName")).contains("io.dsync.queue.client").doesNotContain("io.dsync.queue.node");
        assertThat(Nodes.JSON.readTree(cluster.node("queue-1").get("/bundles").body()).path("bundles")
                .findValuesAsText("symbolicName")).contains("io.dsync.queue.client", "io.dsync.queue.node");

        Cli dlq = Cli.run("queue", "declare", "orders.dlq", "--node", node);
        assertThat(dlq.exitCode()).as(dlq.err()).isZero();
        Cli declared = Cli.run("queue", "declare", "orders", "--dlq", "orders.dlq", "--max-deliveries", "3",
                "--max-payload", "64", "--node", node);
        assertThat(declared.exitCode()).as(declared.err()).isZero();
        assertThat(declared.out()).contains("queue orders: 8 partitions").contains("dead letters to orders.dlq");
        Cli again = Cli.run("queue", "declare", "orders", "--dlq", "orders.dlq", "--max-deliveries", "3",
                "--max-payload", "64", "--node", node);
        assertThat(again.exitCode()).as("an equal declaration changes nothing").isZero();
        Cli conflict = Cli.run("queue", "declare", "orders", "--max-deliveries", "4", "--node", node);
        assertThat(conflict.exitCode()).isEqualTo(2);
        assertThat(conflict.err()).contains("cannot declare queue 'orders'")
                .contains("already exists with --max-deliveries 3 (requested 4), --dlq 'orders.dlq' (requested none)")
                .doesNotContain("Exception:").doesNotContain("QueueConfig[");

        // Every partition gets an owner once the queue nodes see the queue.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> {
            Cli stats = Cli.run("queue", "stats", "orders", "--node", node);
            assertThat(stats.exitCode()).as(stats.err()).isZero();
            assertThat(stats.out()).doesNotContain("(none)");
        });

        for (int i = 1; i <= 3; i++) {
            Cli sent = Cli.run("queue", "send", "orders", "order-" + i, "--key", "customer-7", "-H", "source=cli", "--node", node);
            assertThat(sent.exitCode()).as(sent.err()).isZero();
            assertThat(sent.out().trim()).matches("\\d+-\\d+-\\d+");
        }
        Cli stats = Cli.run("queue", "stats", "orders", "--node", node);
        assertThat(stats.out()).contains("queue orders: 3 messages").contains("rates (messages/s, 1-minute averages)")
                .contains("dead-letter queue orders.dlq: 0 messages");

        Cli ring = Cli.run("queue", "ring", "--node", node);
        assertThat(ring.exitCode()).as(ring.err()).isZero();
        assertThat(ring.out()).contains("2 queue node(s)").contains("queue-1").contains("queue-2").contains("queue orders");
        JsonNode ringJson = Nodes.JSON.readTree(Cli.run("queue", "ring", "--json", "--tokens", "--node", node).out());
        assertThat(ringJson.path("tokens").size()).isEqualTo(2 * ringJson.path("vnodes").asInt());
        Cli tokens = Cli.run("queue", "ring", "--tokens", "--node", node);
        assertThat(tokens.out()).contains("virtual nodes, in ring order").contains("  at ");

        // A peek gives the first message of the key back without counting an attempt; a consume acknowledges.
        Cli peek = Cli.run("queue", "consume", "orders", "--no-ack", "--node", node);
        assertThat(peek.exitCode()).as(peek.err()).isZero();
        assertThat(peek.out()).contains("key=customer-7 order-1").doesNotContain("order-2");
        Cli consumed = Cli.run("queue", "consume", "orders", "-n", "2", "--node", node);
        assertThat(consumed.exitCode()).as(consumed.err()).isZero();
        assertThat(consumed.out()).containsSubsequence("order-1", "order-2").doesNotContain("attempt=");

        // The last one is rejected by its consumer: it goes to the dead-letter queue with its reason.
        JsonNode polled = Nodes.JSON.readTree(cluster.node("lock-1").post("/queue/queues/orders/poll?max=1&waitMs=2000", "").body());
        JsonNode d = polled.path("deliveries").path(0);
        assertThat(d.path("payload").asText()).isEqualTo("order-3");
        assertThat(d.path("headers").path("source").asText()).isEqualTo("cli");
        String nack = "{\"id\":\"" + d.path("id").asText() + "\",\"attempt\":" + d.path("attempt").asInt() + ",\"action\":\"dead-letter\"}";
        assertThat(cluster.node("lock-1").post("/queue/queues/orders/nack", nack).statusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> {
            Cli dead = Cli.run("queue", "dlq", "orders", "--node", node);
            assertThat(dead.exitCode()).as(dead.err()).isZero();
            assertThat(dead.out()).contains("reason=\"rejected by a consumer\"").contains("order-3");
        });
        JsonNode withDeadLetter = Nodes.JSON.readTree(Cli.run("queue", "stats", "orders", "--json", "--node", node).out());
        assertThat(withDeadLetter.path("deadLetterQueueMessages").asLong()).isEqualTo(1);
        assertThat(withDeadLetter.path("partitions").path(0).has("ackedPerSecond")).isTrue();
        String ackAgain = "{\"id\":\"" + d.path("id").asText() + "\",\"attempt\":" + d.path("attempt").asInt() + "}";
        assertThat(cluster.node("lock-1").post("/queue/queues/orders/ack", ackAgain).statusCode())
                .as("an ack of a dead-lettered delivery is stale").isEqualTo(409);

        Cli unknown = Cli.run("queue", "send", "nope", "x", "--node", node);
        assertThat(unknown.exitCode()).isEqualTo(4);
        assertThat(unknown.err()).contains("'nope' has not been declared");
        Cli large = Cli.run("queue", "send", "orders", "x".repeat(65), "--node", node);
        assertThat(large.exitCode()).isEqualTo(2);
        assertThat(large.err()).contains("65").contains("64");
        Cli badKey = Cli.run("queue", "send", "orders", "x", "--key", "", "--node", node);
        assertThat(badKey.exitCode()).isEqualTo(2);
        assertThat(badKey.err()).contains("key");
        Matcher none = Pattern.compile("Exception").matcher(unknown.err() + large.err() + badKey.err());
        assertThat(none.find()).as("no stack trace or exception name for a user").isFalse();
    }
}
