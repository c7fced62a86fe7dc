package io.dsync.devkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.devkit.LocalRedis.Flavor;

/**
 * Both flavors of the local Redis behave the same: a child process with a pid, stopped by close, killable from outside,
 * restartable on its port. The system flavor is exercised here with a {@code redis-server} on a PATH of the test's
 * making (a link to the embedded binary), and with the real one when {@code DSYNC_LOCAL_REDIS=system} (CI's second pass).
 */
class LocalRedisTest {

    @TempDir
    Path dir;

    @Test
    void theEmbeddedFlavorIsAChildProcessThatStopsIsKilledAndRestartsOnItsPort() throws Exception {
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.EMBEDDED)) {
            assertThat(redis.flavor()).isEqualTo(Flavor.EMBEDDED);
            assertThat(redis.kind()).contains("embedded");
            behavesAsAProcessOfItsOwn(redis);
        }
    }

    @Test
    void theSystemFlavorRunsTheRedisServerOnThePath() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path redisServer = Files.createSymbolicLink(bin.resolve("redis-server"), LocalRedis.embeddedBinary());
        String path = dir.resolve("elsewhere") + java.io.File.pathSeparator + bin;
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.SYSTEM, path)) {
            assertThat(redis.flavor()).isEqualTo(Flavor.SYSTEM);
            assertThat(redis.kind()).isEqualTo("redis-server from " + redisServer);
            behavesAsAProcessOfItsOwn(redis);
        }
        try (LocalRedis auto = LocalRedis.start(LocalRedis.freePort(), Flavor.AUTO, path)) {
            assertThat(auto.flavor()).as("auto prefers the PATH").isEqualTo(Flavor.SYSTEM);
        }
        try (LocalRedis embedded = LocalRedis.start(LocalRedis.freePort(), Flavor.EMBEDDED, path)) {
            assertThat(embedded.flavor()).as("embedded ignores the PATH").isEqualTo(Flavor.EMBEDDED);
        }
    }

    @Test
    void theConfiguredFlavorRuns() throws Exception {
        Flavor configured = Flavor.configured();
        try (LocalRedis redis = LocalRedis.start()) {
            Flavor expected = configured == Flavor.AUTO
                    ? (LocalRedis.findOnPath("redis-server") != null ? Flavor.SYSTEM : Flavor.EMBEDDED)
                    : configured;
            assertThat(redis.flavor()).as(redis.kind()).isEqualTo(expected);
            behavesAsAProcessOfItsOwn(redis);
        }
    }

    @Test
    void autoWithoutRedisServerOnThePathRunsTheEmbeddedOne() throws Exception {
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.AUTO, dir.toString())) {
            assertThat(redis.flavor()).isEqualTo(Flavor.EMBEDDED);
        }
    }

    @Test
    void theSystemFlavorWithoutRedisServerOnThePathSaysWhatToDo() {
        assertThatThrownBy(() -> LocalRedis.start(LocalRedis.freePort(), Flavor.SYSTEM, dir.toString()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no redis-server on the PATH (" + dir + ")")
                .hasMessageContaining("DSYNC_LOCAL_REDIS=system")
                .hasMessageContaining("install it")
                .hasMessageContaining("DSYNC_LOCAL_REDIS=embedded");
    }

    @Test
    void theFlavorComesFromThePropertyElseTheEnvironmentElseIsAuto() {
        assertThat(Flavor.configured(null, null)).isEqualTo(Flavor.AUTO);
        assertThat(Flavor.configured("", " ")).isEqualTo(Flavor.AUTO);
        assertThat(Flavor.configured(null, "embedded")).isEqualTo(Flavor.EMBEDDED);
        assertThat(Flavor.configured("System", "embedded")).isEqualTo(Flavor.SYSTEM);
        assertThat(Flavor.configured(" auto ", "system")).isEqualTo(Flavor.AUTO);
        assertThatThrownBy(() -> Flavor.configured(null, "docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("DSYNC_LOCAL_REDIS=docker is not a local Redis flavor; use auto, system or embedded");
        assertThatThrownBy(() -> Flavor.configured("yes", null))
                .hasMessageStartingWith("-Ddsync.local.redis=yes is not");
    }

    @Test
    void aServerThatCannotStartIsExplainedByItsOwnOutput() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            assertThatThrownBy(() -> LocalRedis.start(taken.getLocalPort(), Flavor.EMBEDDED))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("exited with code")
                    .hasMessageContaining("Address already in use");
        }
    }

    @Test
    void probeSaysNoneWhenNothingListens() throws Exception {
        assertThat(RedisProbe.ping("127.0.0.1", LocalRedis.freePort(), Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
    }

    /** The pid is a live child of this JVM; close stops it; it restarts on its port; a SIGKILL from outside ends it. */
    private static void behavesAsAProcessOfItsOwn(LocalRedis redis) throws Exception {
        int port = redis.port();
        long pid = redis.pid();
        assertThat(RedisProbe.ping(redis.address(), Duration.ofSeconds(1))).isEqualTo(RedisProbe.Answer.PONG);
        assertThat(ProcessHandle.current().children().map(ProcessHandle::pid)).contains(pid);
        assertThat(redis.isAlive()).isTrue();

        redis.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("process " + pid + " after close").isFalse();
        assertThat(redis.isAlive()).isFalse();
        assertThat(RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);

        try (LocalRedis again = redis.startAgain()) {
            assertThat(again.pid()).isNotEqualTo(pid);
            assertThat(again.kind()).isEqualTo(redis.kind());
            assertThat(RedisProbe.ping(again.address(), Duration.ofSeconds(1))).isEqualTo(RedisProbe.Answer.PONG);

            ProcessHandle.of(again.pid()).orElseThrow().destroyForcibly();
            await().atMost(Duration.ofSeconds(10)).until(() -> !again.isAlive());
            assertThat(RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
        }
    }
}
