package io.dsync.cache.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.devkit.LocalRedis;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/** The agreed ring against a real Redis: compare-and-set epochs and the members kept for the last epochs. */
class HomeRingTest {

    static LocalRedis redis;
    static RedissonClient client;

    @BeforeAll
    static void start() throws IOException {
        redis = LocalRedis.start();
        client = MainMemoryTest.clientOf(redis, 3000);
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        redis.close();
    }

    @Test
    void aProposalMakesTheNextEpochOnlyFromTheEpochItRead() {
        HomeRing ring = new HomeRing(client, "dsync:ringtest:cas");
        assertThat(ring.read()).isEqualTo(HomeRing.Record.NONE);
        assertThat(ring.readView()).isEqualTo(new HomeRing.View(HomeRing.Record.NONE, List.of()));
        assertThat(ring.propose(0, List.of("b", "a"))).isEqualTo(new HomeRing.Record(1, List.of("a", "b")));
        assertThat(ring.propose(0, List.of("c"))).as("another node changed it first")
                .isEqualTo(new HomeRing.Record(1, List.of("a", "b")));
        assertThat(ring.propose(1, List.of("a", "b", "c"))).isEqualTo(new HomeRing.Record(2, List.of("a", "b", "c")));
        assertThat(ring.readView()).isEqualTo(new HomeRing.View(new HomeRing.Record(2, List.of("a", "b", "c")),
                List.of(new HomeRing.Record(1, List.of("a", "b")))));
    }

    @Test
    void theMembersOfTheLastEpochsAreKept() {
        HomeRing ring = new HomeRing(client, "dsync:ringtest:history");
        for (long e = 0; e < 20; e++) {
            ring.propose(e, e % 2 == 0 ? List.of("a", "b") : List.of("a", "b", "n" + e));
        }
        HomeRing.View view = ring.readView();
        assertThat(view.current()).isEqualTo(new HomeRing.Record(20, List.of("a", "b", "n19")));
        assertThat(view.earlier()).extracting(HomeRing.Record::epoch)
                .isEqualTo(LongStream.range(20 - HomeRing.KEPT + 1, 20).boxed().toList());
        assertThat(view.earlier().get(view.earlier().size() - 1)).isEqualTo(new HomeRing.Record(19,
                List.of("a", "b")));
        assertThat(view.earlier().get(view.earlier().size() - 2)).isEqualTo(new HomeRing.Record(18,
                List.of("a", "b", "n17")));
        assertThat(client.getMap("dsync:ringtest:history", StringCodec.INSTANCE).size())
                .as("epoch, members and the kept epochs' members").isEqualTo(2 + HomeRing.KEPT);
    }

    @Test
    void anEpochMadeByANodeThatKeepsNoHistoryIsMissingFromTheView() {
        String key = "dsync:ringtest:old";
        HomeRing ring = new HomeRing(client, key);
        ring.propose(0, List.of("a"));
        ring.propose(1, List.of("a", "b"));
        // A node of an earlier version writes only the epoch and the members.
        client.<String, String>getMap(key, StringCodec.INSTANCE).putAll(Map.of("epoch", "3", "members",
                "a\nb\nc"));
        ring.propose(3, List.of("a", "c"));
        HomeRing.View view = ring.readView();
        assertThat(view.current()).isEqualTo(new HomeRing.Record(4, List.of("a", "c")));
        assertThat(view.earlier()).extracting(HomeRing.Record::epoch).containsExactly(1L, 2L);
    }
    @Test
    void withoutReplicasToConfirmItTheRingIsNotConfirmed() {
        HomeRing ring = new HomeRing(client, "dsync:ringtest:unconfirmed");
        ring.propose(0, List.of("a"));
        ring.confirmReplicated("a", 0, java.time.Duration.ofMillis(100)); // no replicas wanted: nothing to do
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> ring.confirmReplicated("a", 1, java.time.Duration.ofMillis(100)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("only 0 of 1 Redis replica(s) confirmed the cache ring within 100 ms");
        assertThat(ring.readView().current()).as("the marker is no member").isEqualTo(new HomeRing.Record(1, List.of("a")));
    }

    @Test
    void aConfirmedRingIsOnTheReplica() throws IOException {
        try (LocalRedis primary = LocalRedis.start(); LocalRedis replica = LocalRedis.start()) {
            MainMemoryTest.command(primary.port(), "CONFIG", "SET", "repl-diskless-sync-delay", "0");
            MainMemoryTest.command(replica.port(), "REPLICAOF", "127.0.0.1", Integer.toString(primary.port()));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> MainMemoryTest
                    .command(primary.port(), "INFO", "replication").contains("state=online"));
            RedissonClient c = MainMemoryTest.clientOf(primary, 3000);
            try {
                HomeRing ring = new HomeRing(c, "dsync:ringtest:replicated");
                for (int epoch = 0; epoch < 20; epoch++) {
                    ring.propose(epoch, List.of("n" + epoch));
                    ring.confirmReplicated("n" + epoch, 1, java.time.Duration.ofSeconds(5));
                    // Read on the replica right after: what the node acts on is there.
                    assertThat(MainMemoryTest.command(replica.port(), "HGET", "dsync:ringtest:replicated", "epoch"))
                            .isEqualTo(Integer.toString(epoch + 1));
                }
            } finally {
                c.shutdown();
            }
        }
    }
}
