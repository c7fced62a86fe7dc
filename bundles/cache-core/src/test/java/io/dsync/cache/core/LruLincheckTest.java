package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * {@link Lru} is linearizable: Lincheck runs small concurrent scenarios of its operations (three threads, a few
 * operations each, on four keys with a capacity of two entries and a weight limit of 4, values 1 to 3 weighing what
 * they are, so that puts evict by either bound) and checks that every outcome it sees is
 * one that some sequential order of the same operations produces, the recency order ({@code keys}) and the total
 * weight included. Two
 * strategies: stress (real threads, many invocations) and model checking (Lincheck controls the thread switches
 * inside the operations and explores interleavings systematically). A negative control shows that the same check
 * rejects an operation that is not atomic.
 */
@Param(name = "key", gen = IntGen.class, conf = "1:4")
public class LruLincheckTest {

    private final Lru<Integer, Integer> lru = new Lru<>(2, 4, Integer::longValue, v -> true, (k, v) -> { });

    @Operation
    public Integer get(@Param(name = "key") int key) {
        return lru.get(key);
    }

    @Operation
    public Integer peek(@Param(name = "key") int key) {
        return lru.peek(key);
    }

    @Operation
    public Integer put(@Param(name = "key") int key, @Param(gen = IntGen.class, conf = "1:3") int value) {
        return lru.put(key, value);
    }

    @Operation
    public Integer remove(@Param(name = "key") int key) {
        return lru.remove(key);
    }

    /** The keys from the most to the least recently used: the recency order is part of the state checked. */
    @Operation
    public List<Integer> keys() {
        return lru.keys(Integer.MAX_VALUE);
    }

    @Operation
    public int size() {
        return lru.size();
    }

    @Operation
    public long weight() {
        return lru.weight();
    }

    @Test
    void linearizableUnderStress() {
        new StressOptions().iterations(10).invocationsPerIteration(1_000).threads(3).actorsPerThread(3)
                .actorsBefore(2).actorsAfter(1).check(LruLincheckTest.class);
    }

    @Test
    void linearizableInEveryExploredInterleaving() {
        modelChecking().check(LruLincheckTest.class);
    }

    /** The negative control: the same check finds a check-then-act built from two atomic operations. */
    @Test
    void theCheckCatchesANonAtomicPutIfAbsent() {
        assertThatThrownBy(() -> modelChecking().minimizeFailedScenario(false).check(CheckThenActPutIfAbsent.class))
                .isInstanceOf(LincheckAssertionError.class).hasMessageContaining("putIfAbsent");
    }

    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions().iterations(10).invocationsPerIteration(100).threads(3).actorsPerThread(3)
                .actorsBefore(2).actorsAfter(1);
    }

    /** A put-if-absent made of {@code peek} then {@code put}: two callers can both find the key absent. */
    @Param(name = "key", gen = IntGen.class, conf = "1:2")
    public static class CheckThenActPutIfAbsent {

        private final Lru<Integer, Integer> lru = new Lru<>(2, v -> true, (k, v) -> { });

        @Operation
        public Integer putIfAbsent(@Param(name = "key") int key, @Param(gen = IntGen.class, conf = "1:3") int value) {
            Integer current = lru.peek(key);
            if (current == null) {
                lru.put(key, value);
            }
            return current;
        }

        @Operation
        public Integer remove(@Param(name = "key") int key) {
            return lru.remove(key);
        }
    }
}
