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
import java.util.List;

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
    void aPortWithACompanionHasBothFreeAndBelowTheEphemeralRange() throws Exception {
        for (int i = 0; i < 200; i++) {
            int port = LocalRedis.freePort(LocalRedisCluster.CLUSTER_BUS_OFFSET);
            assertThat(port).isBetween(20_000, 21_999);
            for (int p : new int[] {port, port + LocalRedisCluster.CLUSTER_BUS_OFFSET}) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 1);
                }
            }
        }
    }

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
    void withoutAnAppendOnlyFileARestartedServerIsEmpty() throws Exception {
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.EMBEDDED)) {
            assertThat(redis.appendOnly()).isEmpty();
            Resp.call(redis.port(), "SET", "k", "v");
            redis.kill();
            try (LocalRedis again = redis.startAgain()) {
                assertThat(Resp.call(again.port(), "DBSIZE")).isEqualTo(0L);
            }
        }
    }

    @Test
    void withFsyncAlwaysWhatWasAnsweredSurvivesKillNineAndIsLoadedByStartAgain() throws Exception {
        LocalRedis.AppendOnly aof = new LocalRedis.AppendOnly(dir.resolve("redis-data"), LocalRedis.Fsync.ALWAYS);
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.configured(), aof)) {
            assertThat(redis.appendOnly()).contains(aof);
            int port = redis.port();
            long pid = redis.pid();
            assertThat(Resp.call(port, "CONFIG", "GET", "appendfsync")).isEqualTo(List.of("appendfsync", "always"));
            writeSome(port, 200);

            redis.kill();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("after kill").isFalse();
            assertThat(RedisProbe.ping("127.0.0.1", port, Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
            assertThat(containsAppendOnlyFile(aof.dir())).as("the AOF in " + aof.dir()).isTrue();

            try (LocalRedis again = redis.startAgain()) {
                assertThat(again.pid()).isNotEqualTo(pid);
                assertThat(again.appendOnly()).contains(aof);
                holdsWhatWasWritten(port, 200);
                // It goes on persisting into the same folder: a second crash keeps the first run's data and its own.
                Resp.call(port, "SET", "second", "run");
                again.kill();
                try (LocalRedis third = again.startAgain()) {
                    holdsWhatWasWritten(port, 200);
                    assertThat(Resp.call(port, "GET", "second")).isEqualTo("run");
                }
            }
        }
    }

    @Test
    void withFsyncEverysecAStopFlushesTheFile() throws Exception {
        LocalRedis.AppendOnly aof = new LocalRedis.AppendOnly(dir.resolve("redis-data"), LocalRedis.Fsync.EVERYSEC);
        try (LocalRedis redis = LocalRedis.start(LocalRedis.freePort(), Flavor.configured(), aof)) {
            assertThat(Resp.call(redis.port(), "CONFIG", "GET", "appendfsync")).isEqualTo(List.of("appendfsync", "everysec"));
            writeSome(redis.port(), 200);
            redis.close();
            try (LocalRedis again = redis.startAgain()) {
                holdsWhatWasWritten(again.port(), 200);
            }
        }
    }

    @Test
    void probeSaysNoneWhenNothingListens() throws Exception {
        assertThat(RedisProbe.ping("127.0.0.1", LocalRedis.freePort(), Duration.ofMillis(300))).isEqualTo(RedisProbe.Answer.NONE);
    }

    /** A counter, a hash field with a TTL'd key beside it, and a stream of {@code n} entries. */
    private static void writeSome(int port, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Resp.call(port, "HINCRBY", "meta", "epoch", "1");
            Resp.call(port, "XADD", "stream", "*", "p", "m" + i);
        }
        Resp.call(port, "SET", "expiring", "x", "PX", "600000");
    }

    private static void holdsWhatWasWritten(int port, int n) throws IOException {
        assertThat(Resp.call(port, "HGET", "meta", "epoch")).isEqualTo(Integer.toString(n));
        assertThat(Resp.call(port, "XLEN", "stream")).isEqualTo((long) n);
        assertThat((Long) Resp.call(port, "PTTL", "expiring")).isBetween(1L, 600_000L);
    }

    private static boolean containsAppendOnlyFile(Path dir) throws IOException {
        // Redis 7 keeps a folder of AOF parts (appendonlydir/), Redis 6.2 one appendonly.aof.
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().contains(".aof"));
        }
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
