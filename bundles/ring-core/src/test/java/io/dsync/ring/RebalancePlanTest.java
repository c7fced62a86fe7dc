package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@link Placement#diff} and the plan's counts. */
class RebalancePlanTest {

    private final Placement before = new Placement(4, 2,
            List.of(List.of("a", "b"), List.of("b", "c"), List.of("c", "a"), List.of("a", "c")));

    @Test
    void theDiffOfAPlacementWithItselfIsEmpty() {
        RebalancePlan plan = before.diff(before);
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.primaryMoves()).isZero();
        assertThat(plan.primaryMovedShare()).isZero();
        assertThat(plan.partitions()).isEqualTo(4);
    }

    @Test
    void everyChangedListIsAMoveAndOnlyPrimaryChangesCountAsPrimaryMoves() {
        Placement after = new Placement(4, 2,
                List.of(List.of("a", "b"), List.of("c", "b"), List.of("c", "d"), List.of("d", "a")));
        RebalancePlan plan = before.diff(after);
        assertThat(plan.isEmpty()).isFalse();
        assertThat(plan.moves()).extracting(RebalancePlan.Move::partition).containsExactly(1, 2, 3);

        RebalancePlan.Move swap = plan.moves().get(0);
        assertThat(swap.primaryChanged()).isTrue();
        assertThat(swap.added()).isEmpty();
        assertThat(swap.removed()).isEmpty();

        RebalancePlan.Move replicaOnly = plan.moves().get(1);
        assertThat(replicaOnly.primaryChanged()).isFalse();
        assertThat(replicaOnly.added()).containsExactly("d");
        assertThat(replicaOnly.removed()).containsExactly("a");

        RebalancePlan.Move both = plan.moves().get(2);
        assertThat(both.before()).containsExactly("a", "c");
        assertThat(both.after()).containsExactly("d", "a");
        assertThat(both.primaryChanged()).isTrue();
        assertThat(both.added()).containsExactly("d");
        assertThat(both.removed()).containsExactly("c");

        assertThat(plan.primaryMoves()).isEqualTo(2);
        assertThat(plan.primaryMovedShare()).isEqualTo(0.5);
    }

    @Test
    void toAndFromNoOwnersIsAPrimaryChange() {
        RebalancePlan.Move lost = new RebalancePlan.Move(0, List.of("a"), List.of());
        assertThat(lost.primaryChanged()).isTrue();
        assertThat(lost.removed()).containsExactly("a");
        assertThat(new RebalancePlan.Move(0, List.of(), List.of()).primaryChanged()).isFalse();
    }

    @Test
    void placementsOfDifferentPartitionCountsCannotBeDiffed() {
        Placement three = new Placement(3, 2, List.of(List.of("a"), List.of("b"), List.of("c")));
        assertThatThrownBy(() -> before.diff(three))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 and 3");
        assertThatThrownBy(() -> before.diff(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aPlanValidatesItsMoves() {
        RebalancePlan.Move m0 = new RebalancePlan.Move(0, List.of("a"), List.of("b"));
        RebalancePlan.Move m1 = new RebalancePlan.Move(1, List.of("a"), List.of("b"));
        assertThatThrownBy(() -> new RebalancePlan(List.of(m1, m0), 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RebalancePlan(List.of(m0, m0), 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RebalancePlan(List.of(m1), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RebalancePlan(List.of(), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RebalancePlan.Move(-1, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new RebalancePlan(List.of(m0, m1), 2).primaryMovedShare()).isEqualTo(1.0);
    }
}
