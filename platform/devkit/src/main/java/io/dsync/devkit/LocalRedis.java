package io.dsync.devkit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;

/**
 * A throw-away Redis on 127.0.0.1 for the demo and the tests, stopped by {@link #close()} (SIGTERM) or {@link #kill()}
 * (SIGKILL), and when this JVM exits. By default it keeps no data: each launch runs in a new temporary folder, without
 * persistence. Started with an {@link AppendOnly} file instead ({@link #start(int, Flavor, AppendOnly)}), it writes
 * every change to an AOF in a folder the caller chooses, with the fsync policy given, and {@link #startAgain()}
 * loads it from there: a Redis restarted with its data, as an operator runs it.
 *
 * <p>Two binaries can run it ({@link Flavor}): the {@code redis-server} on the {@code PATH} (the version an operator
 * installed), or the Linux/macOS binary that {@code com.github.codemonstur:embedded-redis} ships (Redis 6.2), so that a
 * machine with only Java and Maven can run the demo and the test suite. Both run the same way: a child process of this
 * JVM started with the same arguments, with a process id, stopped by SIGTERM, restartable on the same port, its output
 * kept only to explain a failed start. Which one runs is chosen by {@link Flavor#configured()}: the system property
 * {@value #FLAVOR_PROPERTY} or the environment variable {@value #FLAVOR_ENV} ({@code auto}, {@code system} or
 * {@code embedded}; default {@code auto}).
 *
 * <p>Thread-safety: an instance may be closed from any thread, also more than once.
 */
public final class LocalRedis implements AutoCloseable {

    /** System property that chooses the {@link Flavor}; it wins over {@link #FLAVOR_ENV}. */
    public static final String FLAVOR_PROPERTY = "dsync.local.redis";
    /** Environment variable that chooses the {@link Flavor} when {@link #FLAVOR_PROPERTY} is not set. */
    public static final String FLAVOR_ENV = "DSYNC_LOCAL_REDIS";

    private static final int OUTPUT_LINES = 20;
    /** The embedded binary, extracted once per JVM (embedded-redis copies about 10 MB to a new folder per call). */
    private static Path embeddedBinary;

    private final int port;
    private final Flavor flavor;
    private final Path binary;
    private final AppendOnly appendOnly;
    private final Process process;
    private final Deque<String> output = new ArrayDeque<>();
    private final Thread stopOnExit;

    /** Which Redis binary to run. */
    public enum Flavor {
        /** {@code redis-server} from the PATH if there is one, else the embedded binary. */
        AUTO,
        /** {@code redis-server} from the PATH; starting fails if there is none. */
        SYSTEM,
        /** The binary shipped by embedded-redis, whatever the PATH holds. */
        EMBEDDED;

        /**
         * @return the flavor set from outside: {@value LocalRedis#FLAVOR_PROPERTY}, else {@value LocalRedis#FLAVOR_ENV},
         *     else {@link #AUTO}
         * @throws IllegalArgumentException if the value set is not {@code auto}, {@code system} or {@code embedded}
         */
        public static Flavor configured() {
            return configured(System.getProperty(FLAVOR_PROPERTY), System.getenv(FLAVOR_ENV));
        }

        static Flavor configured(String property, String environment) {
            if (property != null && !property.isBlank()) {
                return parse(property, "-D" + FLAVOR_PROPERTY);
            }
            if (environment != null && !environment.isBlank()) {
                return parse(environment, FLAVOR_ENV);
            }
            return AUTO;
        }

        private static Flavor parse(String value, String source) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + "=" + value + " is not a local Redis flavor; use auto, system or embedded");
            }
        }
    }

    /** When the AOF is flushed to disk: Redis' {@code appendfsync}. */
    public enum Fsync {
        /** Before a write is answered: an answered write survives a crash of Redis (SIGKILL) and of the machine. */
        ALWAYS("always"),
        /**
         * Once a second, in the background: a stop (SIGTERM) flushes everything; a crash of the machine loses up to
         * the last second or two of answered writes (see {@link LocalRedis#kill()} for a crash of the process).
         */
        EVERYSEC("everysec");

        private final String value;

        Fsync(String value) {
            this.value = value;
        }

        /** @return the value of {@code --appendfsync} */
        public String value() {
            return value;
        }
    }

    /**
     * Persistence with an append-only file.
     *
     * @param dir the server's working folder, where the AOF lives (Redis 7: {@code appendonlydir/}, 6.2:
     *     {@code appendonly.aof}); created if missing, and reused by every {@link #startAgain()}
     * @param fsync when the file is flushed to disk
     */
    public record AppendOnly(Path dir, Fsync fsync) {
        public AppendOnly {
            java.util.Objects.requireNonNull(dir, "dir");
            java.util.Objects.requireNonNull(fsync, "fsync");
        }
    }

    private LocalRedis(int port, Flavor flavor, Path binary, AppendOnly appendOnly, Process process) {
        this.port = port;
        this.flavor = flavor;
        this.binary = binary;
        this.appendOnly = appendOnly;
        this.process = process;
        this.stopOnExit = new Thread(this::stop, "local-redis-" + port + "-stop");
    }

    /** Starts a Redis of the {@linkplain Flavor#configured() configured flavor} on a free port. */
    public static LocalRedis start() throws IOException {
        return start(freePort());
    }

    /** Starts a Redis of the {@linkplain Flavor#configured() configured flavor} on the given port. */
    public static LocalRedis start(int port) throws IOException {
        return start(port, Flavor.configured());
    }

    /**
     * Starts a Redis on the given port of 127.0.0.1 and waits until it answers {@code PING}.
     *
     * @throws IOException if the binary is missing ({@link Flavor#SYSTEM} without a {@code redis-server} on the
     *     PATH, or no embedded binary for this OS), or the server exits or does not answer within 10 seconds
     */
    public static LocalRedis start(int port, Flavor flavor) throws IOException {
        return start(port, flavor, (AppendOnly) null);
    }

    /**
     * Starts a Redis on the given port of 127.0.0.1 that keeps its data in an append-only file (or none, for
     * {@code null}), and waits until it answers {@code PING} (having loaded the file, if the folder holds one).
     *
     * @throws IOException as {@link #start(int, Flavor)}, or if the folder cannot be made
     */
    public static LocalRedis start(int port, Flavor flavor, AppendOnly appendOnly) throws IOException {
        return start(port, flavor, System.getenv("PATH"), appendOnly);
    }

    static LocalRedis start(int port, Flavor flavor, String searchPath) throws IOException {
        return start(port, flavor, searchPath, null);
    }

    static LocalRedis start(int port, Flavor flavor, String searchPath, AppendOnly appendOnly) throws IOException {
        Path system = flavor == Flavor.EMBEDDED ? null : findOnPath("redis-server", searchPath);
        if (flavor == Flavor.SYSTEM && system == null) {
            throw new IOException("no redis-server on the PATH (" + searchPath + "), and the system Redis was asked for ("
                    + FLAVOR_ENV + "=system or -D" + FLAVOR_PROPERTY + "=system): install it (apt-get install redis-server),"
                    + " or use the embedded one (" + FLAVOR_ENV + "=embedded or auto)");
        }
        return system != null ? launch(port, Flavor.SYSTEM, system, appendOnly)
                : launch(port, Flavor.EMBEDDED, embeddedBinary(), appendOnly);
    }

    /**
     * Starts a new server from the same binary on the same port, e.g. after {@link #close()} or a crash, and waits
     * until it answers {@code PING}. This instance stays as it is. Without persistence the new server is empty; with
     * an {@link AppendOnly} file it runs in the same folder and loads what the file holds.
     *
     * @throws IOException if it exits (the port is still taken, say) or does not answer within 10 seconds
     */
    public LocalRedis startAgain() throws IOException {
        return launch(port, flavor, binary, appendOnly);
    }

    private static LocalRedis launch(int port, Flavor resolved, Path binary, AppendOnly appendOnly) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning"));
        if (appendOnly == null) {
            // A folder of its own: Redis loads a dump.rdb from its working folder at start, and writes one there when
            // a replica syncs from it; the caller's folder (a module, in tests) is no place for either.
            Path dir = Files.createTempDirectory("dsync-redis-");
            dir.toFile().deleteOnExit();
            cmd.addAll(List.of("--dir", dir.toString(), "--appendonly", "no"));
        } else {
            // No RDB snapshots (--save ""): the AOF alone holds the data, so what survives is what the fsync policy says.
            Files.createDirectories(appendOnly.dir());
            cmd.addAll(List.of("--dir", appendOnly.dir().toAbsolutePath().toString(), "--appendonly", "yes",
                    "--appendfsync", appendOnly.fsync().value()));
        }
        // A session of its own where setsid(1) exists: a Ctrl-C in a terminal goes to the whole foreground process
        // group, and Redis would stop at once, before the nodes that still use it. Its owner stops it: close(), or the
        // JVM's exit. (setsid execs Redis in place, so the pid is Redis'.)
        Path setsid = findOnPath("setsid");
        if (setsid != null) {
            cmd.add(0, setsid.toString());
        }
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        LocalRedis redis = new LocalRedis(port, resolved, binary, appendOnly, process);
        redis.keepOutput();
        Runtime.getRuntime().addShutdownHook(redis.stopOnExit);
        redis.awaitReady(Duration.ofSeconds(10));
        return redis;
    }

    static synchronized Path embeddedBinary() throws IOException {
        if (embeddedBinary == null || !Files.isExecutable(embeddedBinary)) {
            try {
                embeddedBinary = ExecutableProvider.newJarResourceProvider().get().toPath();
            } catch (RuntimeException e) {
                // embedded-redis reports an OS or architecture it has no binary for as an unchecked exception.
                throw new IOException("the embedded Redis has no binary for " + System.getProperty("os.name") + " "
                        + System.getProperty("os.arch") + " (" + e.getMessage() + "); install redis-server", e);
            }
        }
        return embeddedBinary;
    }

    /** Drains the server's output (a full pipe would block it), keeping the last lines to explain a failed start. */
    private void keepOutput() {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (output) {
                        if (output.size() == OUTPUT_LINES) {
                            output.removeFirst();
                        }
                        output.addLast(line);
                    }
                }
            } catch (IOException closed) {
                // The process is gone; what was read is kept.
            }
        }, "local-redis-" + port + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    private String lastOutput() {
        synchronized (output) {
            return output.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", output);
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(200)) == RedisProbe.Answer.PONG) {
                return;
            }
            if (!process.isAlive()) {
                close();
                throw new IOException(kind() + " exited with code " + process.exitValue() + " before answering on port "
                        + port + lastOutput());
            }
            sleep(50);
        }
        close();
        throw new IOException(kind() + " did not answer PING on 127.0.0.1:" + port + " within " + timeout.toSeconds() + " s"
                + lastOutput());
    }

    /** @return the TCP port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:<port>} */
    public String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** @return which binary runs: {@link Flavor#SYSTEM} or {@link Flavor#EMBEDDED}, never {@link Flavor#AUTO} */
    public Flavor flavor() {
        return flavor;
    }

    /** @return which Redis runs, for people: the system's {@code redis-server} or the embedded binary, and its path */
    public String kind() {
        return (flavor == Flavor.SYSTEM ? "redis-server from " : "embedded Redis (com.github.codemonstur:embedded-redis) from ") + binary;
    }

    /** @return the append-only file's folder and fsync policy, or empty for a server that keeps no data */
    public java.util.Optional<AppendOnly> appendOnly() {
        return java.util.Optional.ofNullable(appendOnly);
    }

    /** @return the server's process id */
    public long pid() {
        return process.pid();
    }

    /** @return whether the server process is running (it may have been killed from outside) */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Leaves stopping the server to {@link #close()}: the JVM's exit no longer stops it by itself. For a caller that
     * closes it in a shutdown hook of its own, after what uses it has stopped (JVM shutdown hooks run in no order).
     */
    public void stopOnlyOnClose() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // The JVM is exiting already: its hook stops the server.
        }
    }

    /** Stops the server (SIGTERM, after 5 s SIGKILL) and waits for it to exit. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // Called from a shutdown hook: the JVM is exiting anyway.
        }
    }

    /**
     * SIGKILL, as a crash of the Redis process: it flushes nothing and answers nothing more. What it had handed to the
     * kernel survives (the file's pages are the kernel's), so with {@link Fsync#EVERYSEC} a process crash loses only
     * writes Redis had not written to the file yet: those it postponed while a slow fsync ran (up to 2 s of them). A
     * crash of the machine would lose what was not fsynced, too; that is not simulated. Waits until the process is
     * gone.
     */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // Called from a shutdown hook: the JVM is exiting anyway.
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Ports {@link #freePort} handed out in this JVM: never handed out twice, so that two picks cannot collide. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @return a TCP port that was free on 127.0.0.1 a moment ago and that this method has not returned before in this
     *     JVM (a port picked for one node and not bound yet is still free, and was once picked again for another)
     */
    public static int freePort() throws IOException {
        return freePort(0);
    }

    /**
     * @param companion a second offset that must be free too ({@code port + companion}), or 0: a Redis Cluster node
     *     also binds its cluster bus on {@code port + 10000}
     * @return like {@link #freePort()}, a port that was free on 127.0.0.1 a moment ago, with {@code port + companion}
     *     free as well and, like the port, below the kernel's ephemeral range
     */
    public static int freePort(int companion) throws IOException {
        // Below the kernel's ephemeral range (32768-60999 on Linux): a port taken from that range is free now, but
        // any outgoing connection may be given it before the process it is meant for binds it (a lock node once
        // failed to start so, and a Redis Cluster node's bus port once did). Ports from the range are the fallback.
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = random.nextInt(20_000, 32_000 - companion);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            if (companion != 0 && !HANDED_OUT.add(port + companion)) {
                HANDED_OUT.remove(port);
                continue;
            }
            if (isFree(port) && (companion == 0 || isFree(port + companion))) {
                return port;
            }
        }
        if (companion != 0) {
            throw new IOException("no free pair of ports " + companion + " apart found below 32000 on 127.0.0.1");
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** @return the executable's path if {@code name} is on the {@code PATH}, else {@code null} */
    public static Path findOnPath(String name) {
        return findOnPath(name, System.getenv("PATH"));
    }

    static Path findOnPath(String name, String searchPath) {
        if (searchPath == null) {
            return null;
        }
        for (String dir : searchPath.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
