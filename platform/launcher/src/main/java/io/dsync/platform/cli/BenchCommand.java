package io.dsync.platform.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code dsync bench}: the benchmarks in {@code bench/}, run in a JVM of their own on {@code lib/bench/} (they need
 * Ratis and the peers' clients, which the launcher's class path leaves out).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark dsync against the peers a user would otherwise pick, in one run on this machine.",
                "  dsync bench lock [--seconds 5] [--threads 1,16,64] [--contended-threads 16] [--out FILE]",
                "starts 3 lock nodes and Redis from this distribution, and compares with Redisson's RLock on that Redis",
                "and with etcd's lock (3 members on loopback) when an 'etcd' binary is on the PATH.",
                "  dsync bench failover [--runs 5] [--faults kill,pause,isolate] [--out FILE]",
                "starts 3 lock nodes behind proxies, takes locks without pause, and measures the time from a fault of the",
                "Raft leader (SIGKILL, SIGSTOP, cut off) to the next grant: minimum, median and maximum over the runs.",
                "  dsync bench queue [--seconds 10] [--producers 8] [--consumers 8] [--nodes 3|1,3,5] [--out FILE]",
                "starts queue nodes and Redis from this distribution, sends and consumes 1 KB messages, and compares with",
                "Redis Streams used directly (XADD, XREADGROUP + XACK) on that Redis.",
                "  dsync bench cache [--seconds 10] [--threads 8] [--nodes 3] [--value-bytes 1024]",
                "      [--write-mode write-through|write-back] [--workloads hits,zipf,shared,sharers] [--out FILE]",
                "starts cache nodes and Redis from this distribution, runs two cache clients in the benchmark's JVM, and",
                "compares local hits, a read-mostly Zipf load and writes to keys shared by both clients with Caffeine,",
                "Redisson's RLocalCachedMap and Redis GET/SET on that Redis.",
                "  dsync bench core [JMH options]",
                "runs the JMH benchmarks of the plain-Java cores (lock state machine, queue, cache node) on one core."})
final class BenchCommand implements Callable<Integer> {

    static final List<String> BENCHMARKS = List.of("lock", "failover", "queue", "cache", "core");

    @Parameters(index = "0", paramLabel = "BENCHMARK", description = "Which benchmark: ${COMPLETION-CANDIDATES}.",
            completionCandidates = Candidates.class)
    String benchmark;

    @Parameters(index = "1..*", paramLabel = "OPTION", description = "Options of the benchmark (dsync bench lock --help, dsync bench queue --help).")
    List<String> options = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final class Candidates extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Candidates() {
            super(BENCHMARKS);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!BENCHMARKS.contains(benchmark)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown benchmark '" + benchmark + "'; benchmarks are " + String.join(", ", BENCHMARKS));
        }
        Path home = Home.find();
        Path lib = home.resolve("lib").resolve("bench");
        if (!Files.isDirectory(lib)) {
            throw new Dsync.CliException("no benchmarks in this distribution (" + lib + " is missing)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", lib + "/*",
                // As bin/dsync does for nodes (Dsync.commonPoolOfTwo): no thread per async task on 2 cores.
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
                "-Dlogback.configurationFile=" + home.resolve("etc/logback-cli.xml")));
        if (benchmark.equals("lock")) {
            cmd.addAll(List.of("io.dsync.bench.LockBench", "--home", home.toString()));
        } else if (benchmark.equals("failover")) {
            cmd.addAll(List.of("io.dsync.bench.FailoverBench", "--home", home.toString()));
        } else if (benchmark.equals("queue")) {
            cmd.addAll(List.of("io.dsync.bench.QueueBench", "--home", home.toString()));
        } else if (benchmark.equals("cache")) {
            cmd.addAll(List.of("io.dsync.bench.CacheBench", "--home", home.toString()));
        } else {
            cmd.addAll(List.of("org.openjdk.jmh.Main", "io.dsync.bench.core"));
        }
        cmd.addAll(options);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        return p.waitFor();
    }
}
