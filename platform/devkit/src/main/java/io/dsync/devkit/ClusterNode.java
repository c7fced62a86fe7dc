package io.dsync.devkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One node process started with the distribution's {@code bin/dsync node}, as an operator would, with the faults a
 * test or {@code dsync dev} can inflict on it: SIGTERM, SIGKILL, SIGSTOP/SIGCONT, and a restart on the same data
 * folder and port.
 *
 * <p>Thread-safety: the fault methods may be called from any thread; start and restart are serialized.
 */
public final class ClusterNode {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * What to start.
     *
     * @param id node id
     * @param roles comma-separated roles
     * @param adminPort admin HTTP port
     * @param redis the Redis address this node uses (a proxy's, when links are to be cut)
     * @param cluster cluster name
     * @param adminToken admin token, or {@code null}
     * @param javaOpts JVM options ({@code DSYNC_JAVA_OPTS}), or {@code null} for the default of local clusters
     * @param args further options of {@code dsync node}
     */
    public record Spec(String id, String roles, int adminPort, String redis, String cluster, String adminToken, String javaOpts,
                       List<String> args) {
        public Spec {
            args = args == null ? List.of() : List.copyOf(args);
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(roles, "roles");
            Objects.requireNonNull(redis, "redis");
            Objects.requireNonNull(cluster, "cluster");
        }
    }

    /** Small heaps and the serial collector: ten nodes share two cores in a local cluster. */
    public static final String DEFAULT_JAVA_OPTS = "-Xmx256m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private final Path home;
    private final Spec spec;
    private final Path data;
    private final Path output;
    private volatile Process process;
    private volatile boolean paused;

    /**
     * @param home the distribution folder
     * @param workDir where the node's data folder ({@code <id>/}) and console output ({@code <id>.out}) go
     * @param spec what to start
     */
    public ClusterNode(Path home, Path workDir, Spec spec) {
        this.home = home;
        this.spec = spec;
        this.data = workDir.resolve(spec.id());
        this.output = workDir.resolve(spec.id() + ".out");
    }

    /** Starts the process; returns at once (see {@link #awaitHealthy(Duration)}). */
    public synchronized ClusterNode start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + spec.id() + " is already running (pid " + process.pid() + ")");
        }
        Files.createDirectories(data);
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/dsync").toString(), "node", "--id", spec.id(),
                "--role", spec.roles(), "--admin-port", Integer.toString(spec.adminPort()), "--redis", spec.redis(),
                "--data", data.toString(), "--cluster", spec.cluster()));
        if (spec.adminToken() != null) {
            cmd.add("--admin-token");
            cmd.add(spec.adminToken());
        }
        cmd.addAll(spec.args());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("DSYNC_JAVA_OPTS", spec.javaOpts() == null ? DEFAULT_JAVA_OPTS : spec.javaOpts());
        Files.writeString(output, "---- starting " + String.join(" ", cmd) + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = pb.start();
        paused = false;
        return this;
    }

    /** @return the node id */
    public String id() {
        return spec.id();
    }

    /** @return what the node was started with */
    public Spec spec() {
        return spec;
    }

    /** @return the admin port */
    public int adminPort() {
        return spec.adminPort();
    }

    /** @return the node's data folder (its {@code node.log} is there) */
    public Path dataDir() {
        return data;
    }

    /** @return the process id, or -1 before the first start */
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** @return whether the process is running (a paused process is running) */
    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** @return {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return "http://127.0.0.1:" + spec.adminPort() + path;
    }

    /**
     * GETs a path of the admin API.
     *
     * @throws IOException when the node does not answer within 5 s
     */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * POSTs a JSON body to a path of the admin API.
     *
     * @throws IOException when the node does not answer within 10 s
     */
    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return whether {@code /health} answers 200 (every bundle active, Redis reachable, registered) */
    public boolean isHealthy() {
        try {
            return get("/health").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until {@code /health} answers 200.
     *
     * @throws IllegalStateException with the tail of the node's output when it exits or the time runs out
     */
    public void awaitHealthy(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IllegalStateException("node " + spec.id() + " exited with code " + process.exitValue() + ":\n" + tail(40));
            }
            if (isHealthy()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("node " + spec.id() + " was not healthy within " + timeout.toSeconds() + " s:\n" + tail(40));
    }

    /** SIGTERM, then waits: the node deregisters and stops its bundles. @return the exit code */
    public int stop(Duration timeout) throws InterruptedException {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return p == null ? 0 : p.exitValue();
        }
        if (paused) {
            // A stopped process queues SIGTERM until it runs again.
            p.destroy();
            try {
                resume();
            } catch (IOException e) {
                p.destroyForcibly();
            }
        } else {
            p.destroy();
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("node " + spec.id() + " did not stop within " + timeout.toSeconds() + " s of SIGTERM; killed it");
        }
        return p.exitValue();
    }

    /** SIGKILL: the node gets no chance to clean up (kill -9). Waits until the process is gone. */
    public void kill() throws InterruptedException {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        paused = false;
    }

    /** SIGSTOP: the process freezes, as in a long GC pause or a hung VM; its sockets stay open. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    /** @return whether the node is stopped by {@link #pause()} */
    public boolean isPaused() {
        return paused;
    }

    /** Kills the node if it runs and starts it again on the same data folder and port. */
    public synchronized ClusterNode restart() throws IOException, InterruptedException {
        kill();
        return start();
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + spec.id() + " is not running");
        }
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + p.pid() + " failed");
        }
    }

    /** @return the last lines of the node's console output */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(output);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Copies the console output and {@code node.log} into {@code dir}, for whoever reads a failed test. */
    public void copyLogs(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(output)) {
            Files.copy(output, dir.resolve(spec.id() + ".out"), StandardCopyOption.REPLACE_EXISTING);
        }
        Path log = data.resolve("node.log");
        if (Files.exists(log)) {
            Files.copy(log, dir.resolve(spec.id() + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public String toString() {
        return "node " + spec.id() + " [" + spec.roles() + "] admin :" + spec.adminPort() + (isAlive() ? " pid " + pid() : " (not running)")
                + (paused ? " PAUSED" : "");
    }
}
