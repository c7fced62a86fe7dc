package io.dsync.queue.node.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.owner.OwnershipTest.Node;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.PartitionClaims;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueDeletion;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.registry.NodeInfo;

/**
 * Deleting a queue against a real Redis, with the ownership passes of simulated queue nodes: owners are fenced at
 * once, nothing is claimed for the deleted queue afterwards (not even by a node whose catalog predates the deletion),
 * a queue declared again starts empty, and a deletion cut short is finished by the next before the name is free.
 */
class QueueDeletionTest {

    static final RedissonClient client = TestRedis.client();

    static Function<String[], String> keys(String test) {
        return parts -> "dsync:" + test + ":" + String.join(":", parts);
    }

    static QueueCatalog catalog(String test) {
        return new QueueCatalog(client, "dsync:" + test + ":queues");
    }

    static List<String> send(PartitionOwner owner, String call) {
        return owner.send(call, List.of(new OutMessage("k", "m".getBytes(StandardCharsets.UTF_8), Map.of())))
                .toCompletableFuture().join();
    }

    static long streamLength(String test, String queue, int partition) {
        return client.getStream(PartitionKeys.of(keys(test), queue, partition).stream(), StringCodec.INSTANCE).size();
    }

    @Test
    void aDeletedQueueFencesItsOwnersDropsItsMessagesAndIsNeverClaimedAgain() {
        String test = "delete";
        QueueMeta meta = catalog(test).declare(QueueConfig.of("q"), 4).toCompletableFuture().join();
        assertThat(meta.incarnation()).as("stamped by the catalog").isPositive();
        List<NodeInfo> registry = List.of(OwnershipTest.info("a"), OwnershipTest.info("b"));
        List<Node> nodes = List.of(new Node(test, "a", registry, new AtomicLong(), 0),
                new Node(test, "b", registry, new AtomicLong(), 0));
        OwnershipTest.pass(nodes);
        PartitionOwner owner = nodes.stream().flatMap(n -> n.node.all().stream()).findFirst().orElseThrow();
        send(owner, "one");
        send(owner, "two");

        QueueDeletion.Deleted d = new QueueDeletion(client, catalog(test), keys(test)).delete("q")
                .toCompletableFuture().join();
        assertThat(d).isEqualTo(new QueueDeletion.Deleted("q", 4, 2, false));

        assertThat(owner.send("late", List.of(new OutMessage(null, new byte[1], Map.of()))).toCompletableFuture()
                .handle((v, e) -> e)).as("the owner's next write is fenced").succeedsWithin(Duration.ofSeconds(5))
                .isNotNull();
        // A node whose catalog was read before the deletion tries to claim: refused.
        PartitionKeys k = PartitionKeys.of(keys(test), "q", owner.partition());
        assertThat(new PartitionStore(client).claim(k, "stale", meta.incarnation()).toCompletableFuture().join())
                .isEqualTo(PartitionClaims.REFUSED);
        OwnershipTest.pass(nodes);
        assertThat(nodes).allSatisfy(n -> assertThat(n.owned("q")).isZero());
        assertThat(streamLength(test, "q", owner.partition())).isZero();
        assertThat(catalog(test).find("q").toCompletableFuture().join()).isEmpty();
        assertThat(catalog(test).list()).isEmpty();
        assertThatThrownBy(() -> new QueueDeletion(client, catalog(test), keys(test)).delete("q").toCompletableFuture()
                .join()).isInstanceOf(CompletionException.class).hasCauseInstanceOf(QueueNotFoundException.class);

        // Declared again: a new, empty queue, owned as any other.
        QueueMeta again = catalog(test).declare(QueueConfig.of("q"), 4).toCompletableFuture().join();
        assertThat(again.incarnation()).isGreaterThan(meta.incarnation());
        OwnershipTest.pass(nodes);
        assertThat(nodes.stream().mapToInt(n -> n.owned("q")).sum()).isEqualTo(4);
        assertThat(nodes.stream().flatMap(n -> n.node.all().stream()).mapToInt(o -> o.stats().size()).sum()).isZero();
        nodes.forEach(n -> n.node.close());
    }

    @Test
    void aDeadLetterQueueStaysWhileAQueueSendsItsDeadLettersToIt() {
        String test = "in-use";
        QueueCatalog catalog = catalog(test);
        catalog.declare(QueueConfig.of("dlq"), 2).toCompletableFuture().join();
        catalog.declare(QueueConfig.of("a").withDeadLetterQueue("dlq"), 2).toCompletableFuture().join();
        catalog.declare(QueueConfig.of("b").withDeadLetterQueue("dlq"), 2).toCompletableFuture().join();
        QueueDeletion deletion = new QueueDeletion(client, catalog, keys(test));
        assertThatThrownBy(() -> deletion.delete("dlq").toCompletableFuture().join()).cause()
                .isInstanceOf(QueueDeletion.InUseException.class)
                .hasMessage("queue 'dlq' is the dead-letter queue of 'a', 'b': delete those queues first");
        assertThat(catalog.list()).extracting(QueueMeta::name).containsExactly("a", "b", "dlq");
        deletion.delete("a").toCompletableFuture().join();
        deletion.delete("b").toCompletableFuture().join();
        assertThat(deletion.delete("dlq").toCompletableFuture().join().partitions()).isEqualTo(2);
        assertThat(catalog.list()).isEmpty();
    }

    static void store(PartitionStore store, PartitionKeys k, long epoch, String call, String payload) {
        store.apply(k, epoch, System.currentTimeMillis(), new PartitionStore.Batch().add(call, List.<byte[][]>of(
                new byte[][] {new byte[0], payload.getBytes(StandardCharsets.UTF_8), new byte[0]})))
                .toCompletableFuture().join();
    }

    @Test
    void aDeletionCutShortIsFinishedByTheNextAndTheNameWaitsForIt() {
        String test = "resume";
        QueueCatalog catalog = catalog(test);
        QueueMeta old = catalog.declare(QueueConfig.of("q"), 2).toCompletableFuture().join();
        PartitionStore store = new PartitionStore(client);
        PartitionKeys p0 = PartitionKeys.of(keys(test), "q", 0);
        store(store, p0, store.claim(p0, "a", old.incarnation()).toCompletableFuture().join(), "c", "old");
        // As if step 1 ran and Redis failed before the partitions: the entry waits under ~deleting/.
        RMap<String, String> raw = client.getMap("dsync:" + test + ":queues", StringCodec.INSTANCE);
        raw.put("~deleting/q", "{\"deleting\":" + raw.remove("q") + "}");
        assertThat(catalog.list()).as("a deletion under way is no queue").isEmpty();

        assertThatThrownBy(() -> catalog.declare(QueueConfig.of("q"), 2).toCompletableFuture().join()).cause()
                .isInstanceOf(QueueCatalog.DeletionUnfinishedException.class)
                .hasMessageContaining("dsync queue delete q");
        QueueDeletion.Deleted resumed = new QueueDeletion(client, catalog, keys(test)).delete("q")
                .toCompletableFuture().join();
        assertThat(resumed).isEqualTo(new QueueDeletion.Deleted("q", 2, 1, true));
        assertThat(raw.keySet()).isEmpty();

        QueueMeta fresh = catalog.declare(QueueConfig.of("q"), 2).toCompletableFuture().join();
        assertThat(store.claim(p0, "b", fresh.incarnation()).toCompletableFuture().join())
                .isNotEqualTo(PartitionClaims.REFUSED);
        assertThat(store.load(p0).entries()).as("the new queue starts empty").isEmpty();
    }

    @Test
    void aClaimKeepsTheMessagesOfAPartitionWithNoIncarnationRecorded() {
        // Claimed and written so far only by nodes of a version without incarnations (a rolling upgrade): the
        // messages may be the claimed incarnation's own, and are kept.
        PartitionStore store = new PartitionStore(client);
        PartitionKeys k = PartitionKeys.of(keys("legacy"), "q", 0);
        store(store, k, store.claim(k, "old-node", 0).toCompletableFuture().join(), "c", "kept");
        assertThat(store.claim(k, "new-node", 1_000).toCompletableFuture().join()).isNotEqualTo(PartitionClaims.REFUSED);
        assertThat(store.load(k).entries()).hasSize(1);
        assertThat(store.claim(k, "outdated", 999).toCompletableFuture().join()).as("an older incarnation than recorded")
                .isEqualTo(PartitionClaims.REFUSED);
        // Recorded now: a newer incarnation drops what an older one left (written after a retirement by an old node).
        store(store, k, store.claim(k, "new-node", 1_000).toCompletableFuture().join(), "d", "of 1000");
        assertThat(store.claim(k, "newer", 2_000).toCompletableFuture().join()).isNotEqualTo(PartitionClaims.REFUSED);
        assertThat(store.load(k).entries()).isEmpty();
    }

    @Test
    void anotherNodesCatalogForgetsADeletedQueueWithinItsRevalidation() {
        String test = "revalidate";
        QueueCatalog here = catalog(test);
        QueueCatalog there = catalog(test);
        here.declare(QueueConfig.of("q"), 2).toCompletableFuture().join();
        assertThat(there.find("q").toCompletableFuture().join()).isPresent();
        new QueueDeletion(client, here, keys(test)).delete("q").toCompletableFuture().join();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> there.find("q").toCompletableFuture().join().isEmpty());
    }
}
