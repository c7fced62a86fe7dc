package io.dsync.ring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** Seeded random node sets for the property tests: the same seed gives the same cases on every run. */
final class Rings {

    private Rings() {
    }

    /** {@code n} distinct ids of assorted shapes (host:port, UUID-like, non-ASCII), in random order. */
    static List<String> nodeIds(Random random, int n) {
        Set<String> ids = new LinkedHashSet<>();
        while (ids.size() < n) {
            switch (random.nextInt(3)) {
                case 0 -> ids.add("10.0." + random.nextInt(256) + "." + random.nextInt(256) + ":7000");
                case 1 -> ids.add(Long.toHexString(random.nextLong()));
                default -> ids.add("nœud-" + random.nextInt(10_000));
            }
        }
        return new ArrayList<>(ids);
    }

    /** {@code node-1} to {@code node-n}. */
    static List<String> numbered(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add("node-" + i);
        }
        return ids;
    }

    /** The ids as a natural-order set. */
    static SortedSet<String> set(String... ids) {
        return new TreeSet<>(List.of(ids));
    }
}
