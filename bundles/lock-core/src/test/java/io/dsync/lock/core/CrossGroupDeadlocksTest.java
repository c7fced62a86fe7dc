package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * Finding a deadlock in the union of several lock groups' wait-for graphs and choosing its victim
 * ({@link CrossGroupDeadlocks}). What the victim's group then does is {@link BreakDeadlockTest}'s subject.
 */
class CrossGroupDeadlocksTest {

    private static final SessionId A = new SessionId("a");
    private static final SessionId B = new SessionId("b");
    private static final SessionId C = new SessionId("c");
    private static final SessionId D = new SessionId("d");

    @Test
    void noCycleNoBreaking() {
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of(
                List.of(new WaitEdge(A, "x", EXCLUSIVE, B)), List.of(new WaitEdge(B, "y", EXCLUSIVE, C)), List.of())));
        // A session waiting in two groups for the same holder: two edges, still no cycle.
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of(
                List.of(new WaitEdge(A, "x", EXCLUSIVE, B)), List.of(new WaitEdge(A, "y", SHARED, B)))));
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of(List.of(), List.of())));
        assertEquals(Optional.empty(), CrossGroupDeadlocks.find(List.of()));
    }

    @Test
    void aCycleThroughTwoGroupsIsBrokenAtTheGreatestSession() {
        WaitEdge aWaitsB = new WaitEdge(A, "y", EXCLUSIVE, B); // y is in group 1
        WaitEdge bWaitsA = new WaitEdge(B, "x", SHARED, A); // x is in group 0
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(List.of(List.of(bWaitsA), List.of(aWaitsB)))
                .orElseThrow();
        assertEquals(0, found.group());
        assertEquals(bWaitsA, found.victimEdge());
        assertEquals(List.of(bWaitsA, aWaitsB), found.cycle().edges());
        assertEquals(new LockCommand.BreakDeadlock(B, "x", found.cycle(), 7), found.command(7));
        // The search enters the cycle at a (group 1 first): the victim and the cycle's order are the same.
        assertEquals(found.cycle(), CrossGroupDeadlocks.find(List.of(List.of(aWaitsB), List.of(bWaitsA)))
                .orElseThrow().cycle());
    }

    @Test
    void aCycleThroughThreeGroupsStartsWithTheVictimsEdge() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B); // group 0
        WaitEdge bc = new WaitEdge(B, "y", SHARED, C); // group 1
        WaitEdge ca = new WaitEdge(C, "z", EXCLUSIVE, A); // group 2
        WaitEdge dc = new WaitEdge(D, "z", EXCLUSIVE, C); // group 2, d waits behind c: not in the cycle
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(List.of(List.of(ab), List.of(bc),
                List.of(dc, ca))).orElseThrow();
        assertEquals(new CrossGroupDeadlocks.Breaking(2, ca, new WaitForCycle(List.of(ca, ab, bc))), found);
    }

    @Test
    void theVictimIsTheSameWhateverTheOrderOfTheGroupsLists() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge bc = new WaitEdge(B, "y", SHARED, C);
        WaitEdge ca = new WaitEdge(C, "z", EXCLUSIVE, A);
        List<List<WaitEdge>> groups = List.of(List.of(ab, new WaitEdge(D, "x", SHARED, A)), List.of(bc),
                List.of(new WaitEdge(D, "z", EXCLUSIVE, C), ca));
        WaitForCycle expected = new WaitForCycle(List.of(ca, ab, bc));
        int orders = 0;
        for (List<Integer> order : permutations(List.of(0, 1, 2))) {
            List<List<WaitEdge>> permuted = new ArrayList<>();
            for (int g : order) {
                permuted.add(groups.get(g));
            }
            CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(permuted).orElseThrow();
            assertEquals(ca, found.victimEdge(), () -> "order " + order);
            assertEquals(expected, found.cycle(), () -> "order " + order);
            assertEquals(order.indexOf(2), found.group(), () -> "order " + order);
            assertEquals(found, CrossGroupDeadlocks.find(permuted).orElseThrow(), "the same input, the same answer");
            orders++;
        }
        assertEquals(6, orders);
    }

    @Test
    void aCycleWithinOneGroupIsFoundToo() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A);
        CrossGroupDeadlocks.Breaking found =
                CrossGroupDeadlocks.find(List.of(List.of(), List.of(ab, ba))).orElseThrow();
        assertEquals(1, found.group());
        assertEquals(ba, found.victimEdge());
        assertEquals(List.of(ba, ab), found.cycle().edges());
    }

    @Test
    void anEdgeListedByTwoGroupsBelongsToTheFirst() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A);
        CrossGroupDeadlocks.Breaking found =
                CrossGroupDeadlocks.find(List.of(List.of(ab), List.of(ba), List.of(ba, ab))).orElseThrow();
        assertEquals(1, found.group());
        assertEquals(List.of(ba, ab), found.cycle().edges());
    }

    @Test
    void aVictimWaitingInTwoGroupsIsBrokenWhereItsCycleEdgeIs() {
        // b waits for y (group 1) held by a, and for x (group 0) held by c, which waits for nothing.
        WaitEdge ab = new WaitEdge(A, "z", EXCLUSIVE, B); // group 2
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A); // group 1
        WaitEdge bc = new WaitEdge(B, "x", EXCLUSIVE, C); // group 0
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(List.of(List.of(bc), List.of(ba), List.of(ab)))
                .orElseThrow();
        assertEquals(new CrossGroupDeadlocks.Breaking(1, ba, new WaitForCycle(List.of(ba, ab))), found);
    }

    @Test
    void ofSeveralCyclesOneIsReportedWithItsOwnGreatestWaiter() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A);
        WaitEdge cd = new WaitEdge(C, "v", EXCLUSIVE, D);
        WaitEdge dc = new WaitEdge(D, "w", EXCLUSIVE, C);
        List<List<WaitEdge>> groups = List.of(List.of(ab, cd), List.of(ba, dc));
        CrossGroupDeadlocks.Breaking found = CrossGroupDeadlocks.find(groups).orElseThrow();
        // The search starts at the first waiter listed (a), so the a-b cycle is found, broken at b.
        assertEquals(new CrossGroupDeadlocks.Breaking(1, ba, new WaitForCycle(List.of(ba, ab))), found);
        Set<WaitEdge> union = new HashSet<>(List.of(ab, ba, cd, dc));
        assertTrue(union.containsAll(found.cycle().edges()));
        // Once a-b is broken (b no longer waits), the next scan finds c-d.
        assertEquals(new CrossGroupDeadlocks.Breaking(1, dc, new WaitForCycle(List.of(dc, cd))),
                CrossGroupDeadlocks.find(List.of(List.of(ab, cd), List.of(dc))).orElseThrow());
    }

    @Test
    void aBreakingIsValidated() {
        WaitEdge ab = new WaitEdge(A, "x", EXCLUSIVE, B);
        WaitEdge ba = new WaitEdge(B, "y", EXCLUSIVE, A);
        WaitForCycle cycle = new WaitForCycle(List.of(ba, ab));
        assertThrows(IllegalArgumentException.class, () -> new CrossGroupDeadlocks.Breaking(-1, ba, cycle));
        assertThrows(IllegalArgumentException.class, () -> new CrossGroupDeadlocks.Breaking(0, ab, cycle));
        assertThrows(NullPointerException.class, () -> new CrossGroupDeadlocks.Breaking(0, null, cycle));
        assertThrows(NullPointerException.class, () -> CrossGroupDeadlocks.find(null));
    }

    private static List<List<Integer>> permutations(List<Integer> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<Integer>> all = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Integer> rest = new ArrayList<>(items);
            Integer first = rest.remove(i);
            for (List<Integer> tail : permutations(rest)) {
                List<Integer> p = new ArrayList<>();
                p.add(first);
                p.addAll(tail);
                all.add(p);
            }
        }
        return all;
    }
}
