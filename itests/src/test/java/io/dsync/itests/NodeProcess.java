package io.dsync.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.devredis.LocalRedis;

/** A node started as its own process with the distribution's {@code bin/dsync}, as an operator would. */
final class NodeProcess implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String id;
    final int adminPort;
    final Path data;
    final Path output;
    final Process process;

    private NodeProcess(String id, int adminPort, Path data, Path output, Process process) {
        this.id = id;
        this.adminPort = adminPort;
        this.data = data;
        this.output = output;
        this.process = process;
    }

    static Path home() {
        return Path.of(System.getProperty("dsync.distribution", "../distribution/target/dsync")).toAbsolutePath().normalize();
    }

    /** Starts {@code bin/dsync node} with its own data folder under {@code dir}. */
    static NodeProcess start(Path dir, String id, String roles, String redis, String token, String... extra) throws IOException {
        int port = LocalRedis.freePort();
        Path data = dir.resolve(id);
        Files.createDirectories(data);
        Path out = dir.resolve(id + ".out");
        List<String> cmd = new ArrayList<>(List.of(home().resolve("bin/dsync").toString(), "node", "--id", id, "--role", roles,
                "--admin-port", Integer.toString(port), "--redis", redis, "--data", data.toString(), "--cluster", "it"));
        if (token != null) {
            cmd.add("--admin-token");
            cmd.add(token);
        }
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("DSYNC_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        return new NodeProcess(id, port, data, out, pb.start());
    }

    String url(String path) {
        return "http://127.0.0.1:" + adminPort + path;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return the parsed {@code /health}, or {@code null} while the node does not answer */
    JsonNode health() {
        try {
            return JSON.readTree(get("/health").body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Sends SIGTERM and waits for the process to exit. */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("node " + id + " did not exit within " + timeout + " after SIGTERM");
        }
        return process.exitValue();
    }

    /** Sends SIGKILL: the node gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Copies the node's console output and log into the report folder, for a failed test's reader. */
    void keepLogs() {
        try {
            Path reports = Path.of(System.getProperty("dsync.reports", "target/node-logs"));
            Files.createDirectories(reports);
            if (Files.exists(output)) {
                Files.copy(output, reports.resolve(id + ".out"), StandardCopyOption.REPLACE_EXISTING);
            }
            Path log = data.resolve("node.log");
            if (Files.exists(log)) {
                Files.copy(log, reports.resolve(id + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("could not keep the logs of " + id + ": " + e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        keepLogs();
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
