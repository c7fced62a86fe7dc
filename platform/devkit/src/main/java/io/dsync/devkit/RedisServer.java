package io.dsync.devkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.dsync.devkit.LocalRedis.Flavor;

/**
 * One Redis process of a multi-server topology ({@link LocalRedisCluster}, {@link LocalRedisSentinel}): the binary
 * {@link LocalRedis} would run, started in a folder of its own with the arguments the topology needs, its output kept
 * in {@code redis.log} there. Stopped by SIGTERM on {@link #close()} and when this JVM exits; {@link #kill()} is
 * SIGKILL, a crash.
 *
 * <p>Thread-safety: may be closed or killed from any thread, also more than once.
 */
final class RedisServer implements AutoCloseable {

    /** The binary to run and which flavor it is. */
    record Binary(Flavor flavor, Path path) {

        /** Resolves the {@linkplain Flavor#configured() configured flavor} as {@link LocalRedis} does. */
        static Binary configured() throws IOException {
            Flavor flavor = Flavor.configured();
            Path system = flavor == Flavor.EMBEDDED ? null : LocalRedis.findOnPath("redis-server");
            if (flavor == Flavor.SYSTEM && system == null) {
                throw new IOException("no redis-server on the PATH, and the system Redis was asked for ("
                        + LocalRedis.FLAVOR_ENV + "=system or -D" + LocalRedis.FLAVOR_PROPERTY + "=system)");
            }
            return system != null ? new Binary(Flavor.SYSTEM, system) : new Binary(Flavor.EMBEDDED, LocalRedis.embeddedBinary());
        }

        /** @return for people: which binary, and its path */
        String kind() {
            return (flavor == Flavor.SYSTEM ? "redis-server from " : "embedded Redis from ") + path;
        }
    }

    private final Binary binary;
    private final Path dir;
    private final int port;
    private final List<String> args;
    private final Process process;
    private final Thread stopOnExit;

    private RedisServer(Binary binary, Path dir, int port, List<String> args, Process process) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.args = args;
        this.process = process;
        this.stopOnExit = new Thread(this::stop, "redis-server-" + port + "-stop");
    }

    /**
     * Starts {@code <binary> <args>} in {@code dir} and waits until it answers {@code PING} on 127.0.0.1:{@code port}.
     *
     * @param args every argument (a configuration file, if any, comes first); the caller binds it to 127.0.0.1:port
     * @throws IOException if it exits or does not answer within 10 s (with the end of its log)
     */
    static RedisServer start(Binary binary, Path dir, int port, List<String> args) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.path().toString());
        cmd.addAll(args);
        Process process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        RedisServer server = new RedisServer(binary, dir, port, List.copyOf(args), process);
        Runtime.getRuntime().addShutdownHook(server.stopOnExit);
        server.awaitReady(Duration.ofSeconds(10));
        return server;
    }

    /** The common arguments of a throw-away server: port, loopback only, no persistence, foreground. */
    static List<String> baseArgs(int port) {
        return List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "notice");
    }

    /** Starts the same binary with the same arguments in the same folder again (after a kill, say). */
    RedisServer startAgain() throws IOException {
        return start(binary, dir, port, args);
    }

    /** Starts the same binary in the same folder on the same port with other arguments. */
    RedisServer startAgain(List<String> otherArgs) throws IOException {
        return start(binary, dir, port, otherArgs);
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(200)) == RedisProbe.Answer.PONG) {
                return;
            }
            if (!process.isAlive()) {
                close();
                throw new IOException(binary.kind() + " exited with code " + process.exitValue() + " before answering on port "
                        + port + "; its log:\n" + logTail(20));
            }
            sleep(50);
        }
        close();
        throw new IOException(binary.kind() + " did not answer PING on 127.0.0.1:" + port + " within "
                + timeout.toSeconds() + " s; its log:\n" + logTail(20));
    }

    /** @return the last lines of the server's log */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("redis.log"), StandardCharsets.UTF_8);
            return "  " + String.join("\n  ", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "  (no log: " + e.getMessage() + ")";
        }
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    Binary binary() {
        return binary;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends one command to this server. */
    Object call(String... command) throws IOException {
        return Resp.call(port, command);
    }

    /** SIGKILL, as a crash: the server gets no chance to finish anything. Waits until the process is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeHook();
    }

    /** SIGTERM, after 5 s SIGKILL; waits until the process is gone. */
    @Override
    public void close() {
        stop();
        removeHook();
    }

    private void removeHook() {
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

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
