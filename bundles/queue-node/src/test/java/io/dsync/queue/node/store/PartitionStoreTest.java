package io.dsync.queue.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.dsync.devkit.LocalRedis;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.store.PartitionStore.Batch;
import io.dsync.queue.node.store.PartitionStore.Fenced;
import io.dsync.queue.node.store.PartitionStore.StoredEntry;
import io.dsync.queue.protocol.PartitionKeys;

/** The partition's Lua script against a real Redis: adds, deduplication, delivery records, deletes and fencing. */
class PartitionStoreTest {

    static final LocalRedis redis = TestRedis.server();
    static final RedissonClient client = TestRedis.client();
    static final PartitionStore store = new PartitionStore(client);

    static PartitionKeys keys(String test) {
        return PartitionKeys.of(parts -> "dsync:" + test + ":" + String.join(":", parts), "q", 0);
    }

    static byte[][] message(String key, String payload) {
        return new byte[][] {(key == null ? "" : key).getBytes(StandardCharsets.UTF_8),
                payload.getBytes(StandardCharsets.UTF_8), new byte[0]};
    }

    static List<byte[]> apply(PartitionKeys k, long epoch, Batch batch) {
        return store.apply(k, epoch, System.currentTimeMillis(), batch).toCompletableFuture().join();
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void keysShareOneHashTagPerPartition() {
        PartitionKeys k = PartitionKeys.of(parts -> "dsync:c:" + String.join(":", parts), "orders", 3);
        assertThat(List.of(k.meta(), k.stream(), k.attempts(), k.dedup(), k.dedupTimes()))
                .allSatisfy(key -> assertThat(key).contains("{orders/3}"));
    }

    @Test
    void addsAreStoredInOrderAndARetriedCallAnswersTheFirstIds() {
        PartitionKeys k = keys("add");
        long epoch = store.claim(k, "n1", 0).toCompletableFuture().join();
        List<byte[]> first = apply(k, epoch, new Batch().add("call-1", List.<byte[][]>of(message("a", "one"), message(null, "two"))));
        String[] ids = s(first.get(0)).split(",");
        assertThat(ids).hasSize(2);
        List<byte[]> again = apply(k, epoch, new Batch().add("call-1", List.<byte[][]>of(message("a", "one"), message(null, "two"))));
        assertThat(s(again.get(0))).as("a call seen before: '=' and the first ids").isEqualTo("=" + s(first.get(0)));
        assertThat(store.load(k).entries()).containsExactly(new StoredEntry(ids[0], "a", 0, 0), new StoredEntry(ids[1], null, 0, 0));
        assertThat(store.load(k).lastId()).isEqualTo(ids[1]);
        apply(k, epoch, new Batch().delete("ack", ids[1]));
        assertThat(store.load(k).lastId()).as("the last id the stream gave, deleted since").isEqualTo(ids[1]);
        assertThat(store.load(keys("never")).lastId()).isNull();
    }

    @Test
    void takeRecordsTheAttemptAndAnswersTheMessage() {
        PartitionKeys k = keys("take");
        long epoch = store.claim(k, "n1", 0).toCompletableFuture().join();
        String id = s(apply(k, epoch, new Batch().add("c", List.<byte[][]>of(message("k", "payload")))).get(0));
        List<byte[]> got = apply(k, epoch, new Batch().take(id, 1, 12345).take("1-0", 1, 1));
        assertThat(got).hasSize(8);
        assertThat(s(got.get(0))).isEqualTo("1");
        assertThat(s(got.get(1))).isEqualTo("k");
        assertThat(s(got.get(2))).isEqualTo("payload");
        assertThat(s(got.get(4))).as("an entry that is not in the stream").isEqualTo("0");
        assertThat(store.load(k).entries()).containsExactly(new StoredEntry(id, "k", 1, 12345));
        apply(k, epoch, new Batch().attempts(id, 0, 0));
        assertThat(store.load(k).entries()).containsExactly(new StoredEntry(id, "k", 0, 0));
    }

    @Test
    void deleteRemovesTheEntryAndItsRecordAndRemembersTheCall() {
        PartitionKeys k = keys("del");
        long epoch = store.claim(k, "n1", 0).toCompletableFuture().join();
        String id = s(apply(k, epoch, new Batch().add("c", List.<byte[][]>of(message(null, "x")))).get(0));
        apply(k, epoch, new Batch().take(id, 1, 99));
        List<byte[]> deleted = apply(k, epoch, new Batch().delete("ack-1", id).delete("ack-2", id).seen("ack-1").seen("ack-3"));
        assertThat(deleted).extracting(PartitionStoreTest::s).containsExactly("1", "0", "1", "0");
        assertThat(store.load(k).entries()).isEmpty();
        assertThat(client.getMap(k.attempts()).isExists()).isFalse();
    }

    @Test
    void callRecordsStayBoundedWhenEachBatchRecordsMoreCallsThanTheCleanupUsedToRemove() {
        // Acks batched by an owner under load: 300 call ids per script, each batch 10 minutes after the one before, so
        // that every earlier record has expired by the next script (which once removed 100 of them at most).
        PartitionKeys k = keys("dedup-bound");
        long epoch = store.claim(k, "n1", 0).toCompletableFuture().join();
        long now = System.currentTimeMillis();
        for (int round = 0; round < 5; round++) {
            Batch batch = new Batch();
            for (int i = 0; i < 300; i++) {
                batch.delete("ack-" + round + "-" + i, "1-" + i);
            }
            store.apply(k, epoch, now + round * (PartitionStore.DEDUP_MILLIS + 1), batch).toCompletableFuture().join();
        }
        assertThat(client.getMap(k.dedup()).size()).as("only the last batch's calls are remembered").isEqualTo(300);
        assertThat(client.getScoredSortedSet(k.dedupTimes()).size()).isEqualTo(300);
    }

    @Test
    void aClaimFencesTheEarlierOwnerAndChangesNothingForIt() {
        PartitionKeys k = keys("fence");
        long first = store.claim(k, "n1", 0).toCompletableFuture().join();
        long second = store.claim(k, "n2", 0).toCompletableFuture().join();
        assertThat(second).isGreaterThan(first);
        assertThatThrownBy(() -> apply(k, first, new Batch().add("late", List.<byte[][]>of(message(null, "x")))))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(Fenced.class);
        assertThat(store.load(k).entries()).as("the fenced batch wrote nothing").isEmpty();
        assertThat(apply(k, second, new Batch().add("now", List.<byte[][]>of(message(null, "y"))))).hasSize(1);
    }

    @Test
    void epochsAreAtLeastRedisClockAndGrowWithinOneMillisecond() {
        PartitionKeys k = keys("clock");
        long before = redisMillis();
        long[] epochs = new long[20];
        for (int i = 0; i < epochs.length; i++) {
            epochs[i] = store.claim(k, "n" + i, 0).toCompletableFuture().join();
        }
        assertThat(epochs[0]).isGreaterThanOrEqualTo(before);
        for (int i = 1; i < epochs.length; i++) {
            assertThat(epochs[i]).as("claim %d", i).isGreaterThan(epochs[i - 1]);
        }
        assertThat(epochs[epochs.length - 1]).isLessThanOrEqualTo(redisMillis() + epochs.length);
        assertThat(client.<String, String>getMap(k.meta(), org.redisson.client.codec.StringCodec.INSTANCE).get("epoch"))
                .as("stored as the integer the writers compare with").isEqualTo(Long.toString(epochs[epochs.length - 1]));
    }

    /**
     * Redis restarted from an AOF that lacks its last second (appendfsync everysec and a machine crash), or a failover
     * to a replica that lacked the newest writes: the partition's epoch is back where it was before n1's claim, which
     * n1 still holds. The next claim, made after Redis came back, must not grant n1's epoch to another node, or both
     * would pass the fence.
     */
    @Test
    void anEpochLostByRedisIsNotGrantedAgain() {
        PartitionKeys k = keys("rollback");
        long n0 = store.claim(k, "n0", 0).toCompletableFuture().join();
        long n1 = store.claim(k, "n1", 0).toCompletableFuture().join();
        client.<String, String>getMap(k.meta(), org.redisson.client.codec.StringCodec.INSTANCE).put("epoch", Long.toString(n0));
        // Redis takes longer than a millisecond to come back: its clock has moved past the lost claim.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> redisMillis() > n1);

        long n2 = store.claim(k, "n2", 0).toCompletableFuture().join();
        assertThat(n2).as("n2's epoch after the rollback, n1's before it").isGreaterThan(n1);
        assertThatThrownBy(() -> apply(k, n1, new Batch().add("n1-late", List.<byte[][]>of(message(null, "x")))))
                .as("n1, holding the lost epoch, is fenced").isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(Fenced.class);
        assertThat(apply(k, n2, new Batch().add("n2", List.<byte[][]>of(message(null, "y"))))).hasSize(1);
        assertThat(store.load(k).entries()).hasSize(1);
    }

    private static long redisMillis() {
        List<Object> time = client.getScript(org.redisson.client.codec.StringCodec.INSTANCE).eval(
                org.redisson.api.RScript.Mode.READ_ONLY, "return redis.call('TIME')", org.redisson.api.RScript.ReturnType.LIST);
        return Long.parseLong(time.get(0).toString()) * 1000 + Long.parseLong(time.get(1).toString()) / 1000;
    }

    @Test
    void withReplicaAcksABatchCompletesOnlyOnceAReplicaHasIt() throws Exception {
        PartitionKeys k = keys("wait");
        PartitionStore waiting = new PartitionStore(client, 1, java.time.Duration.ofMillis(300));
        long epoch = waiting.claim(k, "n1", 0).toCompletableFuture().join();
        assertThatThrownBy(() -> waiting.apply(k, epoch, 1, new Batch().add("c", List.<byte[][]>of(message(null, "x"))))
                .toCompletableFuture().join()).as("no replica: the batch cannot be confirmed")
                .isInstanceOf(CompletionException.class);
        try (LocalRedis replica = LocalRedis.start()) {
            command(replica.port(), "REPLICAOF", "127.0.0.1", Integer.toString(redis.port()));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(waiting.apply(k, epoch, 2, new Batch().add("c2", List.<byte[][]>of(message(null, "y"))))
                            .toCompletableFuture().join()).hasSize(1));
            command(replica.port(), "REPLICAOF", "NO", "ONE");
        }
    }

    /** Sends one command over a plain socket (REPLICAOF cannot run in a script) and reads the one-line answer. */
    static String command(int port, String... words) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            StringBuilder resp = new StringBuilder("*" + words.length + "\r\n");
            for (String w : words) {
                resp.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
            }
            socket.getOutputStream().write(resp.toString().getBytes(StandardCharsets.US_ASCII));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        }
    }

    @Test
    void loadPagesThroughLongStreams() {
        PartitionKeys k = keys("pages");
        long epoch = store.claim(k, "n1", 0).toCompletableFuture().join();
        for (int batch = 0; batch < 3; batch++) {
            List<byte[][]> messages = new java.util.ArrayList<>();
            for (int i = 0; i < 900; i++) {
                messages.add(message("key-" + (i % 7), "m" + i));
            }
            apply(k, epoch, new Batch().add("b" + batch, messages));
        }
        List<StoredEntry> entries = store.load(k).entries();
        assertThat(entries).hasSize(2700);
        assertThat(entries).extracting(StoredEntry::id).doesNotHaveDuplicates();
    }
}
