package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dsync.devkit.LocalRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code bin/dsync demo}, as a newcomer runs it with nothing else running: it starts a
 * local Redis, one node with every role, and prints how to reach it; the node becomes healthy, the console accepts the
 * printed password for {@code admin}, and Ctrl-C (SIGTERM) stops the node and the Redis it started.
 */
class DemoIT {

    private static final Pattern CONSOLE = Pattern.compile("Console: (http://\\S+/)\\s+user admin, password (\\S+)");
    private static final Pattern HEALTH = Pattern.compile("curl -s (http://\\S+/health)");
    private static final Pattern REDIS = Pattern.compile("Started \\S+ .* on redis://127\\.0\\.0\\.1:\\d+ \\(pid (\\d+)\\)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;
    private Process demo;

    /** A demo left running by a failed test: SIGTERM first (it stops its Redis), then its processes forcibly. */
    @AfterEach
    void stop() throws InterruptedException {
        if (demo != null && demo.isAlive()) {
            List<ProcessHandle> children = demo.descendants().toList();
            demo.destroy();
            if (!demo.waitFor(30, TimeUnit.SECONDS)) {
                demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theDemoStartsANodeWithItsConsoleAndStopsEverythingOnCtrlC() throws Exception {
        // A Redis address where nothing answers: the demo starts a local Redis of its own.
        demo = new ProcessBuilder(Nodes.home().resolve("bin/dsync").toString(), "demo", "--admin-port", "0",
                "--redis", "redis://127.0.0.1:" + LocalRedis.freePort(), "--data", dir.resolve("demo").toString())
                .redirectErrorStream(true).start();
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (java.io.IOException ignored) {
                // The process ended.
            }
        }, "demo-output");
        reader.setDaemon(true);
        reader.start();

        Matcher redis = waitFor(output, REDIS);
        Matcher health = waitFor(output, HEALTH);
        Matcher console = waitFor(output, CONSOLE);
        long redisPid = Long.parseLong(redis.group(1));

        await("the demo node healthy").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> HTTP.send(HttpRequest.newBuilder(URI.create(health.group(1))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        String base = console.group(1);
        HttpResponse<String> signIn = await("the console serving").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> HTTP.send(
                        HttpRequest.newBuilder(URI.create(base + "auth/login"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("username=admin&password="
                                        + URLEncoder.encode(console.group(2), StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 302);
        assertThat(signIn.headers().firstValue("Location")).as("signed in, not sent back with ?error").get()
                .asString().doesNotContain("error");

        demo.destroy(); // SIGTERM, as Ctrl-C
        assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo ends on SIGTERM").isTrue();
        await("the demo's Redis stopped").atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(redisPid).map(p -> !p.isAlive()).orElse(true));
        assertThat(String.join("\n", output)).as("the demo's output").doesNotContain("Exception").doesNotContain(" ERROR ");
    }

    /** Waits up to 60 s for a line of the demo's output that matches. */
    private static Matcher waitFor(List<String> output, Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : output) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the demo printed no line matching " + pattern + " within 60 s:\n"
                + String.join("\n", output));
    }
}
