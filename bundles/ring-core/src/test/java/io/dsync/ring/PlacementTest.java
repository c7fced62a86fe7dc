package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Plain and bounded placement: invariants over many random clusters, determinism and the record's API. */
class PlacementTest {

    private static final PartitionNamer ORDERS = PartitionNamer.numbered("orders");

    @Test
    void namedPartitionsAreBaseSlashNumber() {
        assertThat(ORDERS.name(0)).isEqualTo("orders/0");
        assertThat(ORDERS.name(17)).isEqualTo("orders/17");
    }

    @Test
    void plainPlacementPutsEachPartitionOnTheOwnersOfItsName() {
        HashRing ring = HashRing.of(Rings.numbered(5), 32);
        Placement placement = ring.place(64, 3, ORDERS);
        for (int p = 0; p < 64; p++) {
            assertThat(placement.owners(p)).isEqualTo(ring.owners("orders/" + p, 3));
        }
    }

    @Test
    void everyPartitionHasMinOfReplicasAndNodesDistinctOwners() {
        Random random = new Random(1);
        for (int c = 0; c < 300; c++) {
            int n = random.nextInt(9);
            HashRing ring = HashRing.of(Rings.nodeIds(random, n), 1 + random.nextInt(64));
            int partitions = 1 + random.nextInt(300);
            int replicas = 1 + random.nextInt(5);
            double epsilon = 0.01 + random.nextDouble();
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            for (Placement placement : List.of(ring.place(partitions, replicas, namer),
                    ring.placeBounded(partitions, replicas, epsilon, namer))) {
                assertThat(placement.partitions()).isEqualTo(partitions);
                assertThat(placement.replicas()).isEqualTo(replicas);
                assertThat(placement.nodes()).isEqualTo(ring.nodes());
                List<Integer> wrong = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    List<String> owners = placement.owners(p);
                    if (owners.size() != Math.min(replicas, n) || new HashSet<>(owners).size() != owners.size()
                            || !ring.nodes().containsAll(owners)) {
                        wrong.add(p);
                    }
                }
                assertThat(wrong).as("partitions with wrong owners in %s", placement).isEmpty();
                assertThat(sum(placement.load())).isEqualTo(partitions * Math.min(replicas, n));
                assertThat(sum(placement.primaryLoad())).isEqualTo(n == 0 ? 0 : partitions);
            }
        }
    }

    @Test
    void boundedPlacementNeverExceedsTheCapacity() {
        Random random = new Random(2);
        int plainOverCapacity = 0;
        for (int c = 0; c < 300; c++) {
            int n = 1 + random.nextInt(20);
            HashRing ring = HashRing.of(Rings.nodeIds(random, n), 1 + random.nextInt(128));
            int partitions = 1 + random.nextInt(500);
            double epsilon = random.nextInt(4) == 0 ? 0.25 : 0.01 + random.nextDouble() / 2;
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            int capacity = HashRing.boundedCapacity(partitions, n, epsilon);
            int max = Collections.max(ring.placeBounded(partitions, 2, epsilon, namer).primaryLoad().values());
            assertThat(max).as("N=%d P=%d epsilon=%f", n, partitions, epsilon).isLessThanOrEqualTo(capacity);
            assertThat(capacity).isLessThanOrEqualTo((int) Math.ceil((1 + epsilon) * partitions / n));
            if (Collections.max(ring.place(partitions, 2, namer).primaryLoad().values()) > capacity) {
                plainOverCapacity++;
            }
        }
        // Negative control: the same cases placed plainly break the bound, so the bound above is not vacuous.
        assertThat(plainOverCapacity).isGreaterThan(30);
    }

    @Test
    void boundedReplicasFollowTheChosenPrimary() {
        Random random = new Random(3);
        for (int c = 0; c < 100; c++) {
            HashRing ring = HashRing.of(Rings.nodeIds(random, 2 + random.nextInt(8)), 1 + random.nextInt(32));
            Placement placement = ring.placeBounded(100, 3, 0.05, PartitionNamer.numbered("q" + c));
            for (int p = 0; p < 100; p++) {
                String primary = placement.primary(p);
                List<String> owners = placement.owners(p);
                // The replicas are the distinct successors of one of the primary's tokens.
                boolean fromSomeToken = ring.tokens().stream().filter(t -> t.node().equals(primary))
                        .anyMatch(t -> ring.owners(t.position(), 3).equals(owners));
                assertThat(fromSomeToken).as("partition %d of %s", p, ring).isTrue();
            }
        }
    }

    @Test
    void withAHugeEpsilonBoundedIsPlain() {
        Random random = new Random(4);
        for (int c = 0; c < 50; c++) {
            int n = 1 + random.nextInt(10);
            HashRing ring = HashRing.of(Rings.nodeIds(random, n), 1 + random.nextInt(64));
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            // epsilon = N makes the capacity at least P: no node is ever full.
            assertThat(ring.placeBounded(200, 3, n, namer)).isEqualTo(ring.place(200, 3, namer));
        }
    }

    @Test
    void aSmallEpsilonChangesSomePrimaries() {
        // Negative control for the test above: the comparison does see the bound at work.
        HashRing ring = HashRing.of(Rings.numbered(10), 16);
        assertThat(ring.placeBounded(256, 1, 0.05, ORDERS)).isNotEqualTo(ring.place(256, 1, ORDERS));
    }

    @Test
    void placementIsAFunctionOfTheNodeSetNotOfItsOrder() {
        Random random = new Random(5);
        for (int c = 0; c < 50; c++) {
            List<String> ids = Rings.nodeIds(random, 1 + random.nextInt(10));
            List<String> shuffled = new ArrayList<>(ids);
            Collections.shuffle(shuffled, random);
            HashRing a = HashRing.of(ids, 64);
            HashRing b = HashRing.of(shuffled, 64);
            assertThat(b.tokens()).isEqualTo(a.tokens());
            assertThat(b.place(128, 3, ORDERS)).isEqualTo(a.place(128, 3, ORDERS));
            assertThat(b.placeBounded(128, 3, 0.1, ORDERS)).isEqualTo(a.placeBounded(128, 3, 0.1, ORDERS));
        }
    }

    @Test
    void otherNodesOrOtherNamesGiveAnotherPlacement() {
        // Negative control for the determinism test: equality there is not equality of everything.
        HashRing ring = HashRing.of(Rings.numbered(5), 64);
        assertThat(ring.place(128, 3, ORDERS)).isNotEqualTo(HashRing.of(Rings.numbered(6), 64).place(128, 3, ORDERS));
        assertThat(ring.place(128, 3, ORDERS).owners())
                .isNotEqualTo(ring.place(128, 3, PartitionNamer.numbered("invoices")).owners());
    }

    @Test
    void thePlacementOfAKnownClusterIsPinned() {
        // Nodes of different versions must agree; a change here moves data in a rolling upgrade.
        HashRing ring = HashRing.of(List.of("node-a", "node-b", "node-c"), 16);
        List<List<String>> plain = List.of(List.of("node-a", "node-b"), List.of("node-a", "node-b"),
                List.of("node-c", "node-a"), List.of("node-b", "node-a"), List.of("node-c", "node-b"),
                List.of("node-b", "node-c"), List.of("node-b", "node-c"), List.of("node-b", "node-c"));
        assertThat(ring.place(8, 2, ORDERS).owners()).isEqualTo(plain);
        // Capacity ceil(1.05 * 8 / 3) = 3: partition 7 finds node-b full and walks on to node-c.
        List<List<String>> bounded = new ArrayList<>(plain);
        bounded.set(7, List.of("node-c", "node-a"));
        assertThat(ring.placeBounded(8, 2, 0.05, ORDERS).owners()).isEqualTo(bounded);
    }

    @Test
    void anEmptyRingPlacesNothing() {
        HashRing empty = HashRing.of(List.of(), 8);
        for (Placement placement : List.of(empty.place(4, 2, ORDERS), empty.placeBounded(4, 2, 0.25, ORDERS))) {
            assertThat(placement.owners()).hasSize(4).allSatisfy(owners -> assertThat(owners).isEmpty());
            assertThat(placement.replicas(0)).isEmpty();
            assertThat(placement.primaryLoad()).isEmpty();
            assertThat(placement.load()).isEmpty();
            assertThatThrownBy(() -> placement.primary(0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("empty");
        }
    }

    @Test
    void primaryReplicasAndLoads() {
        Placement placement = new Placement(3, 3,
                List.of(List.of("a", "b", "c"), List.of("b", "c"), List.of("a")), Rings.set("a", "b", "c", "d"));
        assertThat(placement.primary(0)).isEqualTo("a");
        assertThat(placement.replicas(0)).containsExactly("b", "c");
        assertThat(placement.replicas(2)).isEmpty();
        assertThat(placement.primaryLoad()).containsExactly(Map.entry("a", 2), Map.entry("b", 1),
                Map.entry("c", 0), Map.entry("d", 0));
        assertThat(placement.load()).containsExactly(Map.entry("a", 2), Map.entry("b", 2),
                Map.entry("c", 2), Map.entry("d", 0));
        assertThatThrownBy(() -> placement.primary(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> placement.owners(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void everyRingNodeHasALoadEvenWithoutPartitions() {
        Placement placement = HashRing.of(Rings.numbered(5), 8).place(1, 1, ORDERS);
        assertThat(placement.primaryLoad()).containsOnlyKeys(Rings.numbered(5)).containsValue(0);
        assertThat(placement.load()).containsOnlyKeys(Rings.numbered(5));
    }

    @Test
    void theThreeArgumentConstructorTakesTheNodesFromTheOwners() {
        Placement placement = new Placement(2, 2, List.of(List.of("b", "a"), List.of("c")));
        assertThat(placement.nodes()).containsExactly("a", "b", "c");
        assertThat(placement.primaryLoad()).containsExactly(Map.entry("a", 0), Map.entry("b", 1), Map.entry("c", 1));
    }

    @Test
    void theRecordValidatesAndCopies() {
        List<List<String>> owners = new ArrayList<>(List.of(List.of("a"), List.of("b")));
        Placement placement = new Placement(2, 1, owners);
        owners.set(0, List.of("b"));
        assertThat(placement.primary(0)).isEqualTo("a");
        assertThatThrownBy(() -> placement.owners().set(0, List.of()))
                .isInstanceOf(UnsupportedOperationException.class);

        assertThatThrownBy(() -> new Placement(3, 1, List.of(List.of("a"), List.of("b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 3 owner lists");
        assertThatThrownBy(() -> new Placement(1, 2, List.of(List.of("a", "a"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
        assertThatThrownBy(() -> new Placement(1, 1, List.of(List.of("a", "b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 1");
        assertThatThrownBy(() -> new Placement(1, 1, List.of(List.of("z")), Rings.set("a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a]");
        assertThatThrownBy(() -> new Placement(0, 1, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement(1, 0, List.of(List.of()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void placeRejectsBadArguments() {
        HashRing ring = HashRing.of(Rings.numbered(3), 8);
        assertThatThrownBy(() -> ring.place(0, 1, ORDERS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitions");
        assertThatThrownBy(() -> ring.place(1, 0, ORDERS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> ring.place(1, 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ring.place(2, 1, p -> p == 1 ? null : "x"))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("partition 1");
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> ring.placeBounded(4, 1, bad, ORDERS))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epsilon");
        }
        assertThatThrownBy(() -> HashRing.of(List.of(), 8).placeBounded(4, 1, 0, ORDERS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static int sum(Map<String, Integer> load) {
        return load.values().stream().mapToInt(Integer::intValue).sum();
    }
}
