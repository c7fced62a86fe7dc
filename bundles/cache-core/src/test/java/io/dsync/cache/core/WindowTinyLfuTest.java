package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.junit.jupiter.api.Test;

/**
 * {@link Lru#windowTinyLfu}: the map's contract under W-TinyLFU (capacity, pinning, every eviction reported once) and
 * the hit ratios it buys, printed beside plain LRU and Caffeine on the same traces.
 */
class WindowTinyLfuTest {

    private final List<String> evicted = new ArrayList<>();
    private final Set<String> pinned = new HashSet<>();

    private Lru<String, String> tinyLfu(int capacity) {
        return Lru.windowTinyLfu(capacity, v -> !pinned.contains(v), (k, v) -> evicted.add(k));
    }

    @Test
    void aKeyUsedOftenOutlivesAScanOfKeysUsedOnceWhichLruDoesNot() {
        Lru<String, String> lfu = tinyLfu(100);
        List<String> lruEvicted = new ArrayList<>();
        Lru<String, String> lru = new Lru<>(100, v -> true, (k, v) -> lruEvicted.add(k));
        for (Lru<String, String> map : List.of(lfu, lru)) {
            for (int round = 0; round < 5; round++) {
                map.put("hot", "hot");
            }
            for (int i = 0; i < 1_000; i++) {
                map.put("scan-" + i, "scan-" + i);
            }
        }
        assertThat(lfu.peek("hot")).isEqualTo("hot");
        assertThat(evicted).doesNotContain("hot").hasSize(901);
        assertThat(lru.peek("hot")).as("plain LRU loses it").isNull();
        assertThat(lruEvicted).contains("hot");
        assertThat(lfu.size()).isEqualTo(100);
    }

    @Test
    void aNewKeyGetsInWhileTheMainPartHasRoomAndItsUseDecidesAfterwardsAndAKeyUsedAgainIsProtected() {
        Lru<String, String> lfu = tinyLfu(3); // window 1, main 2
        lfu.put("a", "a");
        lfu.put("b", "b");
        lfu.put("c", "c");
        assertThat(evicted).isEmpty();
        assertThat(lfu.keys(10)).containsExactlyInAnyOrder("a", "b", "c");

        lfu.get("c");
        lfu.get("c");
        lfu.put("d", "d"); // c leaves the window and beats the main part's oldest (a: used once)
        assertThat(evicted).containsExactly("a");
        lfu.put("e", "e"); // d, used once, loses against b (used once too: a tie keeps the resident)
        assertThat(evicted).containsExactly("a", "d");
        assertThat(lfu.keys(10)).as("window, then probation").containsExactly("e", "c", "b");

        lfu.get("b"); // used again on probation: protected (its share of a main part of 2 is 1)
        assertThat(lfu.keys(10)).as("window, protected, probation").containsExactly("e", "b", "c");
        lfu.get("c"); // protected over its share: b back to probation
        assertThat(lfu.keys(10)).containsExactly("e", "c", "b");
        lfu.get("f");
        lfu.get("f");
        lfu.put("f", "f"); // e leaves the window and loses against probation's oldest (b, used twice)
        assertThat(evicted).containsExactly("a", "d", "e");
    }

    @Test
    void whileTheMapFillsUpTheWindowKeepsItsShareAndTheRestIsOnProbation() {
        Lru<String, String> lfu = tinyLfu(200); // window 2
        for (int i = 0; i < 100; i++) {
            lfu.put("k" + i, "k" + i);
        }
        lfu.get("k0"); // on probation, used again: protected
        assertThat(lfu.keys(4)).containsExactly("k99", "k98", "k0", "k97");
        assertThat(evicted).isEmpty();
    }

    @Test
    void pinnedEntriesStayAndTrimEvictsOnceTheyAreReleased() {
        Lru<String, String> lfu = tinyLfu(2);
        lfu.put("a", "a");
        lfu.put("b", "b");
        pinned.addAll(List.of("a", "b", "c"));
        lfu.put("c", "c");
        assertThat(evicted).isEmpty();
        assertThat(lfu.size()).isEqualTo(3);

        pinned.clear();
        assertThat(lfu.trim()).isEqualTo(1);
        assertThat(lfu.size()).isEqualTo(2);
        assertThat(evicted).hasSize(1);
    }

    @Test
    void randomOperationsKeepTheMapWithinCapacityAndReportEachEvictionOnce() {
        Random random = new Random(42);
        for (int capacity : new int[] {1, 2, 7, 150}) {
            evicted.clear();
            Lru<String, String> lfu = tinyLfu(capacity);
            Map<String, String> model = new HashMap<>();
            for (int i = 0; i < 20_000; i++) {
                String key = "k" + (int) Math.abs(random.nextGaussian() * capacity * 2);
                int op = random.nextInt(10);
                if (op < 5) {
                    lfu.put(key, key);
                    model.put(key, key);
                } else if (op < 9) {
                    assertThat(lfu.get(key)).isEqualTo(model.containsKey(key) ? key : null);
                } else {
                    lfu.remove(key);
                    model.remove(key);
                }
                for (String gone : evicted) {
                    assertThat(model.remove(gone)).as("evicted once, and only what it held: " + gone).isNotNull();
                }
                evicted.clear();
                assertThat(lfu.size()).isEqualTo(model.size()).isLessThanOrEqualTo(capacity);
            }
            assertThat(lfu.keys(Integer.MAX_VALUE)).containsExactlyInAnyOrderElementsOf(model.keySet());
        }
    }

    @Test
    void theSketchNeverCountsBelowTheTruthAndForgetsByHalves() {
        FrequencySketch sketch = new FrequencySketch(1_000);
        for (int k = 0; k < 500; k++) {
            for (int n = 0; n <= k % 12; n++) {
                sketch.increment("key-" + k);
            }
        }
        for (int k = 0; k < 500; k++) {
            assertThat(sketch.frequency("key-" + k)).isGreaterThanOrEqualTo(k % 12 + 1);
        }
        for (int n = 0; n < 20; n++) {
            sketch.increment("hot");
        }
        assertThat(sketch.frequency("hot")).isEqualTo(15);
        for (int i = 0; i < 10_000; i++) {
            sketch.increment("other-" + i);
        }
        assertThat(sketch.frequency("hot")).as("halved at least once").isLessThanOrEqualTo(7);
    }

    /**
     * The hit ratios of plain LRU, this W-TinyLFU and Caffeine (its W-TinyLFU with an adaptive window) on the same
     * traces, printed for docs/cache.md: Zipf s=0.99 over 100,000 keys with 10,000 entries (the read-mostly benchmark's
     * shape), the same with a scan of once-read keys after every 10 reads, and uniform keys (where no policy can beat
     * capacity/keys).
     */
    @Test
    void hitRatiosOnTheSameTraces() {
        Map<String, int[]> traces = new LinkedHashMap<>();
        traces.put("Zipf 0.99, 100k keys", zipf(100_000, 0.99, 1_000_000, new Random(7), 0));
        traces.put("Zipf 0.99 + 1 scan key in 10", zipf(100_000, 0.99, 1_000_000, new Random(7), 10));
        traces.put("uniform, 100k keys", new Random(7).ints(1_000_000, 0, 100_000).toArray());
        System.out.println("| trace (10,000 entries) | LRU | dsync W-TinyLFU | Caffeine |");
        System.out.println("|---|---:|---:|---:|");
        for (Map.Entry<String, int[]> t : traces.entrySet()) {
            double lru = hitRatio(new Lru<>(10_000, v -> true, (k, v) -> { }), t.getValue());
            double lfu = hitRatio(Lru.windowTinyLfu(10_000, v -> true, (k, v) -> { }), t.getValue());
            double caffeine = caffeineHitRatio(t.getValue());
            System.out.printf("| %s | %.1f%% | %.1f%% | %.1f%% |%n", t.getKey(), 100 * lru, 100 * lfu, 100 * caffeine);
            if (t.getKey().startsWith("Zipf")) {
                assertThat(lfu).as(t.getKey()).isGreaterThan(lru + 0.01);
            } else {
                assertThat(lfu).as(t.getKey()).isGreaterThan(0.08);
            }
        }
    }

    private static double hitRatio(Lru<Integer, Integer> map, int[] trace) {
        return hitRatio(trace, map::get, map::put);
    }

    private static double caffeineHitRatio(int[] trace) {
        Cache<Integer, Integer> cache = Caffeine.newBuilder().maximumSize(10_000).executor(Runnable::run).build();
        return hitRatio(trace, cache::getIfPresent, cache::put);
    }

    /** Reads each key of the trace, inserting it on a miss; the share of reads that hit. */
    private static double hitRatio(int[] trace, Function<Integer, Integer> get, BiConsumer<Integer, Integer> put) {
        long hits = 0;
        for (int key : trace) {
            if (get.apply(key) != null) {
                hits++;
            } else {
                put.accept(key, key);
            }
        }
        return (double) hits / trace.length;
    }

    /** Zipf-distributed keys; with {@code scanEvery > 0}, every {@code scanEvery}-th is a key never seen again. */
    private static int[] zipf(int keys, double s, int length, Random random, int scanEvery) {
        double[] cumulative = new double[keys];
        double sum = 0;
        for (int i = 0; i < keys; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cumulative[i] = sum;
        }
        int[] trace = new int[length];
        int fresh = keys;
        for (int i = 0; i < length; i++) {
            if (scanEvery > 0 && i % scanEvery == scanEvery - 1) {
                trace[i] = fresh++;
                continue;
            }
            int at = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
            trace[i] = at >= 0 ? at : -at - 1;
        }
        return trace;
    }
}
