package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.dsync.cache.WriteMode;
import io.dsync.cache.core.Transition.Cause;

/**
 * The protocol under random schedules (see {@link Simulation}): many seeds per write mode, each checked
 * for the single-writer invariant after every event, linearizability per key, no acknowledged write
 * lost (write-through) and only explained losses (write-back). {@code -Ddsync.cache.seeds=N} runs N
 * seeds per mode (default 250, so 500 runs); {@code -Ddsync.cache.seed=S} runs seed S alone, and
 * {@code -Ddsync.cache.trace=S:key} prints its schedule for one key. The test prints the MESI
 * transitions per kind and asserts that every kind occurred, and that the faults it claims to inject
 * did occur: a passing run proves little otherwise.
 */
class SimulationTest {

    private static final MesiState I = MesiState.INVALID;
    private static final MesiState S = MesiState.SHARED;
    private static final MesiState E = MesiState.EXCLUSIVE;
    private static final MesiState M = MesiState.MODIFIED;

    /** The transitions both modes must show. */
    private static final Set<Transition> COMMON = Set.of(
            new Transition(I, S, Cause.READ_MISS), new Transition(I, E, Cause.READ_MISS),
            new Transition(I, E, Cause.WRITE_MISS), new Transition(S, E, Cause.UPGRADE),
            new Transition(E, S, Cause.DOWNGRADE),
            new Transition(S, I, Cause.INVALIDATION), new Transition(S, I, Cause.EVICTION),
            new Transition(S, I, Cause.LOCAL_INVALIDATION), new Transition(S, I, Cause.LEASE_EXPIRY),
            new Transition(S, I, Cause.RENEWAL_REFUSED),
            new Transition(E, I, Cause.INVALIDATION), new Transition(E, I, Cause.EVICTION),
            new Transition(E, I, Cause.LOCAL_INVALIDATION), new Transition(E, I, Cause.LEASE_EXPIRY));

    /** The transitions only write-back caches have. */
    private static final Set<Transition> WRITE_BACK = Set.of(
            new Transition(E, M, Cause.SILENT_UPGRADE), new Transition(M, S, Cause.DOWNGRADE),
            new Transition(M, E, Cause.FLUSH), new Transition(M, I, Cause.INVALIDATION),
            new Transition(M, I, Cause.EVICTION), new Transition(M, I, Cause.LOCAL_INVALIDATION),
            new Transition(M, I, Cause.LEASE_EXPIRY), new Transition(M, I, Cause.RENEWAL_REFUSED));

    static int seeds() {
        return Integer.getInteger("dsync.cache.seeds", 250);
    }

    @Test
    void writeThroughKeepsEveryInvariant() {
        Map<Transition, Long> transitions = runMany(WriteMode.WRITE_THROUGH);
        if (transitions != null) {
            assertThat(transitions.keySet()).containsAll(COMMON);
            assertThat(transitions.keySet()).noneMatch(t -> t.to() == M || t.from() == M);
        }
    }

    @Test
    void writeBackKeepsEveryInvariant() {
        Map<Transition, Long> transitions = runMany(WriteMode.WRITE_BACK);
        if (transitions != null) {
            assertThat(transitions.keySet()).containsAll(COMMON).containsAll(WRITE_BACK);
        }
    }

    /** Runs the seeds; returns the transitions, or {@code null} for a single seed (no coverage asserted). */
    private static Map<Transition, Long> runMany(WriteMode mode) {
        Map<Transition, Long> transitions = new TreeMap<>();
        Map<String, Long> counters = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        Long only = Long.getLong("dsync.cache.seed");
        LongStream range = only != null ? LongStream.of(only) : LongStream.rangeClosed(1, seeds());
        long start = System.nanoTime();
        range.forEach(seed -> {
            Simulation.Result r = new Simulation(seed, Simulation.Config.of(mode)).run();
            r.violation().ifPresent(violations::add);
            r.transitions().forEach((t, c) -> transitions.merge(t, c, Long::sum));
            r.counters().forEach((k, c) -> counters.merge(k, c, Long::sum));
        });
        System.out.printf("%s: %d seeds in %d ms, %d violations%n  %s%n  MESI transitions: %s%n", mode,
                only != null ? 1 : seeds(), (System.nanoTime() - start) / 1_000_000, violations.size(), counters,
                transitions.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
        assertThat(violations).isEmpty();
        if (only != null) {
            return null;
        }
        for (String fault : List.of("crashes", "restarts", "home epochs", "partitions", "one-way cuts",
                "registry cuts", "memory failures", "messages dropped", "operations failed",
                "reads of readable copies", "grants from the home's copy", "memory reads")) {
            assertThat(counters.get(fault)).as(fault).isPositive();
        }
        assertThat(counters.get("operations completed")).isGreaterThan(counters.get("operations") / 2);
        if (mode == WriteMode.WRITE_THROUGH && seeds() >= 16) {
            assertThat(counters.get("cold reads from memory")).as("cold reads exercised").isPositive();
        } else {
            assertThat(counters).as("a write-back cache never reads main memory without a fence")
                    .doesNotContainKey("cold reads from memory");
        }
        if (mode == WriteMode.WRITE_BACK && seeds() >= 100) {
            assertThat(counters.get("writes lost (write-back)")).as("write-back losses exercised").isPositive();
        }
        return transitions;
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        for (WriteMode mode : EnumSet.allOf(WriteMode.class)) {
            Simulation.Result a = new Simulation(42, Simulation.Config.of(mode)).run();
            Simulation.Result b = new Simulation(42, Simulation.Config.of(mode)).run();
            assertThat(b.transitions()).isEqualTo(a.transitions());
            assertThat(b.counters()).isEqualTo(a.counters());
        }
    }
}
