package io.dsync.testkit.check;

import io.dsync.testkit.history.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Counts violations per kind and keeps the earliest one; descriptions are built only for a new earliest violation,
 * so a history with thousands of violations stays cheap to check; plus the small helpers the checkers share to
 * build reports. Not thread-safe (one per check).
 */
final class ViolationLog {

    private final Map<String, Long> counts = new LinkedHashMap<>();
    private long firstTime = Long.MAX_VALUE;
    private String firstDescription;
    private List<Event> firstWitness = List.of();

    /** Declares a kind so that it appears in the counters even when zero. */
    ViolationLog kind(String kind) {
        counts.putIfAbsent(kind, 0L);
        return this;
    }

    void add(String kind, long time, Supplier<String> description, Supplier<List<Event>> witness) {
        counts.merge(kind, 1L, Long::sum);
        if (firstDescription == null || time < firstTime) {
            firstTime = time;
            firstDescription = description.get();
            firstWitness = sorted(witness.get());
        }
    }

    boolean isEmpty() {
        return firstDescription == null;
    }

    long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    Map<String, Long> counts() {
        return counts;
    }

    String firstDescription() {
        return firstDescription;
    }

    List<Event> firstWitness() {
        return firstWitness;
    }

    /** The given events, without duplicates and nulls, in time order (stable). */
    static List<Event> sorted(List<Event> events) {
        List<Event> result = new ArrayList<>();
        for (Event event : events) {
            if (event != null && !result.contains(event)) {
                result.add(event);
            }
        }
        result.sort(Comparator.comparingLong(Event::time));
        return result;
    }

    /** Formats a nullable string for a description: quoted, or nil. */
    static String show(String value) {
        return value == null ? "nil" : "\"" + value + "\"";
    }

    /** The events of both lists, in order. */
    static List<Event> concat(List<Event> first, List<Event> second) {
        List<Event> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** The number of values of an ascending array strictly smaller than {@code time}. */
    static int countBefore(long[] sortedTimes, long time) {
        int low = 0;
        int high = sortedTimes.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sortedTimes[mid] < time) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }
}
