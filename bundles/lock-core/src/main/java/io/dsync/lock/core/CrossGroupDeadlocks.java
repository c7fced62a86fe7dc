package io.dsync.lock.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * Finds a deadlock in the union of several lock groups' wait-for graphs, and the request to fail to break it. Each
 * group refuses the requests that would close a cycle among its own locks; a cycle through several groups is seen
 * only in the union, which the cross-group detector gathers. Deterministic: the same edges in the same order give the
 * same answer, and the victim does not depend on where the search entered the cycle. Stateless.
 */
public final class CrossGroupDeadlocks {

    /**
     * A deadlock to break.
     *
     * @param group the index of the group that holds the victim's edge (the group of its lock)
     * @param victimEdge the edge of the request to fail: of the cycle's edges, the one whose waiter has the greatest
     *     session id (by {@link String#compareTo} of {@link io.dsync.lock.SessionId#value()})
     * @param cycle the cycle, starting with the victim's edge
     */
    public record Breaking(int group, WaitEdge victimEdge, WaitForCycle cycle) {

        /**
         * Checks for {@code null}.
         *
         * @param group the group
         * @param victimEdge the victim's edge
         * @param cycle the cycle
         */
        public Breaking {
            Objects.requireNonNull(victimEdge, "victimEdge");
            Objects.requireNonNull(cycle, "cycle");
        }
    }

    private CrossGroupDeadlocks() {
    }

    /**
     * Looks for a cycle in the union of the groups' edges.
     *
     * @param edgesByGroup each group's wait-for edges, by group index
     * @return the deadlock to break, or empty if the union has no cycle
     */
    public static Optional<Breaking> find(List<List<WaitEdge>> edgesByGroup) {
        List<WaitEdge> union = new ArrayList<>();
        edgesByGroup.forEach(union::addAll);
        Optional<WaitForCycle> found = new WaitForGraph(union).findCycle();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        List<WaitEdge> edges = found.get().edges();
        int victim = 0;
        for (int i = 1; i < edges.size(); i++) {
            if (edges.get(i).waiter().value().compareTo(edges.get(victim).waiter().value()) > 0) {
                victim = i;
            }
        }
        List<WaitEdge> rotated = new ArrayList<>(edges.size());
        rotated.addAll(edges.subList(victim, edges.size()));
        rotated.addAll(edges.subList(0, victim));
        WaitEdge victimEdge = rotated.get(0);
        int group = 0;
        while (!edgesByGroup.get(group).contains(victimEdge)) {
            group++;
        }
        return Optional.of(new Breaking(group, victimEdge, new WaitForCycle(rotated)));
    }
}
