package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CacheMonitorTest {

    private final QueuesMonitorTest.MutableClock clock = new QueuesMonitorTest.MutableClock();

    private static String caches(long hits, long misses) {
        return "[{\"name\":\"users\",\"writeMode\":\"WRITE_THROUGH\",\"stats\":{\"hits\":" + hits + ",\"misses\":" + misses
                + ",\"invalidationsReceived\":0,\"writeBacks\":0},\"lines\":1,\"linesByState\":{\"S\":1}},"
                + "{\"name\":\"unused\",\"writeMode\":\"WRITE_BACK\"}]";
    }

    private FakeNodes cluster() {
        return new FakeNodes().add(FakeNodes.node("web-1", 8201, "lock")).add(FakeNodes.node("cache-1", 8202, "cache"))
                .answer(":8201/cache/caches", caches(0, 1)).answer(":8202/cache/caches", caches(0, 0))
                .answer(":8201/cache/caches/users/lines?limit=200", "{\"total\":1,\"lines\":[{\"key\":\"k\",\"state\":\"SHARED\",\"home\":\"cache-1\"}]}")
                .answer(":8202/cache/caches/users/lines?limit=200", "{\"total\":0,\"lines\":[]}")
                .answer(":8202/cache/homes?cache=users&limit=200", "{\"directories\":{\"users\":1},\"entries\":[{\"key\":\"k\","
                        + "\"state\":\"S\",\"owner\":null,\"holders\":{\"web-1\":\"S@1.1.1 until 5\"},\"waiting\":0}]}")
                .answer(":8202/cache/homes?cache=unused&limit=200", "{\"directories\":{}}");
    }

    @Test
    void aPollReadsEveryNodesCopiesAndTheHomesDirectories() throws Exception {
        FakeNodes nodes = cluster();
        try (CacheMonitor m = new CacheMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1), Duration.ofMinutes(5))) {
            m.poll();
            CacheSnapshot s = m.latest();
            assertThat(s.problem()).isNull();
            assertThat(s.caches()).containsOnlyKeys("users", "unused");
            CacheSnapshot.CacheState users = s.caches().get("users");
            assertThat(users.nodes()).as("cache nodes first").containsExactly("cache-1", "web-1");
            assertThat(users.lines().get("web-1").lines()).containsExactly(new CacheFigures.Line("k", "S", "cache-1"));
            assertThat(users.directories().get("cache-1").entries().get(0).holders()).containsEntry("web-1", "S");
            assertThat(users.hitRatio()).isEqualTo(0.0);
            assertThat(s.caches().get("unused").nodes()).isEmpty();
            assertThat(nodes.calls).noneMatch(u -> u.contains("/cache/homes") && u.contains(":8201"));

            CacheMatrix matrix = CacheMatrix.of(users, "", 50, 12);
            assertThat(matrix.rows().get(0).states()).containsEntry("web-1", "S");

            clock.advance(Duration.ofSeconds(1));
            nodes.answer(":8201/cache/caches", caches(3, 1));
            m.poll();
            assertThat(m.latest().caches().get("users").history()).hasSize(2);
            assertThat(m.latest().caches().get("users").history().get(1).values())
                    .containsEntry(MetricsSeries.CACHE_VIEW_HIT_RATIO, 100.0);
        }
    }

    @Test
    void aNodeThatFailsIsListedWithItsReason() throws Exception {
        FakeNodes nodes = cluster();
        nodes.answers.remove("http://127.0.0.1:8201/cache/caches");
        nodes.answers.remove("http://127.0.0.1:8202/cache/homes?cache=users&limit=200");
        try (CacheMonitor m = new CacheMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1), Duration.ofMinutes(5))) {
            m.poll();
            CacheSnapshot s = m.latest();
            assertThat(s.nodes()).contains(new QueuesSnapshot.NodeAnswer("web-1", "/cache/caches: ConnectException: Connection refused"));
            assertThat(s.caches().get("users").nodes()).containsExactly("cache-1");
            assertThat(s.caches().get("users").problems()).containsKey("cache-1");
        }
        try (CacheMonitor m = new CacheMonitor(() -> null, nodes, clock, Duration.ofSeconds(1), Duration.ofMinutes(5))) {
            m.poll();
            assertThat(m.latest().problem()).contains("node registry is not running");
        }
    }

    @Test
    void pollsOnlyWhileAViewListens() throws Exception {
        FakeNodes nodes = cluster();
        try (CacheMonitor m = new CacheMonitor(nodes::registry, nodes, clock, Duration.ofMillis(50), Duration.ofMinutes(5))) {
            assertThat(m.polling()).isFalse();
            BlockingQueue<CacheSnapshot> got = new ArrayBlockingQueue<>(100);
            Runnable stop = m.subscribe(got::offer);
            assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
            stop.run();
            assertThat(m.polling()).isFalse();
        }
    }
}
