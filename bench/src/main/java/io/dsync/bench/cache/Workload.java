package io.dsync.bench.cache;

/**
 * One workload of {@code dsync bench cache}.
 *
 * @param name its name in the tables
 * @param space the short name of its key spaces
 * @param keys how many keys it uses
 * @param zipf the Zipf exponent of the key ranks, or 0 for uniform picks
 * @param readFraction the share of gets (the rest are puts)
 * @param capacity the local capacity of each node's cache
 */
public record Workload(String name, String space, int keys, double zipf, double readFraction, int capacity) {

    Keys keySet() {
        String prefix = space + "-";
        return zipf > 0 ? Keys.zipf(prefix, keys, zipf) : Keys.uniform(prefix, keys);
    }

    /** Whether the workload writes. */
    boolean writes() {
        return readFraction < 1;
    }
}
