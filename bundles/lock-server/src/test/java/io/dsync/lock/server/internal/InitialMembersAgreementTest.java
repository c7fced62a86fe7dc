package io.dsync.lock.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.dsync.devkit.LocalRedis;
import io.dsync.redis.RedisConnection;

/** The initial members agreed through a real Redis: the first proposal stored is everyone's. */
class InitialMembersAgreementTest {

    private static LocalRedis redis;
    private static RedissonClient client;

    @BeforeAll
    static void start() throws Exception {
        redis = LocalRedis.start();
        Config config = new Config();
        config.useSingleServer().setAddress(redis.address());
        client = Redisson.create(config);
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        redis.close();
    }

    private static RedisConnection connection(String cluster) {
        return (RedisConnection) Proxy.newProxyInstance(InitialMembersAgreementTest.class.getClassLoader(),
                new Class<?>[] {RedisConnection.class}, (p, m, a) -> switch (m.getName()) {
                    case "client" -> client;
                    case "key" -> "dsync:" + cluster + ":" + String.join(":", (String[]) a[0]);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static Map<String, InetSocketAddress> nodes(String... ids) {
        Map<String, InetSocketAddress> m = new TreeMap<>();
        for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], new InetSocketAddress("127.0.0.1", 9301 + i));
        }
        return m;
    }

    @Test
    void theFirstProposalIsEveryNodesChoiceInItsClusterOnly() {
        String cluster = "c-" + UUID.randomUUID();
        Map<String, InetSocketAddress> all = nodes("n1", "n2", "n3", "n4");
        Map<String, InetSocketAddress> first = new TreeMap<>(all);
        first.remove("n3");
        assertEquals(first, new InitialMembersAgreement(connection(cluster)).agree(first, all));
        Map<String, InetSocketAddress> second = new TreeMap<>(all);
        second.remove("n4");
        assertEquals(first, new InitialMembersAgreement(connection(cluster)).agree(second, all));
        Map<String, InetSocketAddress> other = nodes("a", "b", "c");
        assertEquals(other, new InitialMembersAgreement(connection("other-" + cluster)).agree(other, other));
    }

    @Test
    void aChoiceNamingNoRegisteredNodeIsStaleAndTheRegistryGivesTheAddresses() {
        String cluster = "c-" + UUID.randomUUID();
        Map<String, InetSocketAddress> before = nodes("old-1", "old-2", "old-3");
        new InitialMembersAgreement(connection(cluster)).agree(before, before);
        // The cluster formed again at once with other nodes: the choice of the old ones is not theirs.
        Map<String, InetSocketAddress> now = nodes("new-1", "new-2", "new-3");
        assertEquals(now, new InitialMembersAgreement(connection(cluster)).agree(now, now));
        // ... and with the same node ids on other ports: the ids agreed, at the addresses registered now.
        Map<String, InetSocketAddress> moved = new TreeMap<>();
        now.forEach((id, a) -> moved.put(id, new InetSocketAddress("127.0.0.1", a.getPort() + 100)));
        assertEquals(moved, new InitialMembersAgreement(connection(cluster)).agree(moved, moved));
    }
}
