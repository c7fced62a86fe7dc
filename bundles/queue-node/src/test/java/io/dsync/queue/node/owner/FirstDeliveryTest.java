package io.dsync.queue.node.owner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;

import io.dsync.queue.MessageId;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.core.EntryId;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.store.PartitionStore.StoredEntry;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OutMessage;

/**
 * A send to a partition that a poll waits on stores its messages together with their first delivery to that poll, in
 * one write: the delivery record is in Redis with the message, a new owner would load it as delivered, and a message
 * whose key has an older message still there is stored without one.
 */
class FirstDeliveryTest {

    private static final PartitionStore STORE = new PartitionStore(TestRedis.client());
    private static final QueueMeta META = QueueMeta.of(QueueConfig.of("q"), 1);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final QueueNode node = new QueueNode(timer);
    private PartitionKeys keys;
    private PartitionOwner owner;

    @AfterEach
    void stop() {
        node.close();
        timer.shutdownNow();
    }

    private void own(String test) {
        keys = PartitionKeys.of(parts -> "dsync:first-" + test + ":" + String.join(":", parts), "q", 0);
        long epoch = STORE.claim(keys, "n1", 0).toCompletableFuture().join();
        owner = new PartitionOwner(META, 0, keys, epoch, STORE.load(keys), STORE, System::currentTimeMillis, timer,
                (queue, call, key, payload, headers) -> CompletableFuture.completedFuture(null), node, node.bodies());
        node.add(owner);
    }

    private CompletionStage<List<String>> send(String call, String key) {
        return owner.send(call, List.of(new OutMessage(key, call.getBytes(StandardCharsets.UTF_8), Map.of("h", "v"))));
    }

    private CompletableFuture<List<InDelivery>> poll(long waitMs) {
        return node.poll("q", null, 10, waitMs).toCompletableFuture();
    }

    /** Lua scripts Redis ran so far. */
    private static long scripts() {
        Map<String, String> stats = TestRedis.client().getRedisNodes(RedisNodes.SINGLE).getInstance()
                .info(RedisNode.InfoSection.COMMANDSTATS);
        long calls = 0;
        for (String command : List.of("cmdstat_eval", "cmdstat_evalsha")) {
            String s = stats.get(command);
            if (s != null) {
                calls += Long.parseLong(s.substring(s.indexOf("calls=") + 6, s.indexOf(',')));
            }
        }
        return calls;
    }

    private StoredEntry stored(String messageId) {
        String entry = MessageIds.parse(new MessageId(messageId), 1).entry();
        return STORE.load(keys).entries().stream().filter(e -> e.id().equals(entry)).findFirst().orElseThrow();
    }

    @Test
    void aSendThatAPollWaitsForIsStoredWithItsDeliveryInOneWrite() {
        own("one-write");
        CompletableFuture<List<InDelivery>> poll = poll(10_000);
        assertThat(poll).isNotDone();
        long before = scripts();
        String id = join(send("c1", "k")).get(0);
        List<InDelivery> got = join(poll);
        assertThat(scripts() - before).as("Lua scripts for the send and the delivery").isEqualTo(1);
        assertThat(got).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(id);
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.key()).isEqualTo("k");
            assertThat(new String(d.payload(), StandardCharsets.UTF_8)).isEqualTo("c1");
            assertThat(d.headers()).containsEntry("h", "v");
            assertThat(stored(id)).as("the delivery record, stored with the message")
                    .isEqualTo(new StoredEntry(stored(id).id(), "k", 1, d.visibleUntilMs()));
        });
        assertThat(owner.stats().inFlight()).isEqualTo(1);
        join(owner.settle("ack-1", EntryId.parse(MessageIds.parse(new MessageId(id), 1).entry()), 1, Action.ACK, 0));
        assertThat(owner.stats().size()).isZero();
    }

    @Test
    void aMessageWhoseKeyHasAnOlderOneOutIsStoredWithoutADeliveryAndComesAfterIt() {
        own("key-taken");
        String first = join(send("c1", "k")).get(0);
        assertThat(join(poll(0))).extracting(InDelivery::id).containsExactly(first);
        CompletableFuture<List<InDelivery>> waiting = poll(300);
        String second = join(send("c2", "k")).get(0);
        assertThat(join(waiting)).as("the second of key k while the first is out").isEmpty();
        assertThat(stored(second).attempts()).isZero();
        join(owner.settle("ack-1", EntryId.parse(MessageIds.parse(new MessageId(first), 1).entry()), 1, Action.ACK, 0));
        assertThat(join(poll(1_000))).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo(second);
            assertThat(d.attempt()).isEqualTo(1);
        });
    }

    @Test
    void aMessageWhoseKeyAnEarlierSendOfTheSameWriteStoresGetsNoDelivery() {
        own("same-write");
        // a is in Redis while b (key k, no poll to take it) and c (key k, for the second poll) wait for the next
        // write together: c's key is free in the state when the write is composed, but b comes first in it. A record
        // written for c would count as a delivery at the next owner if this one stopped before deleting it.
        CompletableFuture<List<InDelivery>> poll1 = poll(5_000);
        // Redis frozen meanwhile, so that b and c wait for a's write whatever the timing
        signal("STOP");
        CompletableFuture<List<String>> a;
        CompletableFuture<List<String>> b;
        CompletableFuture<List<InDelivery>> poll2;
        CompletableFuture<List<String>> c;
        try {
            a = send("a", null).toCompletableFuture();
            b = send("b", "k").toCompletableFuture();
            poll2 = poll(5_000);
            c = send("c", "k").toCompletableFuture();
        } finally {
            signal("CONT");
        }
        assertThat(join(poll1)).extracting(InDelivery::id).containsExactly(join(a).get(0));
        assertThat(join(poll2)).as("the older message of key k").extracting(InDelivery::id)
                .containsExactly(join(b).get(0));
        join(send("after", null));
        assertThat(stored(join(c).get(0)).attempts()).as("c was never delivered").isZero();
        assertThat(owner.recordsUndone()).as("no record written for c, none to delete").isZero();
        assertThat(owner.stats().blocked()).isEqualTo(1);
    }

    @Test
    void anAckWakesAPollWaitingForTheNextMessageOfItsKey() {
        own("ack-wakes");
        String first = join(send("c1", "k")).get(0);
        String second = join(send("c2", "k")).get(0);
        assertThat(join(poll(0))).extracting(InDelivery::id).containsExactly(first);
        CompletableFuture<List<InDelivery>> waiting = poll(60_000);
        assertThat(waiting).isNotDone();
        join(owner.settle("ack-1", EntryId.parse(MessageIds.parse(new MessageId(first), 1).entry()), 1, Action.ACK, 0));
        // Without a wake the poll would wait its minute (the first delivery's deadline is later still).
        assertThat(waiting).succeedsWithin(java.time.Duration.ofSeconds(20)).satisfies(got ->
                assertThat(got).extracting(InDelivery::id).containsExactly(second));
    }

    @Test
    void aSendThatFindsItsKeyOutIsStoredWithoutADeliveryEvenIfTheKeyIsAckedBeforeItsWrite() {
        own("acked-before-write");
        String first = join(send("c1", "k")).get(0);
        assertThat(join(poll(0))).extracting(InDelivery::id).containsExactly(first);
        long before = scripts();
        CompletableFuture<List<String>> filler;
        CompletableFuture<List<InDelivery>> waiting;
        CompletableFuture<List<String>> second;
        // Redis frozen: a filler's write is in Redis, so the send (k's first message still out) and then the ack of
        // that message wait for the next write together. When that write is composed k is free in the state, but it
        // was not when the send came: under load (more than MAX_BATCH_OPS writes waiting) the ack's delete can go to
        // Redis a write later than the send, and a delivery stored with the send would then be in Redis beside its
        // key's older message, which a new owner would load as two deliveries of one key.
        signal("STOP");
        try {
            filler = owner.send("filler", List.of(new OutMessage(null, new byte[1], Map.of()))).toCompletableFuture();
            waiting = poll(10_000);
            second = send("c2", "k").toCompletableFuture();
            owner.settle("ack-1", EntryId.parse(MessageIds.parse(new MessageId(first), 1).entry()), 1, Action.ACK, 0);
        } finally {
            signal("CONT");
        }
        String id = join(second).get(0);
        // The send's write gave the poll nothing; it then took both messages in a write of its own.
        assertThat(join(waiting)).extracting(InDelivery::id).containsExactly(join(filler).get(0), id);
        assertThat(scripts() - before).as("the filler's write, the send's with the ack's delete, the take")
                .isEqualTo(3);
        assertThat(stored(id).attempts()).isEqualTo(1);
    }

    private static void signal(String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(TestRedis.server().pid())).start().waitFor();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }
}
