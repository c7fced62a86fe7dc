package io.dsync.bench.queue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time used by groups of processes (the queue nodes, Redis, the benchmark's own JVM) between two readings, from
 * {@link ProcessHandle.Info#totalCpuDuration()} (on Linux, user plus system time from {@code /proc}, in clock ticks).
 * On a 2-core machine where everything shares the cores, this says where the time goes. Not thread-safe.
 */
public final class CpuMeter {

    private final Map<String, List<Long>> groups;

    /** @param groups process ids by group name, in report order */
    public CpuMeter(Map<String, List<Long>> groups) {
        this.groups = groups;
    }

    /** CPU time used so far, by group. */
    public Map<String, Duration> read() {
        Map<String, Duration> used = new LinkedHashMap<>();
        groups.forEach((name, pids) -> {
            Duration sum = Duration.ZERO;
            for (long pid : pids) {
                sum = sum.plus(ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO));
            }
            used.put(name, sum);
        });
        return used;
    }

    /** Cores kept busy on average between two readings {@code seconds} apart, by group. */
    public static Map<String, Double> cores(Map<String, Duration> before, Map<String, Duration> after, double seconds) {
        Map<String, Double> cores = new LinkedHashMap<>();
        if (seconds <= 0) {
            after.keySet().forEach(name -> cores.put(name, 0.0));
            return cores;
        }
        after.forEach((name, d) -> cores.put(name, d.minus(before.getOrDefault(name, Duration.ZERO)).toNanos()
                / 1e9 / seconds));
        return cores;
    }
}
