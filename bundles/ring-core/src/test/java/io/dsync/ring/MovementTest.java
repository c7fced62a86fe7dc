package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What moves when membership changes. Plain placement has the consistent-hashing guarantee exactly: a
 * joining node only takes partitions, a leaving node only gives its own away, and nothing else changes
 * primary; the shares are near the ideal. Bounded placement bounds the loads instead and moves a little
 * more ({@link RingReportTest}).
 */
class MovementTest {

    private static final int PARTITIONS = 512;
    private static final int REPLICAS = 3;

    @Test
    void onAJoinOnlyThePartitionsTheNewNodeTakesChangePrimary() {
        Random random = new Random(11);
        for (int c = 0; c < 40; c++) {
            List<String> ids = Rings.nodeIds(random, 2 + random.nextInt(10));
            String joiner = ids.remove(ids.size() - 1);
            HashRing ring = HashRing.of(ids, 1 + random.nextInt(128));
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            Placement before = ring.place(PARTITIONS, REPLICAS, namer);
            Placement after = ring.withNode(joiner).place(PARTITIONS, REPLICAS, namer);
            int taken = 0;
            List<Integer> wrong = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                if (after.primary(p).equals(joiner)) {
                    taken++;
                } else if (!after.primary(p).equals(before.primary(p))) {
                    wrong.add(p);
                }
                // The new node slides into the owner list; the others keep their order, the last may drop.
                if (!isPrefix(without(after.owners(p), joiner), before.owners(p))) {
                    wrong.add(p);
                }
            }
            assertThat(wrong).as("partitions wrongly moved by the join of %s to %s", joiner, ring).isEmpty();
            RebalancePlan plan = before.diff(after);
            assertThat(plan.primaryMoves()).isEqualTo(taken);
            assertThat(plan.moves()).allSatisfy(move -> {
                assertThat(move.added()).containsExactly(joiner);
                assertThat(move.removed()).hasSizeLessThanOrEqualTo(1);
            });
        }
    }

    @Test
    void onALeaveOnlyTheLeaversPartitionsChangePrimary() {
        Random random = new Random(12);
        for (int c = 0; c < 40; c++) {
            List<String> ids = Rings.nodeIds(random, 2 + random.nextInt(10));
            String leaver = ids.get(random.nextInt(ids.size()));
            HashRing ring = HashRing.of(ids, 1 + random.nextInt(128));
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            Placement before = ring.place(PARTITIONS, REPLICAS, namer);
            Placement after = ring.withoutNode(leaver).place(PARTITIONS, REPLICAS, namer);
            int given = 0;
            List<Integer> wrong = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                if (before.primary(p).equals(leaver)) {
                    given++;
                } else if (!after.primary(p).equals(before.primary(p))) {
                    wrong.add(p);
                }
                // The leaver drops out of the owner list; the others keep their order, a new last may come.
                if (after.owners(p).contains(leaver) || !isPrefix(without(before.owners(p), leaver), after.owners(p))) {
                    wrong.add(p);
                }
            }
            assertThat(wrong).as("partitions wrongly moved by the leave of %s from %s", leaver, ring).isEmpty();
            RebalancePlan plan = before.diff(after);
            assertThat(plan.primaryMoves()).isEqualTo(given);
            assertThat(plan.moves()).allSatisfy(move -> assertThat(move.removed()).containsExactly(leaver));
        }
    }

    @Test
    void onABoundedLeaveAllTheLeaversPartitionsMoveAndTheBoundHolds() {
        Random random = new Random(13);
        for (int c = 0; c < 40; c++) {
            List<String> ids = Rings.nodeIds(random, 2 + random.nextInt(10));
            String leaver = ids.get(random.nextInt(ids.size()));
            HashRing ring = HashRing.of(ids, 1 + random.nextInt(128));
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            Placement before = ring.placeBounded(PARTITIONS, REPLICAS, 0.25, namer);
            Placement after = ring.withoutNode(leaver).placeBounded(PARTITIONS, REPLICAS, 0.25, namer);
            int given = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                if (before.primary(p).equals(leaver)) {
                    given++;
                }
            }
            assertThat(before.diff(after).primaryMoves()).isGreaterThanOrEqualTo(given);
            assertThat(after.primaryLoad().values()).allSatisfy(load -> assertThat(load)
                    .isLessThanOrEqualTo(HashRing.boundedCapacity(PARTITIONS, ids.size() - 1, 0.25)));
        }
    }

    @ParameterizedTest(name = "N = {0}")
    @ValueSource(ints = {3, 5, 10})
    void withEnoughVnodesTheMovedShareIsNearTheIdeal(int n) {
        for (int c = 0; c < 5; c++) {
            List<String> ids = Rings.nodeIds(new Random(100 * n + c), n + 1);
            String joiner = ids.remove(n);
            HashRing ring = HashRing.of(ids, HashRing.DEFAULT_VNODES);
            PartitionNamer namer = PartitionNamer.numbered("q" + c);
            Placement before = ring.place(PARTITIONS, 1, namer);
            double join = before.diff(ring.withNode(joiner).place(PARTITIONS, 1, namer)).primaryMovedShare();
            double leave = before.diff(ring.withoutNode(ids.get(0)).place(PARTITIONS, 1, namer)).primaryMovedShare();
            assertThat(nearIdeal(join, 1.0 / (n + 1))).as("join share %f at N=%d", join, n).isTrue();
            assertThat(nearIdeal(leave, 1.0 / n)).as("leave share %f at N=%d", leave, n).isTrue();
        }
    }

    @ParameterizedTest(name = "N = {0}")
    @ValueSource(ints = {3, 5, 10})
    void moduloPlacementFailsTheShareCheck(int n) {
        // Negative control: hash mod N, the placement consistent hashing replaces, moves about N/(N+1) of
        // the partitions on a join, and the check above says so.
        List<String> ids = Rings.numbered(n);
        Placement before = modulo(ids);
        List<String> joined = new ArrayList<>(ids);
        joined.add("node-new");
        double join = before.diff(modulo(joined)).primaryMovedShare();
        assertThat(nearIdeal(join, 1.0 / (n + 1))).as("join share %f", join).isFalse();
    }

    /** Tolerant: vnodes and 512 partitions leave some scatter, but a placement that reshuffles fails. */
    private static boolean nearIdeal(double share, double ideal) {
        return share >= ideal / 2 && share <= 2 * ideal;
    }

    private static Placement modulo(List<String> ids) {
        List<List<String>> owners = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            owners.add(List.of(ids.get((int) Math.floorMod(HashRing.hash("q/" + p), (long) ids.size()))));
        }
        return new Placement(PARTITIONS, 1, owners, Rings.set(ids.toArray(String[]::new)));
    }

    private static boolean isPrefix(List<String> prefix, List<String> list) {
        return prefix.size() <= list.size() && list.subList(0, prefix.size()).equals(prefix);
    }

    private static List<String> without(List<String> owners, String node) {
        List<String> out = new ArrayList<>(owners);
        out.remove(node);
        return out;
    }
}
