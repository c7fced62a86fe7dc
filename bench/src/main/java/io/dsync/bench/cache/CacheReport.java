package io.dsync.bench.cache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Markdown tables of {@code dsync bench cache}: one row per workload and system (throughput, latency, hit ratio,
 * what it cost), then the ratios of dsync to each peer measured on the same workload in the same run.
 */
public final class CacheReport {

    private CacheReport() {
    }

    public static String results(List<CacheResult> results) {
        if (results.isEmpty()) {
            return "";
        }
        String groups = String.join(" / ", results.get(0).cores().keySet());
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | system | ops/s | p50 / p99 µs | get p50 / p99 µs | put p50 / p99 µs | local hit ratio "
                + "| Redis cmds per op | cores busy: ").append(groups).append(" | CPU µs per op | check |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (CacheResult r : results) {
            sb.append(String.format("| %s | %s | %,.0f | %s | %s | %s | %s | %.2f | %s | %.1f | %s |%n",
                    r.workload().name(), r.system(), r.rate(), pair(r.all()), pair(r.gets()), pair(r.puts()),
                    r.hitRatioText(),
                    r.redisCallsPerOp(), r.cores().values().stream().map(c -> String.format("%.2f", c))
                            .collect(Collectors.joining(" / ")), r.cpuMicrosPerOp(), check(r)));
        }
        return sb.toString();
    }

    /** dsync against every other system of the same workload. */
    public static String ratios(List<CacheResult> results, String dsync) {
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | dsync against | ops/s dsync ÷ peer | p50 dsync ÷ peer | p99 dsync ÷ peer |\n");
        sb.append("|---|---|---:|---:|---:|\n");
        Map<String, List<CacheResult>> byWorkload = new LinkedHashMap<>();
        for (CacheResult r : results) {
            byWorkload.computeIfAbsent(r.workload().name(), w -> new ArrayList<>()).add(r);
        }
        byWorkload.forEach((workload, runs) -> {
            CacheResult ours = runs.stream().filter(r -> r.system().equals(dsync)).findFirst().orElse(null);
            if (ours == null) {
                return;
            }
            for (CacheResult peer : runs) {
                if (peer == ours) {
                    continue;
                }
                sb.append(String.format("| %s | %s | %s | %s | %s |%n", workload, peer.system(),
                        ratio(ours.rate(), peer.rate()), ratio(ours.all().percentile(0.5), peer.all().percentile(0.5)),
                        ratio(ours.all().percentile(0.99), peer.all().percentile(0.99))));
            }
        });
        return sb.toString();
    }

    /** The progress line of one run (stderr). */
    public static String line(CacheResult r) {
        return String.format("%,.0f ops/s, p50 %s µs, p99 %s µs, get p50 %s µs, put p50 %s µs, hit ratio %s, "
                        + "%.2f Redis cmds/op, cores %s; %s",
                r.rate(), micros(r.all().percentile(0.5)), micros(r.all().percentile(0.99)),
                micros(r.gets().percentile(0.5)), micros(r.puts().percentile(0.5)),
                r.hitRatioText(), r.redisCallsPerOp(),
                r.cores().entrySet().stream().map(e -> String.format("%s %.2f", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ")), check(r));
    }

    private static String check(CacheResult r) {
        return r.errors() == 0 ? "ok" : r.errors() + " failed: " + r.firstError();
    }

    private static String pair(LatencyHistogram h) {
        return h.count() == 0 ? "–" : micros(h.percentile(0.5)) + " / " + micros(h.percentile(0.99));
    }

    static String micros(long nanos) {
        double us = nanos / 1e3;
        return us < 10 ? String.format("%.2f", us) : us < 1000 ? String.format("%.1f", us) : String.format("%,.0f", us);
    }

    private static String ratio(double a, double b) {
        if (b == 0) {
            return "–";
        }
        double r = a / b;
        return r < 0.1 ? String.format("%.3f", r) : r < 10 ? String.format("%.2f", r) : String.format("%.1f", r);
    }
}
