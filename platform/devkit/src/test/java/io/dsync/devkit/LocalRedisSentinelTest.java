package io.dsync.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary, its replica and a sentinel: a write reaches the replica, a killed primary is replaced by the replica,
 * which keeps the write, and the killed server comes back as the new primary's replica. Close stops all three.
 */
class LocalRedisSentinelTest {

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void theSentinelPromotesTheReplicaWhenThePrimaryIsKilled() throws Exception {
        List<Long> pids;
        try (LocalRedisSentinel redis = LocalRedisSentinel.start(dir)) {
            pids = redis.pids();
            assertThat(pids).hasSize(3);
            int primary = redis.primaryPort();
            int replica = redis.dataPorts().stream().filter(p -> p != primary).findFirst().orElseThrow();
            assertThat(redis.replication(primary)).containsEntry("role", "master").containsEntry("connected_slaves", "1");
            assertThat(Resp.call(primary, "SET", "k", "v")).isEqualTo("OK");
            assertThat(Resp.call(primary, "WAIT", "1", "5000")).isEqualTo(1L);

            assertThat(redis.killPrimary()).isEqualTo(primary);
            long killed = System.nanoTime();
            int promoted = redis.awaitFailover(primary, Duration.ofSeconds(30));
            System.out.printf("failover after %d ms%n", (System.nanoTime() - killed) / 1_000_000);
            assertThat(promoted).isEqualTo(replica);
            assertThat(Resp.call(promoted, "GET", "k")).isEqualTo("v");

            redis.restartAsReplica(primary);
            assertThat(redis.replication(primary)).containsEntry("role", "slave")
                    .containsEntry("master_port", Integer.toString(promoted));
            assertThat(Resp.call(primary, "GET", "k")).as("the old primary synced from the new one").isEqualTo("v");
            pids = redis.pids();
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d stopped", pid).isFalse();
        }
    }
}
