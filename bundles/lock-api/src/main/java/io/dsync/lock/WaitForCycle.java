package io.dsync.lock;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A cycle in the wait-for graph, as carried by {@link DeadlockException}: each session waits for a
 * lock held by the next one, and the last one waits for a lock held by the first.
 * <p>
 * The edges are ordered: for every {@code i}, {@code edges.get(i).holder()} equals
 * {@code edges.get((i + 1) % edges.size()).waiter()}. The first edge is the wait that was rejected.
 *
 * @param edges the edges of the cycle, at least one; a single edge is a session waiting for itself
 * @serial exclude
 */
public record WaitForCycle(List<WaitEdge> edges) implements Serializable {

    /**
     * Validates that the edges form a closed chain and makes an immutable copy of them.
     *
     * @param edges the edges of the cycle
     * @throws NullPointerException if {@code edges} or one of its elements is {@code null}
     * @throws InvalidLockRequestException if {@code edges} is empty, or an edge's holder is not the
     *     next edge's waiter (the message names the index of the broken link)
     */
    public WaitForCycle {
        edges = List.copyOf(edges);
        if (edges.isEmpty()) {
            throw new InvalidLockRequestException("edges", "a wait-for cycle needs at least 1 edge, had 0");
        }
        for (int i = 0; i < edges.size(); i++) {
            WaitEdge edge = edges.get(i);
            int nextIndex = (i + 1) % edges.size();
            WaitEdge next = edges.get(nextIndex);
            if (!edge.holder().equals(next.waiter())) {
                throw new InvalidLockRequestException("edges", "edges do not form a cycle: edge " + i
                        + " ends at holder " + edge.holder() + " but edge " + nextIndex + " starts at waiter "
                        + next.waiter());
            }
        }
    }

    /**
     * Returns the sessions of the cycle in order, starting with the victim (the waiter of the first
     * edge).
     *
     * @return the sessions, one per edge
     */
    public List<SessionId> sessions() {
        List<SessionId> sessions = new ArrayList<>(edges.size());
        for (WaitEdge edge : edges) {
            sessions.add(edge.waiter());
        }
        return List.copyOf(sessions);
    }

    /**
     * Renders the cycle as a chain of edges, e.g.
     * {@code s1 -[EXCLUSIVE 'a']-> s2 -[EXCLUSIVE 'b']-> s1}.
     *
     * @return a human-readable representation
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (WaitEdge edge : edges) {
            sb.append(edge.waiter()).append(" -[").append(edge.requestedMode()).append(" '")
                    .append(edge.lockName()).append("']-> ");
        }
        return sb.append(edges.get(0).waiter()).toString();
    }
}
