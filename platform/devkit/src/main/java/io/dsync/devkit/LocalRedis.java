package io.dsync.devkit;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.embedded.RedisServer;

/**
 * A throw-away Redis on 127.0.0.1 for the demo and the tests: no persistence, stopped by {@link #close()}.
 *
 * <p>It runs {@code redis-server} from the {@code PATH} when there is one (the version an operator installed), and
 * otherwise the Linux/macOS binary that {@code com.github.codemonstur:embedded-redis} ships, so that a machine with only
 * Java and Maven can run the demo and the test suite.
 */
public final class LocalRedis implements AutoCloseable {

    private final int port;
    private final String kind;
    private final Process process;
    private final RedisServer embedded;

    private LocalRedis(int port, String kind, Process process, RedisServer embedded) {
        this.port = port;
        this.kind = kind;
        this.process = process;
        this.embedded = embedded;
    }

    /** Which Redis binary to run. */
    public enum Flavor {
        /** {@code redis-server} from the PATH if there is one, else the embedded binary. */
        AUTO,
        /** The binary shipped by embedded-redis, whatever the PATH holds. */
        EMBEDDED
    }

    /** Starts a Redis on a free port. */
    public static LocalRedis start() throws IOException {
        return start(freePort(), Flavor.AUTO);
    }

    /**
     * Starts a Redis on the given port of 127.0.0.1 and waits until it answers {@code PING}.
     *
     * @throws IOException if it cannot be started or does not answer within 10 seconds
     */
    public static LocalRedis start(int port, Flavor flavor) throws IOException {
        Path system = flavor == Flavor.AUTO ? findOnPath("redis-server") : null;
        LocalRedis redis;
        if (system != null) {
            List<String> cmd = new ArrayList<>(List.of(system.toString(), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--protected-mode", "yes", "--loglevel", "warning"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            redis = new LocalRedis(port, "redis-server from " + system, p, null);
        } else {
            RedisServer server;
            try {
                server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                        .setting("save \"\"").setting("appendonly no").onShutdownForceStop(true).build();
                server.start();
            } catch (RuntimeException e) {
                // embedded-redis reports an unsupported OS or a binary that cannot run as unchecked exceptions.
                throw new IOException("the embedded Redis cannot run here (" + e.getMessage() + ")", e);
            }
            redis = new LocalRedis(port, "embedded Redis (com.github.codemonstur:embedded-redis)", null, server);
        }
        redis.awaitReady(Duration.ofSeconds(10));
        return redis;
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(200)) == RedisProbe.Answer.PONG) {
                return;
            }
            if (process != null && !process.isAlive()) {
                throw new IOException(kind + " exited with code " + process.exitValue() + " before answering on port " + port);
            }
            sleep(50);
        }
        close();
        throw new IOException(kind + " did not answer PING on 127.0.0.1:" + port + " within " + timeout.toSeconds() + " s");
    }

    /** @return the TCP port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:<port>} */
    public String address() {
        return "redis://127.0.0.1:" + port;
    }

    /** @return which Redis runs: the system's {@code redis-server} or the embedded binary */
    public String kind() {
        return kind;
    }

    /** @return the server's process id, or -1 when unknown (embedded) */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Stops the server and waits for it to exit. */
    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        } else if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException e) {
                // Best effort: the binary was started with onShutdownForceStop, so the JVM's exit stops it too.
            }
        }
    }

    /** @return a TCP port that was free on 127.0.0.1 a moment ago */
    public static int freePort() throws IOException {
        // Below the kernel's ephemeral range (32768-60999 on Linux): a port taken from that range is free now, but
        // any outgoing connection may be given it before the process it is meant for binds it (a lock node once
        // failed to start so). Ports from the range are the fallback.
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = random.nextInt(20_000, 32_000);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** @return the executable's path if {@code name} is on the {@code PATH}, else {@code null} */
    public static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
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
