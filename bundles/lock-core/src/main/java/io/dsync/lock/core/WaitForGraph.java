package io.dsync.lock.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * The wait-for graph between sessions: an edge {@code s -[mode 'lock']-> t} means that a waiting
 * request of {@code s} cannot be granted before {@code t} leaves (releases its hold, or its earlier
 * conflicting request is granted and released, or its pending upgrade ends). The precise rule is
 * documented on the lock table and includes upgrade waits and waits behind earlier queued requests
 * (FIFO order), so that every cycle is created by queueing one request and can be refused right then.
 * <p>
 * Instances are immutable snapshots, as returned by {@link LockStateMachine#waitForGraph()} for the
 * admin API; the state machine itself never stores a graph but derives the edges it needs from the lock
 * table when a request is about to wait, using {@link #findCycle(List, Function)}. Immutable and
 * therefore thread-safe.
 */
public final class WaitForGraph {

    /** All edges, in the order of the lock table (lock name, then upgrade, then queue order). */
    private final List<WaitEdge> edges;

    /** Out-edges per waiting session, in edge order. */
    private final Map<SessionId, List<WaitEdge>> outEdges;

    /**
     * Creates a snapshot from its edges.
     *
     * @param edges the edges; duplicates are kept as given
     * @throws NullPointerException if {@code edges} or an element is {@code null}
     */
    public WaitForGraph(List<WaitEdge> edges) {
        this.edges = List.copyOf(edges);
        Map<SessionId, List<WaitEdge>> out = new LinkedHashMap<>();
        for (WaitEdge edge : this.edges) {
            out.computeIfAbsent(edge.waiter(), k -> new ArrayList<>()).add(edge);
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        this.outEdges = Collections.unmodifiableMap(out);
    }

    /**
     * Returns all edges.
     *
     * @return the edges, ordered by lock name, then pending upgrade, then queue order
     */
    public List<WaitEdge> edges() {
        return edges;
    }

    /**
     * Returns the edges leaving a session.
     *
     * @param waiter the session
     * @return its out-edges, empty if it waits for nothing
     */
    public List<WaitEdge> edgesFrom(SessionId waiter) {
        return outEdges.getOrDefault(waiter, List.of());
    }

    /**
     * Looks for any cycle. The lock service refuses every request that would close a cycle, so a
     * graph returned by {@link LockStateMachine#waitForGraph()} never has one; this exists for
     * diagnostics and tests.
     *
     * @return a cycle, or empty if the graph is acyclic
     */
    public Optional<WaitForCycle> findCycle() {
        for (SessionId start : outEdges.keySet()) {
            Optional<WaitForCycle> cycle = findCycle(edgesFrom(start), this::edgesFrom);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        return Optional.empty();
    }

    /**
     * Finds the shortest cycle that the new edges of one waiting session would close, exploring only
     * the part of the graph reachable from them.
     *
     * @param newEdges the edges the session would add, all with the same {@linkplain WaitEdge#waiter()
     *     waiter}; may be empty
     * @param outEdges the existing out-edges of a session, in a deterministic order
     * @return the cycle, starting with the new edge that closes it, or empty if none would close
     */
    static Optional<WaitForCycle> findCycle(List<WaitEdge> newEdges, Function<SessionId, List<WaitEdge>> outEdges) {
        if (newEdges.isEmpty()) {
            return Optional.empty();
        }
        SessionId victim = newEdges.get(0).waiter();
        Map<SessionId, WaitEdge> reachedBy = new HashMap<>();
        Set<SessionId> seen = new HashSet<>();
        Deque<SessionId> frontier = new ArrayDeque<>();
        for (WaitEdge edge : newEdges) {
            if (!edge.waiter().equals(victim)) {
                throw new IllegalArgumentException("new edges must share one waiter, got " + edge + " after "
                        + newEdges.get(0));
            }
            if (edge.holder().equals(victim)) {
                return Optional.of(new WaitForCycle(List.of(edge)));
            }
            if (seen.add(edge.holder())) {
                reachedBy.put(edge.holder(), edge);
                frontier.add(edge.holder());
            }
        }
        // Breadth-first, so the reported cycle is a shortest one; iteration orders are deterministic.
        while (!frontier.isEmpty()) {
            SessionId node = frontier.poll();
            for (WaitEdge edge : outEdges.apply(node)) {
                if (edge.holder().equals(victim)) {
                    List<WaitEdge> cycle = new ArrayList<>();
                    cycle.add(edge);
                    for (SessionId at = node; !at.equals(victim);) {
                        WaitEdge via = reachedBy.get(at);
                        cycle.add(via);
                        at = via.waiter();
                    }
                    Collections.reverse(cycle);
                    return Optional.of(new WaitForCycle(cycle));
                }
                if (seen.add(edge.holder())) {
                    reachedBy.put(edge.holder(), edge);
                    frontier.add(edge.holder());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Compares the edges, in order.
     *
     * @param o the other object
     * @return {@code true} if {@code o} is a graph with the same edges in the same order
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof WaitForGraph other && edges.equals(other.edges);
    }

    @Override
    public int hashCode() {
        return edges.hashCode();
    }

    /**
     * Renders the edges, one per line.
     *
     * @return a human-readable representation
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("WaitForGraph[");
        for (WaitEdge edge : edges) {
            sb.append("\n  ").append(edge);
        }
        return sb.append(edges.isEmpty() ? "]" : "\n]").toString();
    }
}
