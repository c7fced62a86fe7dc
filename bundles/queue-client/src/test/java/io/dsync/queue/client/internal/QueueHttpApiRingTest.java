package io.dsync.queue.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire.PartitionStatus;
import io.dsync.ring.HashRing;

/** The body of {@code GET /queue/ring}, as the console reads it. */
class QueueHttpApiRingTest {

    private static final QueueTopology TOPOLOGY = QueueTopology.ofEndpoints(new TreeMap<>(Map.of(
            "q-1", new QueueTopology.Endpoint("http://127.0.0.1:1", InetSocketAddress.createUnresolved("127.0.0.1", 11)),
            "q-2", new QueueTopology.Endpoint("http://127.0.0.1:2", InetSocketAddress.createUnresolved("127.0.0.1", 12)))));
    private static final QueueMeta ORDERS = new QueueMeta("orders", 30_000, 5, null, 1 << 20, 4, 0);

    @Test
    void withTokensEveryPartitionHasItsRingPositionAndOwners() {
        Map<String, QueueHttpApi.Owned> owned = Map.of("1", new QueueHttpApi.Owned("q-2",
                new PartitionStatus("orders", 1, 7, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0)));
        Map<String, Object> body = QueueHttpApi.ring(TOPOLOGY, List.of(ORDERS), Map.of("orders", owned), true);

        assertThat(body).containsEntry("vnodes", QueueTopology.VNODES).containsEntry("replicas", QueueTopology.REPLICAS);
        assertThat(List.copyOf(((Map<?, ?>) body.get("nodes")).keySet())).isEqualTo(List.of("q-1", "q-2"));
        assertThat((List<?>) body.get("tokens")).hasSize(2 * QueueTopology.VNODES);
        List<Map<String, Object>> partitions = partitions(body);
        assertThat(partitions).hasSize(4);
        for (Map<String, Object> p : partitions) {
            int n = (Integer) p.get("partition");
            assertThat(p.get("position")).isEqualTo(Long.toUnsignedString(HashRing.hash("orders/" + n)));
            assertThat((List<?>) p.get("owners")).hasSize(2)
                    .first().isEqualTo(TOPOLOGY.placement("orders", 4).primary(n));
        }
        assertThat(partitions.get(1)).containsEntry("owner", "q-2").containsEntry("epoch", 7L).containsEntry("messages", 3);
        assertThat(partitions.get(0)).containsEntry("owner", null).containsEntry("messages", null);
    }

    @Test
    void withoutTokensTheAnswerIsAsBefore() {
        Map<String, Object> body = QueueHttpApi.ring(TOPOLOGY, List.of(ORDERS), Map.of(), false);

        assertThat(body).doesNotContainKey("tokens");
        assertThat(partitions(body).get(0)).containsOnlyKeys("partition", "owners", "owner", "epoch", "messages");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> partitions(Map<String, Object> body) {
        List<Map<String, Object>> queues = (List<Map<String, Object>>) body.get("queues");
        return (List<Map<String, Object>>) queues.get(0).get("partitions");
    }

    @Test
    void aDeclarationsNumbersMustBeWholeAndInRangeAndItsFieldsKnown() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        // Before: truncated, coerced or ignored, and the queue declared with a wrong configuration for good.
        for (String bad : List.of("{\"maxPayloadBytes\": 4294967297}", "{\"maxDeliveries\": true}",
                "{\"maxDeliveries\": 2.9}", "{\"visibilityTimeout\": 60000}", "{\"maxDeliveries\": \"3\"}",
                "{\"deadLetterQueue\": 7}", "[]")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> QueueHttpApi.config("q", json.readTree(bad)))
                    .as(bad).isInstanceOfSatisfying(io.dsync.http.HttpError.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThat(QueueHttpApi.config("q", json.readTree("{\"maxDeliveries\": 3, \"visibilityTimeoutMs\": 60000}")))
                .isEqualTo(io.dsync.queue.QueueConfig.of("q").withMaxDeliveries(3)
                        .withVisibilityTimeout(java.time.Duration.ofSeconds(60)));
    }

    @Test
    void redisOutOfReachIsUnavailableNotABug() {
        assertThat(QueueHttpApi.translate(new org.redisson.client.RedisConnectionException("down")).status())
                .isEqualTo(503);
    }
}
