package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/** The cycle search on its own, on hand-made graphs. */
class WaitForGraphTest {

    private static final SessionId A = new SessionId("a");
    private static final SessionId B = new SessionId("b");
    private static final SessionId C = new SessionId("c");
    private static final SessionId D = new SessionId("d");

    private static WaitEdge e(SessionId waiter, String lock, SessionId holder) {
        return new WaitEdge(waiter, lock, EXCLUSIVE, holder);
    }

    @Test
    void acyclicGraphHasNoCycle() {
        WaitForGraph g = new WaitForGraph(List.of(e(A, "1", B), e(B, "2", C), e(A, "3", C)));
        assertEquals(Optional.empty(), g.findCycle());
        assertEquals(Optional.empty(), WaitForGraph.findCycle(List.of(e(D, "4", A)), g::edgesFrom));
    }

    @Test
    void selfEdgeIsAOneEdgeCycle() {
        WaitEdge self = new WaitEdge(A, "1", EXCLUSIVE, A);
        assertEquals(Optional.of(new WaitForCycle(List.of(self))),
                WaitForGraph.findCycle(List.of(e(A, "0", B), self), lock -> List.of()));
    }

    @Test
    void findsTheShortestCycleStartingWithTheNewEdge() {
        // Existing b->c, c->d, d->a and c->a; the new edge a->b closes a->b->c->d->a and a->b->c->a.
        WaitForGraph existing = new WaitForGraph(List.of(e(B, "2", C), e(C, "3", D), e(D, "4", A), e(C, "5", A)));
        WaitForCycle cycle = WaitForGraph.findCycle(List.of(e(A, "1", B)), existing::edgesFrom).orElseThrow();
        assertEquals(List.of(e(A, "1", B), e(B, "2", C), e(C, "5", A)), cycle.edges());
    }

    @Test
    void findsACycleThroughAnyOfSeveralNewEdges() {
        WaitForGraph existing = new WaitForGraph(List.of(e(C, "3", A)));
        WaitForCycle cycle = WaitForGraph.findCycle(List.of(e(A, "1", B), new WaitEdge(A, "1", SHARED, C)),
                existing::edgesFrom).orElseThrow();
        assertEquals(List.of(new WaitEdge(A, "1", SHARED, C), e(C, "3", A)), cycle.edges());
    }

    @Test
    void wholeGraphCycleSearchFindsExistingCycles() {
        WaitForGraph g = new WaitForGraph(List.of(e(A, "1", B), e(B, "2", C), e(C, "3", B)));
        WaitForCycle cycle = g.findCycle().orElseThrow();
        assertTrue(cycle.sessions().containsAll(List.of(B, C)));
        assertEquals(2, cycle.edges().size());
    }

    @Test
    void newEdgesMustShareTheirWaiter() {
        assertThrows(IllegalArgumentException.class,
                () -> WaitForGraph.findCycle(List.of(e(A, "1", B), e(B, "2", C)), s -> List.of()));
    }

    @Test
    void snapshotsCompareByEdges() {
        assertEquals(new WaitForGraph(List.of(e(A, "1", B))), new WaitForGraph(List.of(e(A, "1", B))));
        assertEquals(List.of(e(A, "1", B)), new WaitForGraph(List.of(e(A, "1", B))).edgesFrom(A));
        assertEquals(List.of(), new WaitForGraph(List.of(e(A, "1", B))).edgesFrom(B));
    }
}
