package io.dsync.platform.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.devkit.RedisProbe;
import io.dsync.platform.NodeLauncher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dsync dev}: the Docker Compose topology as local processes — 3 lock, 3 queue and 3 cache nodes, the console
 * and a Redis — until Ctrl-C, which stops every process it started.
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = {"Run a local cluster: 3 lock + 3 queue + 3 cache nodes + console + Redis, each node its own "
                + "process. Ctrl-C stops everything it started."})
final class DevCommand implements Callable<Integer> {

    @Option(names = "--base-port", defaultValue = "8080",
            description = "Admin port of the console; the nodes take the next ones (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--nodes", defaultValue = "3", description = "Nodes per server role (default: ${DEFAULT-VALUE}).")
    int perRole;

    @Option(names = "--redis", defaultValue = "${env:DSYNC_REDIS}",
            description = "Use this Redis instead of starting a local one.")
    String redis;

    @Option(names = "--cluster", defaultValue = "dev", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String cluster;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Makes the work folder this run's own: refused while another {@code dsync dev} runs in it, else emptied. What it
     * held is throw-away like the Redis a run starts, and must not be reused: each run draws new Raft ports, and lock
     * nodes restarting from the last run's group (members at the old ports) would never elect a leader.
     */
    static void claim(Path work) throws IOException {
        Path pidFile = work.resolve("dev.pid");
        if (Files.isRegularFile(pidFile)) {
            String text = Files.readString(pidFile).trim();
            try {
                long pid = Long.parseLong(text);
                if (pid != ProcessHandle.current().pid()
                        && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    throw new Dsync.CliException("another 'dsync dev' (pid " + pid + ") runs in " + work
                            + ": stop it first (Ctrl-C in its terminal)");
                }
            } catch (NumberFormatException e) {
                // not a pid: a file left by something else; the folder is emptied below all the same
            }
        }
        if (Files.exists(work)) {
            try (Stream<Path> paths = Files.walk(work)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(work)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(work);
        Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (perRole < 1 || perRole > 9) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be between 1 and 9, got " + perRole);
        }
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cluster must be 1 to 64 letters, digits, "
                    + "'.', '_' or '-', starting with a letter or digit; got '" + cluster + "'");
        }
        if (redis != null && !redis.isBlank()) {
            try {
                RedisProbe.requireAddress(redis);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--redis: " + e.getMessage());
            }
        }
        int total = 1 + 3 * perRole;
        for (int p = basePort; p < basePort + total; p++) {
            if (p < 1 || p > 65535 || !NodeLauncher.isPortFree("127.0.0.1", p)) {
                throw new Dsync.CliException("port " + p + " is in use or invalid; dev needs " + total
                        + " free ports from --base-port " + basePort + ": choose another base");
            }
        }
        if (redis != null && !redis.isBlank() && RedisProbe.ping(redis, Duration.ofSeconds(1)) == RedisProbe.Answer.NONE) {
            throw new Dsync.CliException("no Redis answers at " + redis);
        }
        Path home = Home.find();
        // One folder per cluster name: two dev clusters of different names (and base ports) can run side by side.
        Path work = home.resolve("data").resolve(cluster.equals("dev") ? "dev" : "dev-" + cluster);
        claim(work);
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        int consolePort = NodeLauncher.isPortFree("127.0.0.1", 8880) ? 8880 : 0;
        char[] password = ConsoleCommand.randomPassword();
        LocalCluster.Builder builder = LocalCluster.builder(home, work).cluster(cluster).basePort(basePort)
                .adminToken(token).node("console", "console").consolePort(consolePort)
                .consoleUsers(ConsoleCommand.entry("admin", "admin", password))
                .nodes("lock", perRole, "lock").nodes("queue", perRole, "queue").nodes("cache", perRole, "cache");
        if (redis != null && !redis.isBlank()) {
            builder.redis(redis);
        }
        String userOpts = System.getenv("DSYNC_JAVA_OPTS");
        if (userOpts != null && !userOpts.isBlank()) {
            builder.javaOpts(ClusterNode.DEFAULT_JAVA_OPTS + " " + userOpts.trim()); // last, so they override
        }
        out.printf("Starting %d nodes%s in %s ...%n", total, redis == null || redis.isBlank() ? " and a local Redis" : "", work);
        out.flush();
        long t0 = System.nanoTime();
        LocalCluster cluster;
        try {
            cluster = builder.start();
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            throw new Dsync.CliException("the local cluster did not start: " + e.getMessage()
                    + "\n(node outputs and logs are in " + work + ")");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the local cluster ...");
            try {
                cluster.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println("Stopped every node and the Redis this command started.");
            stopped.countDown();
        }, "dsync-dev-shutdown"));
        cluster.stopRedisOnlyOnClose();
        out.printf("Local cluster '%s' is up in %.1f s; Redis at %s%n", this.cluster, (System.nanoTime() - t0) / 1e9, cluster.redisAddress());
        out.printf("  %-10s %-8s %-8s %s%n", "NODE", "ROLE", "PID", "HEALTH");
        for (ClusterNode n : cluster.nodes()) {
            out.printf("  %-10s %-8s %-8d %s%n", n.id(), n.spec().roles(), n.pid(), n.url("/health"));
        }
        out.printf("Console: %s  user admin, password %s%n", cluster.consoleUrl("console"), new String(password));
        out.printf("Admin token: %s%n", token);
        out.printf("Status: %s status --redis %s --cluster %s%n", home.resolve("bin/dsync"), cluster.redisAddress(), this.cluster);
        out.printf("Logs:   %s/<node>/node.log   Ctrl-C stops everything.%n", work);
        out.flush();
        stopped.await();
        return 0;
    }
}
