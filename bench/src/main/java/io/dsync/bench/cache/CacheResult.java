package io.dsync.bench.cache;

import java.util.Map;

/**
 * What one measured window of one workload on one system gave.
 *
 * @param workload the workload
 * @param system the system's name
 * @param seconds how long the window lasted
 * @param all the latencies of every operation
 * @param gets those of the gets
 * @param puts those of the puts
 * @param hits local hits in the window, or -1 if the system does not count them
 * @param misses local misses in the window, or -1
 * @param coldReads the misses read from main memory without keeping a copy, or -1
 * @param redisCalls commands Redis ran in the window (all clients: the cache nodes' included), by command
 * @param cores cores kept busy on average in the window, by process group
 * @param errors operations that failed, and gets that found no value (every key is preloaded)
 * @param firstError what the first of them was, or {@code null}
 */
public record CacheResult(Workload workload, String system, double seconds, LatencyHistogram all,
                          LatencyHistogram gets, LatencyHistogram puts, long hits, long misses, long coldReads,
                          Map<String, Long> redisCalls, Map<String, Double> cores, long errors, String firstError) {

    public long ops() {
        return all.count();
    }

    public double rate() {
        return seconds <= 0 ? 0 : ops() / seconds;
    }

    /** Local hit ratio, or NaN when not counted. */
    public double hitRatio() {
        return hits < 0 || hits + misses == 0 ? Double.NaN : (double) hits / (hits + misses);
    }

    /** The local hit ratio, and the share of misses that were cold reads if there were any; "–" when not counted. */
    public String hitRatioText() {
        if (Double.isNaN(hitRatio())) {
            return "–";
        }
        String ratio = String.format("%.1f%%", 100 * hitRatio());
        return coldReads <= 0 ? ratio : ratio + String.format(" (%.0f%% of misses cold)", 100.0 * coldReads / misses);
    }

    public long redisCallsTotal() {
        return redisCalls.values().stream().mapToLong(Long::longValue).sum();
    }

    public double redisCallsPerOp() {
        return ops() == 0 ? 0 : (double) redisCallsTotal() / ops();
    }

    /** CPU µs per operation, all process groups together. */
    public double cpuMicrosPerOp() {
        double cores = this.cores.values().stream().mapToDouble(Double::doubleValue).sum();
        return ops() == 0 ? 0 : cores * seconds * 1e6 / ops();
    }
}
