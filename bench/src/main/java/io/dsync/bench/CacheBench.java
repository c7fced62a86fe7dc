package io.dsync.bench;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.dsync.bench.cache.CacheLoads;
import io.dsync.devkit.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync bench cache}: dsync's coherent cache, served by cache nodes started from the distribution on this
 * machine and used by two cache clients in this JVM (registered as nodes, so that homes reach them), next to peers
 * measured in the same run on the same Redis: Caffeine (a local cache, the ceiling for hits), Redisson's
 * {@code RLocalCachedMap} (a Redis-backed near cache, eventually consistent) and plain Redis GET/SET through Redisson.
 * Prints a table with the ratios.
 */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "Benchmark dsync's cache against Caffeine, Redisson's RLocalCachedMap and Redis GET/SET, in one run.")
public final class CacheBench implements Callable<Integer> {

    @Option(names = "--home", required = true, description = "The dsync distribution folder.")
    Path home;

    @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per workload and system (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds before each measurement (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", defaultValue = "4", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--nodes", defaultValue = "3", description = "Cache nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--keys", defaultValue = "10000", description = "Keys of the Zipf workload (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--value-bytes", defaultValue = "100", description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = "--node-java-opts", defaultValue = "-Xmx512m -XX:+UseSerialGC",
            description = "JVM options of the cache nodes (default: ${DEFAULT-VALUE}).")
    String nodeJavaOpts;

    @Option(names = "--out", description = "Also write the table (Markdown) to this file.")
    Path out;

    public static void main(String[] args) {
        System.exit(BenchMain.run(new CacheBench(), "cache", args));
    }

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || warmup < 0 || threads < 1 || nodes < 1 || keys < 1_000 || valueBytes < 1) {
            throw new IllegalArgumentException("--seconds, --threads and --nodes must be at least 1, --keys at least "
                    + "1000, --value-bytes at least 1, --warmup not negative");
        }
        Path work = Files.createTempDirectory("dsync-bench-cache");
        System.err.printf("starting %d cache node(s) and Redis from %s (work folder %s)...%n", nodes, home, work);
        try (LocalCluster cluster = LocalCluster.builder(home, work).cluster("cbench").javaOpts(nodeJavaOpts)
                .nodes("cache", nodes, "cache").start();
             CacheLoads loads = new CacheLoads(cluster, threads, warmup, seconds, keys, valueBytes,
                     Caffeine.newBuilder().maximumSize(keys).build())) {
            String report = loads.runAll();
            System.out.println(report);
            if (out != null) {
                Files.writeString(out, report);
            }
        }
        return 0;
    }
}
