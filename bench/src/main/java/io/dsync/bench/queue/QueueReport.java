package io.dsync.bench.queue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Markdown tables of {@code dsync bench queue}: per cluster, throughput and latency with the ratios dsync/Redis
 * Streams, and what each run cost (CPU by process, Redis calls per message); across clusters of different sizes, one
 * throughput table.
 */
public final class QueueReport {

    private QueueReport() {
    }

    /** One cluster's runs, in run order. */
    public record ClusterRuns(int nodes, List<QueueResult> results) {
    }

    public static String workload(int batch) {
        return batch == 1 ? "1 message per call" : "batches of " + batch;
    }

    /** Throughput and latency, one row per run, each dsync row against the Redis Streams row of its workload. */
    public static String results(List<QueueResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| workload | system | produced msg/s | consumed+acked msg/s | send p50 / p99 ms | end-to-end p50 / p99 ms "
                + "| produced dsync/raw | consumed dsync/raw | send p50 dsync − raw ms | check |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (QueueResult r : results) {
            QueueResult raw = baseline(results, r.batch());
            boolean compare = raw != null && r != raw;
            sb.append(String.format("| %s | %s | %,.0f | %,.0f | %.2f / %.2f | %.2f / %.2f | %s | %s | %s | %s |%n",
                    workload(r.batch()), r.system(), r.producedRate(), r.ackedRate(), r.send().p50Millis(),
                    r.send().p99Millis(), r.endToEnd().p50Millis(), r.endToEnd().p99Millis(),
                    compare ? ratio(r.producedRate(), raw.producedRate()) : "–",
                    compare ? ratio(r.ackedRate(), raw.ackedRate()) : "–",
                    compare ? String.format("%+.2f", r.send().p50Millis() - raw.send().p50Millis()) : "–", r.check()));
        }
        return sb.toString();
    }

    /** Where each run's time went: CPU by process group, deliveries per poll, Redis calls per acknowledged message. */
    public static String costs(List<QueueResult> results) {
        StringBuilder sb = new StringBuilder();
        QueueResult first = results.get(0);
        String groups = String.join(" / ", first.cores().keySet());
        sb.append("| workload | system | cores busy: ").append(groups)
                .append(" | CPU µs per acked msg | deliveries per poll | Redis commands per acked msg (those inside Lua included) |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (QueueResult r : results) {
            String cores = r.cores().values().stream().map(c -> String.format("%.2f", c)).collect(Collectors.joining(" / "));
            String calls = r.redisCalls().entrySet().stream().limit(6)
                    .map(e -> String.format("%s %.2f", e.getKey(), r.acked() == 0 ? 0 : (double) e.getValue() / r.acked()))
                    .collect(Collectors.joining(", "));
            sb.append(String.format("| %s | %s | %s | %.0f | %.1f | %s |%n", workload(r.batch()), r.system(), cores,
                    r.cpuMicrosPerMessage(), r.deliveriesPerPoll(), calls));
        }
        return sb.toString();
    }

    /** Throughput at each cluster size. */
    public static String scaling(List<ClusterRuns> clusters) {
        StringBuilder sb = new StringBuilder();
        sb.append("| queue nodes | workload | system | produced msg/s | consumed+acked msg/s | send p50 ms | end-to-end p50 ms "
                + "| produced dsync/raw | consumed dsync/raw |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (ClusterRuns c : clusters) {
            for (QueueResult r : c.results()) {
                QueueResult raw = baseline(c.results(), r.batch());
                boolean compare = raw != null && r != raw;
                sb.append(String.format("| %d | %s | %s | %,.0f | %,.0f | %.2f | %.2f | %s | %s |%n", c.nodes(),
                        workload(r.batch()), r.system(), r.producedRate(), r.ackedRate(), r.send().p50Millis(),
                        r.endToEnd().p50Millis(), compare ? ratio(r.producedRate(), raw.producedRate()) : "–",
                        compare ? ratio(r.ackedRate(), raw.ackedRate()) : "–"));
            }
        }
        return sb.toString();
    }

    private static QueueResult baseline(List<QueueResult> results, int batch) {
        return results.stream().filter(r -> r.batch() == batch && r.system().equals(RedisStreams.NAME)).findFirst()
                .orElse(null);
    }

    private static String ratio(double a, double b) {
        return b == 0 ? "–" : String.format("%.2f", a / b);
    }

    /** The progress line of one run (stderr). */
    public static String line(QueueResult r) {
        Map<String, Double> cores = r.cores();
        return String.format("%,.0f produced/s, %,.0f acked/s, send p50 %.2f p90 %.2f p99 %.2f ms, e2e p50 %.2f p99 %.2f ms, "
                        + "%.1f per poll, %d redelivered, cores %s; %s",
                r.producedRate(), r.ackedRate(), r.send().p50() / 1e6, r.send().p90() / 1e6, r.send().p99() / 1e6,
                r.endToEnd().p50() / 1e6, r.endToEnd().p99() / 1e6, r.deliveriesPerPoll(), r.redeliveries(),
                cores.entrySet().stream().map(e -> String.format("%s %.2f", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ")), r.check());
    }
}
