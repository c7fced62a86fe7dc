package io.dsync.lock.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.dsync.registry.NodeInfo;

/** What client and server must agree on to find each other. */
class LockRaftGroupTest {

    @Test
    void theGroupIdDependsOnTheClusterNameOnly() {
        assertEquals(LockRaftGroup.groupId("prod"), LockRaftGroup.groupId("prod"));
        assertNotEquals(LockRaftGroup.groupId("prod"), LockRaftGroup.groupId("test"));
        assertEquals(LockRaftGroup.groupId("prod"), LockRaftGroup.group("prod",
                Map.of("n1", new InetSocketAddress("127.0.0.1", 9300))).getGroupId());
    }

    @Test
    void groupZeroIsTheOneGroupOfAClusterAndTheOthersHaveIdsOfTheirOwn() {
        Map<String, InetSocketAddress> peers = Map.of("n1", new InetSocketAddress("127.0.0.1", 9300));
        assertEquals(LockRaftGroup.groupId("prod"), LockRaftGroup.groupId("prod", 0));
        assertEquals(LockRaftGroup.groupId("prod", 3), LockRaftGroup.group("prod", 3, peers).getGroupId());
        java.util.Set<Object> ids = new java.util.HashSet<>();
        for (int i = 0; i < LockRaftGroup.MAX_GROUPS; i++) {
            ids.add(LockRaftGroup.groupId("prod", i));
        }
        assertEquals(LockRaftGroup.MAX_GROUPS, ids.size());
        assertNotEquals(LockRaftGroup.groupId("prod", 1), LockRaftGroup.groupId("test", 1));
        assertThrows(IllegalArgumentException.class, () -> LockRaftGroup.groupId("prod", LockRaftGroup.MAX_GROUPS));
        assertThrows(IllegalArgumentException.class, () -> LockRaftGroup.groupId("prod", -1));
    }

    @Test
    void theGroupCountIsTheRunOfGroupsFromZero() {
        assertEquals(0, LockRaftGroup.groupCount("prod", List.of()));
        assertEquals(0, LockRaftGroup.groupCount("prod", List.of(LockRaftGroup.groupId("prod", 1))));
        assertEquals(3, LockRaftGroup.groupCount("prod", List.of(LockRaftGroup.groupId("prod", 2),
                LockRaftGroup.groupId("other", 3), LockRaftGroup.groupId("prod", 0), LockRaftGroup.groupId("prod", 1))));
    }

    @Test
    void lockNamesSpreadEvenlyOverTheGroupsAndStayInTheirs() {
        assertEquals(0, LockRaftGroup.groupOf("anything", 1));
        int groups = 5;
        int[] counts = new int[groups];
        for (int i = 0; i < 50_000; i++) {
            int g = LockRaftGroup.groupOf("order-" + i, groups);
            assertEquals(g, LockRaftGroup.groupOf("order-" + i, groups), "the same name, the same group");
            counts[g]++;
        }
        for (int c : counts) {
            // 10,000 expected per group; a well-mixed hash stays within a few percent.
            assertEquals(10_000, c, 500, "per-group counts " + java.util.Arrays.toString(counts));
        }
    }

    @Test
    void theLockNodesAreTheRegisteredNodesWithTheLockRoleAndARaftPort() {
        List<NodeInfo> nodes = List.of(
                node("lock-2", List.of("lock"), Map.of("admin", 8082, "raft", 9302)),
                node("lock-1", List.of("lock", "queue"), Map.of("admin", 8081, "raft", 9301)),
                node("queue-1", List.of("queue"), Map.of("admin", 8084)),
                node("lock-3", List.of("lock"), Map.of("admin", 8083)));
        Map<String, InetSocketAddress> lockNodes = LockRaftGroup.lockNodes(nodes);
        assertEquals(List.of("lock-1", "lock-2"), List.copyOf(lockNodes.keySet()), "sorted by id");
        assertEquals(9302, lockNodes.get("lock-2").getPort());
    }

    @Test
    void hostPortRoundTrips() {
        InetSocketAddress a = LockRaftGroup.parseHostPort("lock-1.example:9300");
        assertEquals("lock-1.example", a.getHostString());
        assertEquals("lock-1.example:9300", LockRaftGroup.hostPort(a));
        assertThrows(IllegalArgumentException.class, () -> LockRaftGroup.parseHostPort("no-port"));
        assertThrows(IllegalArgumentException.class, () -> LockRaftGroup.parseHostPort("host:port"));
    }

    private static NodeInfo node(String id, List<String> roles, Map<String, Integer> ports) {
        return new NodeInfo(id, "instance-" + id, "test", roles, "host-" + id, ports, List.of(), null, null, "0.1.0");
    }
}
