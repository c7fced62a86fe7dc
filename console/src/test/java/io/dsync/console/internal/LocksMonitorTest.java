package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

class LocksMonitorTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-04T06:00:00Z"), ZoneOffset.UTC);
    private static final LockTableSnapshot TABLE = WaitForLayoutTest.table(List.of(), List.of());

    private static NodeInfo node(String id, int port, String... roles) {
        return new NodeInfo(id, id + "-1", "default", List.of(roles), "127.0.0.1", Map.of("admin", port), List.of(),
                null, null, "test");
    }

    private static NodeRegistry registry(List<NodeInfo> nodes) {
        return new NodeRegistry() {
            @Override
            public NodeInfo self() {
                return nodes.get(0);
            }

            @Override
            public List<NodeInfo> nodes() {
                return nodes;
            }

            @Override
            public Optional<Instant> lastHeartbeat() {
                return Optional.empty();
            }

            @Override
            public Optional<String> problem() {
                return Optional.empty();
            }
        };
    }

    /** Answers the table from the URLs in {@code up}; records every call. */
    private static final class FakeAdmin implements LockAdmin {
        final Set<String> up;
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        FakeAdmin(Set<String> up) {
            this.up = java.util.concurrent.ConcurrentHashMap.newKeySet();
            this.up.addAll(up);
        }

        @Override
        public LockTableSnapshot table(String adminUrl, int max) throws LockAdminException {
            calls.add("table " + adminUrl + " " + max);
            if (!up.contains(adminUrl)) {
                throw new LockAdminException("connection refused");
            }
            return TABLE;
        }

        @Override
        public RaftMemberStatus raft(String node, String adminUrl) {
            calls.add("raft " + node);
            return new RaftMemberStatus(node, "running", "LEADER", 1, node, 5, 5, List.of(node), null);
        }

        @Override
        public void closeSession(String adminUrl, String session) throws LockAdminException {
            calls.add("close " + adminUrl + " " + session);
            if (!up.contains(adminUrl)) {
                throw new LockAdminException("HTTP 404: unknown session " + session);
            }
        }
    }

    @Test
    void readsTheTableFromALockNodeFirstAndEveryLockNodesRaftStatus() throws Exception {
        FakeAdmin admin = new FakeAdmin(Set.of("http://127.0.0.1:2", "http://127.0.0.1:3"));
        List<NodeInfo> nodes = List.of(node("a-console", 1, "console"), node("b-lock", 2, "lock"), node("c-lock", 3, "lock"));
        try (LocksMonitor m = new LocksMonitor(() -> registry(nodes), admin, CLOCK, Duration.ofHours(1), 500)) {
            m.poll();

            LocksSnapshot s = m.latest();
            assertThat(s.table()).isSameAs(TABLE);
            assertThat(s.tableFrom()).isEqualTo("b-lock");
            assertThat(s.raft()).extracting(RaftMemberStatus::node).containsExactly("b-lock", "c-lock");
            assertThat(admin.calls).contains("table http://127.0.0.1:2 500").doesNotContain("raft a-console");
        }
    }

    @Test
    void aNodeThatFailsIsFollowedByTheNextAndTheLastProblemIsShownWhenAllFail() throws Exception {
        FakeAdmin admin = new FakeAdmin(Set.of("http://127.0.0.1:1"));
        List<NodeInfo> nodes = List.of(node("a", 1), node("b", 2, "lock"));
        try (LocksMonitor m = new LocksMonitor(() -> registry(nodes), admin, CLOCK, Duration.ofHours(1), 10)) {
            m.poll();
            assertThat(m.latest().tableFrom()).isEqualTo("a");
            assertThat(admin.calls).containsSubsequence("table http://127.0.0.1:2 10", "table http://127.0.0.1:1 10");
        }
        FakeAdmin down = new FakeAdmin(Set.of());
        try (LocksMonitor m = new LocksMonitor(() -> registry(nodes), down, CLOCK, Duration.ofHours(1), 10)) {
            m.poll();
            assertThat(m.latest().table()).isNull();
            assertThat(m.latest().tableProblem()).isEqualTo("a: connection refused");
        }
    }

    @Test
    void withoutARegistryTheProblemSaysSo() throws Exception {
        try (LocksMonitor m = new LocksMonitor(() -> null, new FakeAdmin(Set.of()), CLOCK, Duration.ofHours(1), 10)) {
            m.poll();
            assertThat(m.latest().tableProblem()).contains("registry is not running");
        }
    }

    @Test
    void pollsOnlyWhileSomebodyListens() throws Exception {
        FakeAdmin admin = new FakeAdmin(Set.of("http://127.0.0.1:2"));
        List<NodeInfo> nodes = List.of(node("b", 2, "lock"));
        try (LocksMonitor m = new LocksMonitor(() -> registry(nodes), admin, CLOCK, Duration.ofMillis(100), 10)) {
            assertThat(m.polling()).isFalse();
            BlockingQueue<LocksSnapshot> got = new ArrayBlockingQueue<>(100);
            Runnable first = m.subscribe(got::offer);
            Runnable second = m.subscribe(s -> { });
            assertThat(got.poll(10, TimeUnit.SECONDS)).isNotNull();
            first.run();
            assertThat(m.polling()).isTrue();
            second.run();
            assertThat(m.polling()).isFalse();
        }
    }

    @Test
    void closesASessionThroughTheNodeTheTableCameFrom() throws Exception {
        FakeAdmin admin = new FakeAdmin(Set.of("http://127.0.0.1:1", "http://127.0.0.1:2"));
        List<NodeInfo> nodes = List.of(node("a", 1), node("b", 2, "lock"));
        try (LocksMonitor m = new LocksMonitor(() -> registry(nodes), admin, CLOCK, Duration.ofHours(1), 10)) {
            assertThat(m.closeSession("s1")).isEqualTo("b");
            admin.up.remove("http://127.0.0.1:2");
            m.poll();
            assertThat(m.closeSession("s2")).isEqualTo("a");
            admin.up.clear();
            assertThatThrownBy(() -> m.closeSession("s3")).hasMessage("HTTP 404: unknown session s3");
        }
    }
}
