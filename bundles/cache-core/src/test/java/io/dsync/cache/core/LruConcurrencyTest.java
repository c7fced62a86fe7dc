package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads hammer one {@link Lru} (plain and W-TinyLFU) with gets, puts and removes of overlapping keys. The map must stay
 * consistent: bounded by its capacity (nothing is pinned), every key listed once and mapped to a value
 * put for it, and the bookkeeping of puts, removes and evictions balanced: every value put is, at the
 * end, either still in the map, removed by a caller, replaced, or reported evicted exactly once.
 */
class LruConcurrencyTest {

    private static final int THREADS = 8;
    private static final int OPS = 100_000;
    private static final int KEYS = 512;
    private static final int CAPACITY = 64;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void staysConsistentUnderConcurrentAccess(boolean windowTinyLfu) throws Exception {
        Set<String> evictedValues = ConcurrentHashMap.newKeySet();
        AtomicLong duplicateEvictions = new AtomicLong();
        Lru.EvictionListener<Integer, String> listener = (k, v) -> {
            if (!evictedValues.add(v)) {
                duplicateEvictions.incrementAndGet();
            }
        };
        Lru<Integer, String> lru = windowTinyLfu ? Lru.windowTinyLfu(CAPACITY, v -> true, listener)
                : new Lru<>(CAPACITY, v -> true, listener);
        Set<String> removedOrReplaced = ConcurrentHashMap.newKeySet();
        AtomicLong puts = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                SplittableRandom random = new SplittableRandom(thread);
                for (int i = 0; i < OPS; i++) {
                    int key = random.nextInt(KEYS);
                    int p = random.nextInt(100);
                    if (p < 60) {
                        String v = lru.get(key);
                        if (v != null) {
                            assertThat(v).startsWith(key + ":");
                        }
                    } else if (p < 90) {
                        String previous = lru.put(key, key + ":" + thread + ":" + i);
                        puts.incrementAndGet();
                        if (previous != null) {
                            removedOrReplaced.add(previous);
                        }
                    } else {
                        String removed = lru.remove(key);
                        if (removed != null) {
                            removedOrReplaced.add(removed);
                        }
                    }
                    assertThat(lru.size()).isLessThanOrEqualTo(CAPACITY);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        List<Integer> keys = lru.keys(Integer.MAX_VALUE);
        List<String> values = lru.values();
        assertThat(keys).hasSize(lru.size()).doesNotHaveDuplicates().hasSizeLessThanOrEqualTo(CAPACITY);
        assertThat(values).hasSameSizeAs(keys);
        for (int i = 0; i < keys.size(); i++) {
            assertThat(values.get(i)).startsWith(keys.get(i) + ":");
            assertThat(lru.peek(keys.get(i))).isEqualTo(values.get(i));
        }
        assertThat(duplicateEvictions).hasValue(0);
        Set<String> accounted = new HashSet<>(values);
        accounted.addAll(removedOrReplaced);
        accounted.addAll(evictedValues);
        assertThat((long) values.size() + removedOrReplaced.size() + evictedValues.size())
                .as("every value put ends in exactly one place").isEqualTo(puts.get())
                .isEqualTo(accounted.size());
    }
}
