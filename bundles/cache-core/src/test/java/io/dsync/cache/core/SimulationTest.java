package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

import io.dsync.cache.WriteMode;

/**
 * The protocol under random schedules (see {@link Simulation}): many seeds per write mode, each checked
 * for the single-writer invariant after every event, linearizability per key, no acknowledged write
 * lost (write-through) and only explained losses (write-back). {@code -Ddsync.cache.seeds=N} runs N
 * seeds per mode (default 250, so 500 runs).
 */
class SimulationTest {

    static int seeds() {
        return Integer.getInteger("dsync.cache.seeds", 250);
    }

    @Test
    void writeThroughKeepsEveryInvariant() {
        runMany(WriteMode.WRITE_THROUGH);
    }

    @Test
    void writeBackKeepsEveryInvariant() {
        runMany(WriteMode.WRITE_BACK);
    }

    private static void runMany(WriteMode mode) {
        Map<Transition, Long> transitions = new TreeMap<>();
        Map<String, Long> counters = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        Long only = Long.getLong("dsync.cache.seed");
        LongStream range = only != null ? LongStream.of(only) : LongStream.rangeClosed(1, seeds());
        range.forEach(seed -> {
            Simulation.Result r = new Simulation(seed, Simulation.Config.of(mode)).run();
            r.violation().ifPresent(violations::add);
            r.transitions().forEach((t, c) -> transitions.merge(t, c, Long::sum));
            r.counters().forEach((k, c) -> counters.merge(k, c, Long::sum));
        });
        System.out.println(mode + ", " + seeds() + " seeds: " + counters);
        transitions.forEach((t, c) -> System.out.println("  " + t + ": " + c));
        assertThat(violations).isEmpty();
    }
}
