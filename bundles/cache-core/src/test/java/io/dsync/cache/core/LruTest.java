package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class LruTest {

    private final List<String> evicted = new ArrayList<>();
    private final Set<String> pinned = new HashSet<>();

    private Lru<String, String> lru(int capacity) {
        return new Lru<>(capacity, v -> !pinned.contains(v), (k, v) -> evicted.add(k + "=" + v));
    }

    @Test
    void getAndPutMakeAnEntryTheMostRecentlyUsedPeekDoesNot() {
        Lru<String, String> lru = lru(10);
        lru.put("a", "1");
        lru.put("b", "2");
        lru.put("c", "3");
        assertThat(lru.keys(10)).containsExactly("c", "b", "a");

        assertThat(lru.get("a")).isEqualTo("1");
        assertThat(lru.keys(10)).containsExactly("a", "c", "b");
        assertThat(lru.peek("b")).isEqualTo("2");
        assertThat(lru.keys(10)).containsExactly("a", "c", "b");
        assertThat(lru.put("b", "2'")).isEqualTo("2");
        assertThat(lru.keys(10)).containsExactly("b", "a", "c");
        assertThat(lru.values()).containsExactly("2'", "1", "3");
        assertThat(lru.keys(2)).containsExactly("b", "a");
        assertThat(lru.get("x")).isNull();
        assertThat(lru.peek("x")).isNull();
    }

    @Test
    void evictsTheLeastRecentlyUsedBeyondCapacityAndReportsItInOrder() {
        Lru<String, String> lru = lru(2);
        lru.put("a", "1");
        lru.put("b", "2");
        lru.get("a");
        lru.put("c", "3");

        assertThat(evicted).containsExactly("b=2");
        assertThat(lru.keys(10)).containsExactly("c", "a");
        assertThat(lru.size()).isEqualTo(2);
        assertThat(lru.capacity()).isEqualTo(2);
    }

    @Test
    void aWeightLimitEvictsTheLeastRecentlyUsedWhileTheEntriesWeighTooMuch() {
        // Values weigh their length; room for 10 entries but only 6 units of weight.
        StringBuilder grown = new StringBuilder("x");
        Lru<String, Object> lru = new Lru<>(10, 6, v -> v.toString().length(), v -> !pinned.contains(v.toString()),
                (k, v) -> evicted.add(k + "=" + v));
        lru.put("a", "11");
        lru.put("b", "22");
        lru.put("c", grown);
        assertThat(lru.weight()).isEqualTo(5);
        lru.put("d", "44");
        assertThat(evicted).containsExactly("a=11");
        assertThat(lru.weight()).isEqualTo(5);

        lru.put("b", "2");
        assertThat(lru.weight()).as("a replaced value is weighed anew").isEqualTo(4);
        grown.append("xxx");
        assertThat(lru.weight()).as("a change in place counts once weighed again").isEqualTo(4);
        lru.reweigh("c");
        assertThat(lru.weight()).isEqualTo(7);
        assertThat(evicted).as("reweigh does not evict").hasSize(1);
        pinned.add("xxxx");
        assertThat(lru.trim()).isEqualTo(1);
        assertThat(evicted).as("the pinned c, the oldest, is passed over").containsExactly("a=11", "d=44");
        assertThat(lru.weight()).isEqualTo(5);
        lru.remove("c");
        assertThat(lru.weight()).isEqualTo(1);
        assertThatThrownBy(() -> new Lru<String, String>(1, 0, String::length, v -> true, (k, v) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("weightLimit must be at least 1, was 0");
    }

    @Test
    void removeForgetsWithoutReporting() {
        Lru<String, String> lru = lru(2);
        lru.put("a", "1");
        assertThat(lru.remove("a")).isEqualTo("1");
        assertThat(lru.remove("a")).isNull();
        assertThat(lru.size()).isZero();
        assertThat(evicted).isEmpty();
        lru.put("b", "2");
        lru.put("c", "3");
        assertThat(lru.keys(10)).containsExactly("c", "b");
    }

    @Test
    void pinnedEntriesKeepTheirPlaceAndTrimEvictsThemOnceReleased() {
        Lru<String, String> lru = lru(2);
        lru.put("a", "1");
        lru.put("b", "2");
        pinned.add("1");
        pinned.add("2");
        lru.put("c", "3");
        // Both older entries are pinned: the newest is the only candidate, and is evicted itself.
        assertThat(evicted).containsExactly("c=3");
        pinned.add("4");
        lru.put("d", "4");
        assertThat(lru.size()).isEqualTo(3);
        assertThat(lru.keys(10)).containsExactly("d", "b", "a");

        pinned.remove("2");
        assertThat(lru.trim()).isEqualTo(1);
        assertThat(evicted).containsExactly("c=3", "b=2");
        assertThat(lru.keys(10)).containsExactly("d", "a");
        assertThat(lru.trim()).isZero();
    }

    @Test
    void theListenerRunsAfterTheLockIsReleasedAndMayUseTheMap() {
        List<Map.Entry<String, Integer>> seen = new ArrayList<>();
        Lru<String, Integer>[] holder = new Lru[1];
        holder[0] = new Lru<>(1, v -> true, (k, v) -> seen.add(Map.entry(k, holder[0].size())));
        holder[0].put("a", 1);
        holder[0].put("b", 2);
        assertThat(seen).containsExactly(Map.entry("a", 1));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> lru(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be at least 1, was 0");
        assertThatThrownBy(() -> lru(1).put(null, "v")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> lru(1).put("k", null)).isInstanceOf(NullPointerException.class);
    }
}
