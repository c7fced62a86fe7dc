package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.cache.core.History.Kind;
import io.dsync.cache.core.History.Rec;

/** The linearizability checker on hand-made histories: it accepts what is linearizable and only that. */
class RegisterCheckerTest {

    private final List<Rec> ops = new ArrayList<>();
    private long id;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Versioned v(String value, long version) {
        return new Versioned(value == null ? null : bytes(value), version);
    }

    private Rec put(String value, long from, long to, long version, Versioned previous) {
        Rec r = new Rec(++id, "n", "k", Kind.PUT, from, bytes(value));
        r.completed = to;
        r.result = new OpResult.Wrote(previous, v(value, version));
        ops.add(r);
        return r;
    }

    private Rec pendingPut(String value, long from) {
        Rec r = new Rec(++id, "n", "k", Kind.PUT, from, bytes(value));
        ops.add(r);
        return r;
    }

    private Rec get(long from, long to, Versioned seen) {
        Rec r = new Rec(++id, "n", "k", Kind.GET, from, null);
        r.completed = to;
        r.result = new OpResult.Read(seen);
        ops.add(r);
        return r;
    }

    @Test
    void acceptsSequentialAndOverlappingHistories() {
        get(1, 2, Versioned.INITIAL);
        put("p1", 3, 4, 1, Versioned.INITIAL);
        get(5, 8, v("p1", 1));
        put("p2", 6, 9, 2, v("p1", 1));
        get(7, 10, v("p2", 2)); // concurrent with the put: may see it
        get(11, 12, v("p2", 2));
        assertThat(RegisterChecker.check("k", ops)).isEmpty();
    }

    @Test
    void rejectsAStaleRead() {
        put("p1", 1, 2, 1, Versioned.INITIAL);
        put("p2", 3, 4, 2, v("p1", 1));
        get(5, 6, v("p1", 1));
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("no linearization"));
    }

    @Test
    void rejectsReadsThatGoBackInTime() {
        put("p1", 1, 2, 1, Versioned.INITIAL);
        put("p2", 3, 20, 2, v("p1", 1));
        get(4, 5, v("p2", 2));
        get(6, 7, v("p1", 1)); // after a read that saw p2, while p2 is still running
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("no linearization"));
    }

    @Test
    void rejectsAReadOfTheFuture() {
        get(1, 2, v("p1", 1));
        put("p1", 3, 4, 1, Versioned.INITIAL);
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("no linearization"));
    }

    @Test
    void rejectsALostWriteAndAnInventedValue() {
        put("p1", 1, 2, 1, Versioned.INITIAL);
        put("p2", 3, 4, 1, Versioned.INITIAL); // both claim version 1: one of them was lost
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("two writes"));

        ops.clear();
        get(1, 2, v("p9", 1));
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("which no operation wrote"));
    }

    @Test
    void aPendingWriteTakesEffectWhenItIsSeenAndMayNotBeSeenAtAll() {
        pendingPut("p1", 1);
        get(2, 3, Versioned.INITIAL);
        get(4, 5, v("p1", 1));
        get(6, 7, v("p1", 1));
        assertThat(RegisterChecker.check("k", ops)).isEmpty();

        ops.clear();
        pendingPut("p1", 1);
        get(2, 3, Versioned.INITIAL);
        assertThat(RegisterChecker.check("k", ops)).isEmpty();
    }

    @Test
    void rejectsAComputeThatDidNotReadThePreviousValue() {
        put("p1", 1, 2, 1, Versioned.INITIAL);
        put("p2", 3, 4, 2, v("p1", 1));
        Rec c = new Rec(++id, "n", "k", Kind.COMPUTE, 5, bytes("c3|p1"));
        c.completed = 6;
        c.result = new OpResult.Wrote(v("p2", 2), v("c3|p1", 3));
        ops.add(c);
        assertThat(RegisterChecker.check("k", ops)).hasValueSatisfying(m -> assertThat(m).contains("compute"));
    }
}
