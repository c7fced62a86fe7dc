package io.dsync.queue.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.MessageId;
import io.dsync.queue.QueueConfig;
import io.dsync.registry.BundleInfo;
import io.dsync.registry.NodeInfo;

/** Message ids, partitioning and the topology every node computes alike. */
class ProtocolTest {

    @Test
    void messageIdsCarryTheirPartitionAndEntry() {
        MessageId id = MessageIds.of(3, "1733150000000-7");
        assertThat(id.value()).isEqualTo("3-1733150000000-7");
        assertThat(MessageIds.parse(id, 8)).isEqualTo(new MessageIds.Parsed(3, "1733150000000-7"));
    }

    @Test
    void foreignOrOutOfRangeIdsAreRefusedPrecisely() {
        for (String bad : List.of("x", "3-", "3-12", "-1-2-3", "a-1-2", "3-1-x", "8-1-1", "3-1-2-")) {
            assertThatThrownBy(() -> MessageIds.parse(new MessageId(bad), 8)).as(bad)
                    .isInstanceOf(InvalidQueueRequestException.class).hasMessageContaining("not a message id");
        }
    }

    @Test
    void aKeyAlwaysPicksOnePartitionAndUnkeyedSendsSpread() {
        int p = Partitioner.partition("customer-7", "call-1", 8);
        for (int i = 0; i < 100; i++) {
            assertThat(Partitioner.partition("customer-7", "call-" + i, 8)).isEqualTo(p);
        }
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int q = Partitioner.partition(null, "client/" + i, 8);
            assertThat(q).isBetween(0, 7);
            assertThat(Partitioner.partition(null, "client/" + i, 8)).as("a retried call keeps its partition").isEqualTo(q);
            used.add(q);
        }
        assertThat(used).hasSize(8);
    }

    static NodeInfo node(String id, String role, int port) {
        return new NodeInfo(id, "i-" + id, "c", List.of(role), "127.0.0.1", Map.of("admin", port, "messaging", port + 100), List.of(), null, null, "t");
    }

    @Test
    void theTopologyHoldsTheQueueNodesOnlyAndPlacesEveryPartition() {
        QueueTopology t = QueueTopology.of(List.of(node("q1", "queue", 1), node("l1", "lock", 2), node("q2", "queue", 3),
                node("q3", "queue", 4)));
        assertThat(t.urls()).containsOnlyKeys("q1", "q2", "q3");
        assertThat(t.url("q2")).isEqualTo("http://127.0.0.1:3");
        assertThat(t.messaging("q2").getHostString()).isEqualTo("127.0.0.1");
        assertThat(t.messaging("q2").getPort()).isEqualTo(103);
        NodeInfo noMessaging = new NodeInfo("q4", "i", "c", List.of("queue"), "127.0.0.1", Map.of("admin", 5), List.of(),
                null, null, "t");
        assertThat(QueueTopology.endpoint(noMessaging)).as("a queue node no one can send owner calls to").isNull();
        for (int p = 0; p < 8; p++) {
            assertThat(t.primary("orders", 8, p)).isIn("q1", "q2", "q3");
            assertThat(t.placement("orders", 8).owners(p)).hasSize(QueueTopology.REPLICAS).doesNotHaveDuplicates();
        }
        assertThat(t.placement("orders", 8).primaryLoad().values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(4));
        QueueTopology same = QueueTopology.of(List.of(node("q3", "queue", 4), node("q2", "queue", 3), node("q1", "queue", 1)));
        assertThat(same.sameAs(t)).isTrue();
        assertThat(same.placement("orders", 8)).isEqualTo(t.placement("orders", 8));
        assertThat(QueueTopology.empty().primary("orders", 8, 0)).isNull();
    }

    static NodeInfo withQueueNodeBundle(String id, int port, String state) {
        return new NodeInfo(id, "i-" + id, "c", List.of("queue"), "127.0.0.1", Map.of("admin", port, "messaging", port + 100),
                state == null ? List.of(new BundleInfo(1, "io.dsync.registry", "1", "ACTIVE", false))
                        : List.of(new BundleInfo(1, "io.dsync.registry", "1", "ACTIVE", false),
                                new BundleInfo(2, QueueTopology.NODE_BUNDLE, "1", state, false)),
                null, null, "t");
    }

    @Test
    void aQueueNodeWhoseQueueNodeBundleIsNotActiveIsOutOfTheRing() {
        assertThat(QueueTopology.endpoint(withQueueNodeBundle("q1", 1, "ACTIVE"))).isNotNull();
        for (String state : List.of("STOPPING", "RESOLVED", "INSTALLED", "STARTING")) {
            assertThat(QueueTopology.endpoint(withQueueNodeBundle("q1", 1, state))).as("queue-node bundle " + state).isNull();
        }
        assertThat(QueueTopology.endpoint(withQueueNodeBundle("q1", 1, null))).as("no queue-node bundle at all").isNull();
        QueueTopology stopped = QueueTopology.of(List.of(withQueueNodeBundle("q1", 1, "ACTIVE"),
                withQueueNodeBundle("q2", 2, "RESOLVED"), withQueueNodeBundle("q3", 3, "ACTIVE")));
        assertThat(stopped.urls()).containsOnlyKeys("q1", "q3");
        for (int p = 0; p < 8; p++) {
            assertThat(stopped.primary("orders", 8, p)).as("partition %d", p).isIn("q1", "q3");
        }
    }

    @Test
    void metaRoundTripsTheConfiguration() {
        QueueConfig config = QueueConfig.of("orders").withMaxDeliveries(3).withDeadLetterQueue("orders.dlq");
        QueueMeta meta = QueueMeta.of(config, 16);
        assertThat(meta.config()).isEqualTo(config);
        assertThat(QueueCatalog.read(QueueCatalog.write(meta))).isEqualTo(meta);
        assertThatThrownBy(() -> QueueMeta.of(config, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
