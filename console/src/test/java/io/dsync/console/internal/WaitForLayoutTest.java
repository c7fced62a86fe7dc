package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.console.internal.WaitForLayout.ArcKind;
import io.dsync.console.internal.WaitForLayout.Kind;

class WaitForLayoutTest {

    private static final Instant T = Instant.parse("2026-12-04T06:00:00Z");

    static LockTableSnapshot.Lock lock(String name, List<String> holders, List<String> waiters) {
        return new LockTableSnapshot.Lock(name, 1,
                holders.stream().map(s -> new LockTableSnapshot.Holder(s, "EXCLUSIVE", 1, 1, T.plusSeconds(30))).toList(),
                waiters.stream().map(s -> new LockTableSnapshot.Waiter(s, "EXCLUSIVE", false, T, T.plusSeconds(10))).toList());
    }

    static LockTableSnapshot table(List<LockTableSnapshot.Lock> locks, List<LockTableSnapshot.Edge> edges) {
        return new LockTableSnapshot(1, T, 0, locks.size(), locks, edges, List.of());
    }

    static LockTableSnapshot.Edge edge(String waiter, String lock, String holder) {
        return new LockTableSnapshot.Edge(waiter, lock, "EXCLUSIVE", holder);
    }

    @Test
    void sessionsOnTheLeftLocksOnTheRightEachByName() throws IOException {
        WaitForLayout.Layout l = WaitForLayout.layout(LockJsonReader.table(LockJsonReaderTest.captured("table-wait.json")), 40, 60);

        String s1 = LockJsonReaderTest.S1;
        String s2 = LockJsonReaderTest.S2;
        assertThat(l.vertices()).containsExactly(
                new WaitForLayout.Vertex(Kind.SESSION, s1, WaitForLayout.SESSION_X, WaitForLayout.TOP, false),
                new WaitForLayout.Vertex(Kind.SESSION, s2, WaitForLayout.SESSION_X, WaitForLayout.TOP + WaitForLayout.ROW, false),
                new WaitForLayout.Vertex(Kind.LOCK, "orders/1", WaitForLayout.LOCK_X, WaitForLayout.TOP, false),
                new WaitForLayout.Vertex(Kind.LOCK, "orders/2", WaitForLayout.LOCK_X, WaitForLayout.TOP + WaitForLayout.ROW, false));
        assertThat(l.arcs()).containsExactly(
                new WaitForLayout.Arc(ArcKind.HOLD, s1, "orders/1", "EXCLUSIVE", false),
                new WaitForLayout.Arc(ArcKind.HOLD, s2, "orders/2", "EXCLUSIVE", false),
                new WaitForLayout.Arc(ArcKind.WAIT, s1, "orders/2", "EXCLUSIVE", false));
        assertThat(l.height()).isEqualTo(2 * WaitForLayout.TOP + WaitForLayout.ROW);
        assertThat(l.locksLeftOut()).isZero();
        assertThat(l.sessionsLeftOut()).isZero();
    }

    @Test
    void aCycleOfThreeSessionsIsMarkedAndATailOutsideItIsNot() {
        // a -> b -> c -> a through l1, l2, l3; d waits for l1 (held by b) but nobody waits for d.
        LockTableSnapshot t = table(
                List.of(lock("l1", List.of("b"), List.of("a", "d")), lock("l2", List.of("c"), List.of("b")),
                        lock("l3", List.of("a"), List.of("c"))),
                List.of(edge("a", "l1", "b"), edge("d", "l1", "b"), edge("b", "l2", "c"), edge("c", "l3", "a")));

        WaitForLayout.Layout l = WaitForLayout.layout(t, 40, 60);

        assertThat(l.vertices()).filteredOn(WaitForLayout.Vertex::inCycle).extracting(WaitForLayout.Vertex::name)
                .containsExactly("a", "b", "c", "l1", "l2", "l3");
        assertThat(l.arcs()).filteredOn(a -> !a.inCycle())
                .containsExactly(new WaitForLayout.Arc(ArcKind.WAIT, "d", "l1", "EXCLUSIVE", false));
        assertThat(l.arcs()).filteredOn(WaitForLayout.Arc::inCycle).hasSize(6);
    }

    @Test
    void aChainWithoutACycleMarksNothing() {
        LockTableSnapshot t = table(List.of(lock("l1", List.of("b"), List.of("a")), lock("l2", List.of("c"), List.of("b"))),
                List.of(edge("a", "l1", "b"), edge("b", "l2", "c")));

        WaitForLayout.Layout l = WaitForLayout.layout(t, 40, 60);

        assertThat(l.vertices()).noneMatch(WaitForLayout.Vertex::inCycle);
        assertThat(l.arcs()).noneMatch(WaitForLayout.Arc::inCycle);
    }

    @Test
    void aBigTableIsCutDeterministicallyKeepingTheLocksWithWaiters() {
        List<LockTableSnapshot.Lock> locks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            locks.add(lock(String.format("l%03d", i), List.of("s" + i), i == 77 ? List.of("w") : List.of()));
        }
        LockTableSnapshot t = new LockTableSnapshot(1, T, 101, 150, locks, List.of(edge("w", "l077", "s77")), List.of());

        WaitForLayout.Layout l = WaitForLayout.layout(t, 10, 5);

        assertThat(l.vertices()).filteredOn(v -> v.kind() == Kind.LOCK).extracting(WaitForLayout.Vertex::name)
                .containsExactly("l000", "l001", "l002", "l003", "l004", "l005", "l006", "l007", "l008", "l077");
        assertThat(l.locksLeftOut()).isEqualTo(140);
        assertThat(l.vertices()).filteredOn(v -> v.kind() == Kind.SESSION).hasSize(5);
        assertThat(l.sessionsLeftOut()).isEqualTo(6);
        assertThat(WaitForLayout.layout(t, 10, 5)).isEqualTo(l);
        // Arcs only between drawn vertices.
        assertThat(l.arcs()).allMatch(a -> l.vertex(Kind.SESSION, a.session()) != null && l.vertex(Kind.LOCK, a.lock()) != null);
    }

    @Test
    void aLongChainOfWaitersDoesNotOverflowTheStack() {
        List<LockTableSnapshot.Edge> edges = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            edges.add(edge("s" + i, "l" + i, "s" + (i + 1)));
        }
        edges.add(edge("s50000", "l50000", "s0"));

        WaitForLayout.Layout l = WaitForLayout.layout(table(List.of(lock("l0", List.of("s1"), List.of("s0"))), edges), 40, 60);

        assertThat(l.arcs()).allMatch(WaitForLayout.Arc::inCycle);
    }

    @Test
    void anEmptyTableHasNoVertices() {
        WaitForLayout.Layout l = WaitForLayout.layout(table(List.of(), List.of()), 40, 60);

        assertThat(l.vertices()).isEmpty();
        assertThat(l.height()).isEqualTo(2 * WaitForLayout.TOP);
    }
}
