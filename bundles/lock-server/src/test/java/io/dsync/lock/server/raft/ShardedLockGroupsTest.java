package io.dsync.lock.server.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.dsync.lock.DeadlockException;
import io.dsync.lock.LockHandle;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.raft.RaftLockClient;
import io.dsync.lock.client.raft.ShardedLockClient;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;

/**
 * The lock space over three Raft groups hosted by three real Ratis servers in this JVM: every member runs every group,
 * the client learns the count from them and routes each lock to its group, a deadlock across groups is broken by the
 * detector on group 0's leader, and the count survives restarts and joins.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShardedLockGroupsTest {

    private static final int GROUPS = 3;

    private static final Duration LEASE = Duration.ofSeconds(30);

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestGroup cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startThree() throws Exception {
        cluster = new TestGroup(dir, GROUPS).start(3);
        awaitAllGroupsLed();
    }

    private void awaitAllGroupsLed() {
        await("a ready leader in every group").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    for (int g = 0; g < GROUPS; g++) {
                        int group = g;
                        if (cluster.servers.stream().noneMatch(s -> s.isLeaderReady(group))) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    private ShardedLockClient client() {
        return ShardedLockClient.connect(TestGroup.CLUSTER, cluster.peers(), RaftLockClient.Options.DEFAULT);
    }

    @Test
    void everyMemberRunsEveryGroupAndTheLeadersSpread() throws Exception {
        startThree();
        for (RaftLockServer s : cluster.servers) {
            assertEquals(GROUPS, s.groupCount());
        }
        await("one leader per member (priorities)").atMost(Duration.ofSeconds(20)).until(() -> {
            Set<String> leaders = new HashSet<>();
            for (int g = 0; g < GROUPS; g++) {
                int group = g;
                cluster.servers.stream().filter(s -> s.isLeaderReady(group)).forEach(s -> leaders.add(s.options().selfId()));
            }
            return leaders.size() == GROUPS;
        });
    }

    @Test
    void locksGoToTheirGroupAndTheTableIsTheUnion() throws Exception {
        startThree();
        try (ShardedLockClient client = client(); ClientLockService locks = new ClientLockService(client, "t");
             LockSession session = locks.openSession(Duration.ofSeconds(30))) {
            assertEquals(GROUPS, client.groupCount());
            Set<Integer> used = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                String name = "lock-" + i;
                LockHandle h = session.acquire(new LockRequest(name, LockMode.EXCLUSIVE, LEASE, WAIT));
                int group = LockRaftGroup.groupOf(name, GROUPS);
                used.add(group);
                // The lock is in its group's table on every member, and in no other group's.
                for (RaftLockServer s : cluster.servers) {
                    await().atMost(Duration.ofSeconds(5)).until(() -> s.stateMachines().get(group).localStatus(name).holders().size() == 1);
                    for (int other = 0; other < GROUPS; other++) {
                        if (other != group) {
                            assertTrue(s.stateMachines().get(other).localStatus(name).holders().isEmpty());
                        }
                    }
                }
                LockStatus status = locks.status(name);
                assertEquals(h.fencingToken(), status.lastFencingToken());
            }
            assertEquals(Set.of(0, 1, 2), used);
            LockTableView table = client.table(100).get(10, TimeUnit.SECONDS);
            assertEquals(12, table.lockCount());
            assertEquals(12, table.locks().size());
            assertEquals("lock-0", table.locks().get(0).name());
        }
    }

    @Test
    void aDeadlockAcrossGroupsIsBrokenWithTheCycle() throws Exception {
        startThree();
        String first = "d-0";
        String second = null;
        for (int i = 1; second == null; i++) {
            if (LockRaftGroup.groupOf("d-" + i, GROUPS) != LockRaftGroup.groupOf(first, GROUPS)) {
                second = "d-" + i;
            }
        }
        try (ShardedLockClient client = client(); ClientLockService locks = new ClientLockService(client, "t");
             LockSession a = locks.openSession(Duration.ofSeconds(30));
             LockSession b = locks.openSession(Duration.ofSeconds(30))) {
            LockHandle aHolds = a.acquire(new LockRequest(first, LockMode.EXCLUSIVE, LEASE, WAIT));
            LockHandle bHolds = b.acquire(new LockRequest(second, LockMode.EXCLUSIVE, LEASE, WAIT));
            CompletableFuture<LockHandle> aWaits = a.acquireAsync(new LockRequest(second, LockMode.EXCLUSIVE, LEASE, WAIT));
            CompletableFuture<LockHandle> bWaits = b.acquireAsync(new LockRequest(first, LockMode.EXCLUSIVE, LEASE, WAIT));
            CompletableFuture.anyOf(aWaits, bWaits).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
            boolean aIsVictim = aWaits.isCompletedExceptionally();
            CompletableFuture<LockHandle> victim = aIsVictim ? aWaits : bWaits;
            ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, victim::get);
            DeadlockException deadlock = assertInstanceOf(DeadlockException.class, failure.getCause());
            List<String> waited = deadlock.cycle().edges().stream().map(WaitEdge::lockName).sorted().toList();
            assertEquals(List.of(first, second), waited);
            assertEquals(Set.of(a.id(), b.id()), new HashSet<>(deadlock.cycle().edges().stream().map(WaitEdge::waiter).toList()));
            (aIsVictim ? a : b).release(aIsVictim ? aHolds : bHolds);
            LockHandle granted = (aIsVictim ? bWaits : aWaits).get(10, TimeUnit.SECONDS);
            assertEquals(aIsVictim ? first : second, granted.name());
            // Every group's table remembers it among its deadlocks only where it was broken.
            LockTableView table = client.table(10).get(10, TimeUnit.SECONDS);
            assertEquals(1, table.deadlocks().size());
        }
    }

    @Test
    void theGroupCountIsKeptAcrossRestartsAndJoins() throws Exception {
        startThree();
        // Raw commands, so that nothing closes the session when the client goes: its locks stay held.
        try (ShardedLockClient client = client()) {
            SessionId session = new SessionId("kept");
            assertInstanceOf(Outcome.SessionLive.class,
                    client.submit(new LockCommand.OpenSession(session, "t", 60_000)).get(10, TimeUnit.SECONDS));
            for (int i = 0; i < 6; i++) {
                assertInstanceOf(Outcome.Granted.class, client.submit(new LockCommand.Acquire(session, i + 1, "kept-" + i,
                        LockMode.EXCLUSIVE, 60_000, 0, false)).get(10, TimeUnit.SECONDS));
            }
        }
        for (RaftLockServer s : List.copyOf(cluster.servers)) {
            s.takeSnapshot(Duration.ofSeconds(10));
        }
        cluster.close();
        // Restarted with another count in the options: the data folder's count wins.
        cluster.groups(1);
        cluster.restartAll();
        awaitAllGroupsLed();
        for (RaftLockServer s : cluster.servers) {
            assertEquals(GROUPS, s.groupCount());
        }
        RaftLockServer joined = cluster.join("n4");
        assertEquals(GROUPS, joined.groupCount());
        try (ShardedLockClient client = client()) {
            assertEquals(GROUPS, client.groupCount());
            LockTableView table = client.table(100).get(10, TimeUnit.SECONDS);
            assertEquals(6, table.lockCount(), "the locks held before the restart are still held");
        }
        for (int g = 0; g < GROUPS; g++) {
            int group = g;
            await("n4 applied group " + g).atMost(Duration.ofSeconds(15))
                    .until(() -> joined.status(group).role().equals("FOLLOWER") || joined.status(group).role().equals("LEADER"));
        }
        // Removing a member removes it from every group.
        RaftLockServer other = cluster.member("n1");
        other.removeMember("n4", Duration.ofSeconds(15));
        for (int g = 0; g < GROUPS; g++) {
            int group = g;
            await("n4 out of group " + g).atMost(Duration.ofSeconds(10))
                    .until(() -> other.members(group).keySet().equals(Set.of("n1", "n2", "n3")));
        }
    }
}
