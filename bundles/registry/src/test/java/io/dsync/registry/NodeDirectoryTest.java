package io.dsync.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.devkit.LocalRedis;

/** The registry layout against a real Redis. */
class NodeDirectoryTest {

    static final String OBSERVER = "dsync-test-observer";
    static LocalRedis redis;
    static RedissonClient client;

    @BeforeAll
    static void start() throws Exception {
        redis = LocalRedis.start();
        Config config = new Config();
        config.useSingleServer().setAddress(redis.address()).setClientName(OBSERVER);
        client = Redisson.create(config);
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        redis.close();
    }

    static NodeInfo node(String id, String instance) {
        return new NodeInfo(id, instance, "c", List.of("lock"), "127.0.0.1", Map.of("admin", 8080),
                List.of(new BundleInfo(1, "io.dsync.redis", "1.0.0", "ACTIVE", false)), "2026-11-25T00:00:00Z",
                "2026-11-25T00:00:01Z", "test");
    }

    @Test
    void registeredNodesAreListedInIdOrderAndRoundTrip() {
        NodeDirectory dir = new NodeDirectory(client, "roundtrip");
        assertThat(dir.register(node("b", "i-b"), Duration.ofSeconds(10))).isEmpty();
        assertThat(dir.register(node("a", "i-a"), Duration.ofSeconds(10))).isEmpty();
        List<NodeInfo> nodes = dir.list();
        assertThat(nodes).extracting(NodeInfo::id).containsExactly("a", "b");
        assertThat(nodes.get(0)).isEqualTo(node("a", "i-a"));
        assertThat(nodes.get(0).adminUrl()).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void aSecondProcessCannotTakeALiveNodeId() {
        NodeDirectory dir = new NodeDirectory(client, "conflict");
        assertThat(dir.register(node("n", "first"), Duration.ofSeconds(10))).isEmpty();
        assertThat(dir.register(node("n", "second"), Duration.ofSeconds(10))).contains("first");
        assertThat(dir.list()).singleElement().extracting(NodeInfo::instance).isEqualTo("first");
    }

    @Test
    void entriesExpireWithoutHeartbeatAndAreDroppedFromTheSet() {
        NodeDirectory dir = new NodeDirectory(client, "expiry");
        dir.register(node("short", "i"), Duration.ofSeconds(1));
        assertThat(dir.list()).hasSize(1);
        // Redis expires the entry by itself; once it has, a reader must not list it and must drop its id from the set.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.getKeys().countExists(dir.nodeKey("short")) == 0);
        assertThat(client.getSet(dir.setKey()).size()).as("ids stay in the set until a reader finds them expired").isEqualTo(1);
        assertThat(dir.list()).isEmpty();
        assertThat(client.getSet(dir.setKey()).size()).isZero();
        assertThat(dir.register(node("short", "other-instance"), Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void deregisterRemovesOnlyTheOwnInstance() {
        NodeDirectory dir = new NodeDirectory(client, "leave");
        dir.register(node("x", "mine"), Duration.ofSeconds(10));
        dir.deregister("x", "not-mine");
        assertThat(dir.list()).hasSize(1);
        dir.deregister("x", "mine");
        assertThat(dir.list()).isEmpty();
    }

    @Test
    void clustersDoNotSeeEachOther() {
        new NodeDirectory(client, "one").register(node("n1", "i"), Duration.ofSeconds(10));
        assertThat(new NodeDirectory(client, "two").list()).isEmpty();
    }

    @Test
    void aLateNodeWhoseConnectionsClosedLeavesBeforeItsEntryExpiresAndALateConnectedOneStays() {
        NodeDirectory dir = new NodeDirectory(client, "died", Duration.ZERO);
        RedissonClient doomed = named("dsync-died-gone");
        Duration beat = Duration.ofMillis(100);
        try {
            assertThat(new NodeDirectory(doomed, "died").register(node("gone", "g"), Duration.ofMinutes(1), beat,
                    "dsync-died-gone")).isEmpty();
            // "late" heartbeats no more either, but its process (this test's client) keeps its connection.
            assertThat(dir.register(node("late", "l"), Duration.ofMinutes(1), beat, OBSERVER)).isEmpty();
            assertThat(dir.list()).extracting(NodeInfo::id).containsExactly("gone", "late");
        } finally {
            doomed.shutdown();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(dir.list()).extracting(NodeInfo::id).containsExactly("late"));
        assertThat(client.getKeys().countExists(dir.nodeKey("gone"))).as("its entry has not expired").isEqualTo(1);
    }

    @Test
    void aNodeWithoutConnectionsStaysUntilItsEntryExpiresWhileRedisIsNewerThanTheSettleTime() throws Exception {
        NodeDirectory dir = new NodeDirectory(client, "settle", Duration.ofHours(1));
        RedissonClient doomed = named("dsync-settle-gone");
        try {
            new NodeDirectory(doomed, "settle").register(node("gone", "g"), Duration.ofMinutes(1), Duration.ofMillis(100),
                    "dsync-settle-gone");
        } finally {
            doomed.shutdown();
        }
        Thread.sleep(1_000);
        assertThat(dir.list()).extracting(NodeInfo::id).containsExactly("gone");
    }

    @Test
    void aConnectedNodeTwoHeartbeatsLateIsListedButNotResponsiveUntilItBeatsAgain() throws Exception {
        NodeDirectory dir = new NodeDirectory(client, "paused", Duration.ZERO);
        Duration beat = Duration.ofMillis(100);
        // Both "processes" keep their connection (this test's client): "paused" stops heartbeating, as under SIGSTOP.
        assertThat(dir.register(node("paused", "p"), Duration.ofMinutes(1), beat, OBSERVER)).isEmpty();
        assertThat(dir.register(node("steady", "s"), Duration.ofMinutes(1), beat, OBSERVER)).isEmpty();
        assertThat(dir.listResponsive()).extracting(NodeInfo::id).containsExactly("paused", "steady");
        Thread.sleep(2 * beat.toMillis() + NodeDirectory.LATE_SLACK_MILLIS + 200);
        assertThat(dir.register(node("steady", "s"), Duration.ofMinutes(1), beat, OBSERVER)).isEmpty();
        assertThat(dir.list()).extracting(NodeInfo::id).containsExactly("paused", "steady");
        assertThat(dir.listResponsive()).extracting(NodeInfo::id).containsExactly("steady");
        // Right after a Redis restart nobody could beat for a while: lateness says nothing before the settle time.
        assertThat(new NodeDirectory(client, "paused", Duration.ofHours(1)).listResponsive())
                .extracting(NodeInfo::id).containsExactly("paused", "steady");
        assertThat(dir.register(node("paused", "p"), Duration.ofMinutes(1), beat, OBSERVER)).isEmpty();
        assertThat(dir.listResponsive()).extracting(NodeInfo::id).containsExactly("paused", "steady");
    }

    static RedissonClient named(String name) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.address()).setClientName(name);
        return Redisson.create(config);
    }

    @Test
    void unreachableRedisGivesARegistryUnavailableException() throws Exception {
        Config config = new Config();
        config.setLazyInitialization(true);
        config.useSingleServer().setAddress("redis://127.0.0.1:" + LocalRedis.freePort()).setConnectTimeout(300)
                .setTimeout(300).setRetryAttempts(0);
        RedissonClient dead = Redisson.create(config);
        try {
            assertThatThrownBy(() -> new NodeDirectory(dead, "c").list())
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining("cannot read the node registry of cluster 'c'");
        } finally {
            dead.shutdown();
        }
    }
}
