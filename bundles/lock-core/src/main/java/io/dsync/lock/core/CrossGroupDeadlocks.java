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
 * only in the union, which the cross-group detector gathers (each group's
 * {@link LockStateMachine#waitForGraph()} edges) before committing {@link Breaking#command(long)} to the victim's group.
 * <p>
 * Deterministic: the same lists in the same order give the same answer (the search is
 * {@link WaitForGraph#findCycle()} over the union in input order). The victim depends only on the cycle found, not on
 * where the search entered it nor on the order of the groups' lists: it is the waiter with the greatest session id.
 * An edge may appear in several groups' lists (the first of them is reported as the victim's group). Stateless and
 * thread-safe.
 */
public final class CrossGroupDeadlocks {

    /**
     * A deadlock to break.
     *
     * @param group the index of the group that holds the victim's edge (the group of its lock): the first list of
     *     {@link #find(List)}'s input that contains the edge
     * @param victimEdge the edge of the request to fail: of the cycle's edges, the one whose waiter has the greatest
     *     session id (by {@link String#compareTo} of {@link io.dsync.lock.SessionId#value()})
     * @param cycle the cycle, starting with the victim's edge
     */
    public record Breaking(int group, WaitEdge victimEdge, WaitForCycle cycle) {

        /**
         * Validates the deadlock.
         *
         * @param group the group
         * @param victimEdge the victim's edge
         * @param cycle the cycle
         * @throws NullPointerException if {@code victimEdge} or {@code cycle} is {@code null}
         * @throws IllegalArgumentException if {@code group} is negative or the cycle does not start with
         *     {@code victimEdge}
         */
        public Breaking {
            Objects.requireNonNull(victimEdge, "victimEdge");
            Objects.requireNonNull(cycle, "cycle");
            if (group < 0) {
                throw new IllegalArgumentException("group must not be negative, was " + group);
            }
            if (!cycle.edges().get(0).equals(victimEdge)) {
                throw new IllegalArgumentException("the cycle " + cycle + " must start with the victim's edge "
                        + victimEdge);
            }
        }

        /**
         * Returns the command that breaks the deadlock, to be committed in group {@link #group()}.
         *
         * @param callId the victim's waiting call with the victim's edge, as the victim group's table names it
         *     ({@link LockStateMachine#waitingCall}), so that the break applied twice fails no later call; 0 for the
         *     session's first such call
         * @return a {@link LockCommand.BreakDeadlock} of the victim's wait with this cycle
         */
        public LockCommand.BreakDeadlock command(long callId) {
            return new LockCommand.BreakDeadlock(victimEdge.waiter(), victimEdge.lockName(), cycle, callId);
        }
    }

    private CrossGroupDeadlocks() {
    }

    /**
     * Looks for a cycle in the union of the groups' edges.
     *
     * @param edgesByGroup each group's wait-for edges, by group index
     * @return the deadlock to break, or empty if the union has no cycle
     * @throws NullPointerException if {@code edgesByGroup}, one of its lists or an edge is {@code null}
     */
    public static Optional<Breaking> find(List<List<WaitEdge>> edgesByGroup) {
        List<WaitEdge> union = new ArrayList<>();
        edgesByGroup.forEach(union::addAll);
        Optional<WaitForCycle> found = new WaitForGraph(union).findCycle();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        // A cycle found by the search visits each session once, so the greatest waiter is unique.
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
