package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RebalanceTest {

    private static final Instant AT = Instant.parse("2026-12-04T10:00:00Z");

    private static QueueRing ring(Map<String, String> nodes, String... primaries) {
        List<QueueRing.Partition> ps = new java.util.ArrayList<>();
        for (int p = 0; p < primaries.length; p++) {
            ps.add(new QueueRing.Partition("orders", p, null, List.of(primaries[p]), null, null, null));
        }
        return new QueueRing(128, 2, nodes, List.of(), List.of(new QueueRing.Queue("orders", ps)));
    }

    @Test
    void aJoiningNodeAndThePartitionsItTookAreTheChange() {
        QueueRing before = ring(Map.of("q-1", "a", "q-2", "b"), "q-1", "q-2", "q-1");
        QueueRing after = ring(Map.of("q-1", "a", "q-2", "b", "q-3", "c"), "q-3", "q-2", "q-1");

        Rebalance r = Rebalance.between(before, after, AT);

        assertThat(r.joined()).containsExactly("q-3");
        assertThat(r.left()).isEmpty();
        assertThat(r.moved()).containsExactly(new Rebalance.Move("orders/0", "q-1", "q-3"));
        assertThat(r.movedPartitions()).containsExactly("orders/0");
        assertThat(r.describe()).isEqualTo("q-3 joined; 1 partition moved: orders/0 q-1\u2192q-3");
    }

    @Test
    void aLeavingNodeIsNamed() {
        Rebalance r = Rebalance.between(ring(Map.of("q-1", "a", "q-2", "b"), "q-1", "q-2"),
                ring(Map.of("q-1", "a"), "q-1", "q-1"), AT);
        assertThat(r.left()).containsExactly("q-2");
        assertThat(r.describe()).isEqualTo("q-2 left; 1 partition moved: orders/1 q-2\u2192q-1");
    }

    @Test
    void theSameRingIsNoChangeAndANewQueueMovesNothing() {
        QueueRing r = ring(Map.of("q-1", "a"), "q-1");
        assertThat(Rebalance.between(r, ring(Map.of("q-1", "a"), "q-1"), AT)).isNull();
        QueueRing more = new QueueRing(128, 2, Map.of("q-1", "a"), List.of(), List.of(r.queues().get(0),
                new QueueRing.Queue("audit", List.of(new QueueRing.Partition("audit", 0, null, List.of("q-1"), null, null, null)))));
        assertThat(Rebalance.between(r, more, AT)).isNull();
    }
}
