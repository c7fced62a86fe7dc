package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fed with answers captured from a demo node (one queue node, queues {@code orders} with eight partitions and
 * {@code orders-dlq} as its dead-letter queue; six messages sent, two polled and not settled, one acknowledged).
 */
class QueueJsonReaderTest {

    static JsonNode captured(String name) throws IOException {
        try (InputStream in = QueueJsonReaderTest.class.getResourceAsStream("/queue-api/" + name)) {
            return FakeNodes.JSON.readTree(in);
        }
    }

    @Test
    void readsTheRingWithTokensAndPartitionPositions() throws IOException {
        QueueRing ring = QueueJsonReader.ring(captured("ring.json"));

        assertThat(ring.vnodes()).isEqualTo(128);
        assertThat(ring.replicas()).isEqualTo(2);
        assertThat(ring.nodes()).isEqualTo(Map.of("demo", "http://127.0.0.1:18480"));
        assertThat(ring.tokens()).hasSize(128).allMatch(t -> t.node().equals("demo"));
        // In ring order, as unsigned numbers.
        for (int i = 1; i < ring.tokens().size(); i++) {
            assertThat(Long.compareUnsigned(ring.tokens().get(i - 1).position(), ring.tokens().get(i).position())).isNegative();
        }
        assertThat(ring.queues()).extracting(QueueRing.Queue::name).containsExactly("orders", "orders-dlq");
        QueueRing.Partition p0 = ring.queues().get(0).partitions().get(0);
        assertThat(p0).isEqualTo(new QueueRing.Partition("orders", 0, Long.parseUnsignedLong("4639836375437230806"),
                java.util.List.of("demo"), "demo", 1796377224473L, 1));
        assertThat(ring.partitions()).hasSize(16);
        assertThat(QueueRing.fraction(ring.queues().get(1).partitions().get(0).position())).isGreaterThan(0.9);
    }

    @Test
    void readsAQueuesTotals() throws IOException {
        QueueInfo q = QueueJsonReader.queue(captured("queue-orders.json"));

        assertThat(q).isEqualTo(new QueueInfo("orders", 8, "orders-dlq", 5, 2, 0, 8));
    }

    @Test
    void readsThePerQueueMetersOfANode() throws IOException {
        Map<String, long[]> counts = QueueJsonReader.counts(captured("metrics.json"));

        assertThat(counts).containsOnlyKeys("orders", "orders-dlq");
        assertThat(counts.get("orders")).containsExactly(6, 1);
        assertThat(counts.get("orders-dlq")).containsExactly(1, 0);
    }

    @Test
    void anOlderNodeWithoutPositionsStillShowsAndAWrongAnswerSaysWhat() throws IOException {
        JsonNode old = FakeNodes.JSON.readTree("{\"vnodes\":128,\"replicas\":2,\"nodes\":{\"a\":\"http://a\"},"
                + "\"queues\":[{\"queue\":\"q\",\"partitions\":[{\"partition\":0,\"owners\":[\"a\"],\"owner\":null}]}]}");
        QueueRing ring = QueueJsonReader.ring(old);
        assertThat(ring.tokens()).isEmpty();
        assertThat(ring.partitions().get(0).position()).isNull();
        assertThat(ring.partitions().get(0).owner()).isNull();

        assertThatThrownBy(() -> QueueJsonReader.ring(FakeNodes.JSON.readTree("[]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("/queue/ring answered something that is not a ring");
        assertThatThrownBy(() -> QueueJsonReader.queue(FakeNodes.JSON.readTree("{\"error\":\"x\"}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(QueueJsonReader.counts(FakeNodes.JSON.readTree("{}"))).isEmpty();
    }
}
