package io.dsync.queue.node.owner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.dsync.queue.QueueConfig;
import io.dsync.queue.core.EntryId;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OutMessage;

/** A partition owner over a real Redis, with a clock the test moves: the write pipeline, redelivery, fencing, reload. */
class PartitionOwnerTest {

    static final PartitionStore store = new PartitionStore(TestRedis.client());
    static ScheduledExecutorService timer;

    final AtomicLong clock = new AtomicLong(1_000_000);
    final List<String> lost = new ArrayList<>();
    final List<String> deadLettered = new ArrayList<>();
    final BodyBudget budget = new BodyBudget(BodyBudget.NODE_DEFAULT);

    @BeforeAll
    static void start() {
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() {
        timer.shutdownNow();
    }

    static final QueueMeta META = QueueMeta.of(QueueConfig.of("q").withMaxDeliveries(2).withDeadLetterQueue("dlq"), 4);

    PartitionOwner owner(String test, String node) {
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:owner-" + test + ":" + String.join(":", parts), "q", 1);
        long epoch = store.claim(keys, node, 0).toCompletableFuture().join();
        PartitionOwner o = new PartitionOwner(META, 1, keys, epoch, store.load(keys), store, clock::get, timer,
                (queue, call, key, payload, headers) -> {
                    synchronized (deadLettered) {
                        deadLettered.add(queue + ":" + new String(payload, StandardCharsets.UTF_8) + ":"
                                + headers.get("dsync-dead-letter-reason"));
                    }
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                },
                new PartitionOwner.Listener() {
                    @Override
                    public void ready(PartitionOwner owner) {
                    }

                    @Override
                    public void lost(PartitionOwner owner, Throwable cause) {
                        synchronized (lost) {
                            lost.add(cause.getClass().getSimpleName());
                        }
                    }
                }, budget);
        o.start();
        return o;
    }

    static OutMessage msg(String key, String payload) {
        return new OutMessage(key, payload.getBytes(StandardCharsets.UTF_8), Map.of("h", "v"));
    }

    static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    static String text(InDelivery d) {
        return new String(d.payload(), StandardCharsets.UTF_8);
    }

    static EntryId entry(InDelivery d) {
        return EntryId.parse(MessageIds.parse(new io.dsync.queue.MessageId(d.id()), 4).entry());
    }

    @Test
    void sendTakeAckWithKeyOrderAndDedup() {
        PartitionOwner o = owner("flow", "n1");
        List<String> ids = join(o.send("c1", List.of(msg("k", "a"), msg("k", "b"), msg(null, "c"))));
        assertThat(join(o.send("c1", List.of(msg("k", "a"), msg("k", "b"), msg(null, "c"))))).as("a retried call")
                .isEqualTo(ids);
        List<InDelivery> first = join(o.take(10));
        assertThat(first).extracting(PartitionOwnerTest::text).containsExactly("a", "c");
        assertThat(first.get(0).headers()).containsEntry("h", "v");
        assertThat(first.get(0).attempt()).isEqualTo(1);
        assertThat(join(o.take(10))).as("b waits for a").isEmpty();
        join(o.settle("ack-1", entry(first.get(0)), 1, Action.ACK, 0));
        join(o.settle("ack-1", entry(first.get(0)), 1, Action.ACK, 0));
        assertThat(join(o.take(10))).extracting(PartitionOwnerTest::text).containsExactly("b");
        assertThatThrownBy(() -> join(o.settle("ack-2", entry(first.get(0)), 1, Action.ACK, 0)))
                .hasCauseInstanceOf(OwnerException.class).hasMessageContaining("acknowledged or dead-lettered");
    }

    @Test
    void anExpiredDeliveryComesBackAndIsDeadLetteredAfterMaxDeliveries() {
        PartitionOwner o = owner("expiry", "n1");
        join(o.send("c1", List.of(msg("k", "poison"))));
        InDelivery d1 = join(o.take(1)).get(0);
        clock.addAndGet(META.visibilityTimeoutMs() + 1);
        InDelivery d2 = join(o.take(1)).get(0);
        assertThat(d2.attempt()).isEqualTo(2);
        assertThatThrownBy(() -> join(o.settle("late", entry(d1), 1, Action.ACK, 0))).hasCauseInstanceOf(OwnerException.class);
        clock.addAndGet(META.visibilityTimeoutMs() + 1);
        o.tick();
        await().atMost(Duration.ofSeconds(5)).until(() -> o.stats().size() == 0);
        assertThat(deadLettered).containsExactly("dlq:poison:not acknowledged after 2 deliveries");
    }

    @Test
    void anAckThatFreesAMessageWithItsDeliveriesUsedUpDeadLettersItWithoutWaitingForADeadline() throws Exception {
        // Loaded by a new owner: a of key k out, b of key k behind it already delivered maxDeliveries times (its
        // record written by an earlier owner). Acking a makes b due at once, and no other deadline is pending.
        PartitionOwner first = owner("ack-frees-due", "n1");
        List<String> ids = join(first.send("c1", List.of(msg("k", "a"), msg("k", "b"))));
        InDelivery a = join(first.take(1)).get(0);
        String b = MessageIds.parse(new io.dsync.queue.MessageId(ids.get(1)), 4).entry();
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:owner-ack-frees-due:" + String.join(":", parts), "q", 1);
        join(store.apply(keys, first.epoch(), clock.get(), new PartitionStore.Batch().attempts(b, 2, 0)));
        first.close();
        PartitionOwner next = owner("ack-frees-due", "n2");
        // Its first tick (at start) has passed: b was not due then, and the next deadline is a's, 30 s away.
        timer.schedule(() -> null, 0, java.util.concurrent.TimeUnit.MILLISECONDS).get();
        join(next.settle("ack-a", entry(a), 1, Action.ACK, 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> next.stats().size() == 0);
        assertThat(deadLettered).containsExactly("dlq:b:not acknowledged after 2 deliveries");
    }

    @Test
    void aNewOwnerFencesTheOldOneAndReloadsEveryUnsettledMessage() {
        PartitionOwner old = owner("fence", "n1");
        join(old.send("c1", List.of(msg("k", "a"), msg(null, "b"))));
        InDelivery a = join(old.take(1)).get(0);
        PartitionOwner successor = owner("fence", "n2");
        // Fenced: whether the write took effect is unknown to the old owner (a script that Redisson sent again may
        // have run before the claim), so its callers are not told "not the owner" (which means "not applied").
        assertThatThrownBy(() -> join(old.send("c2", List.of(msg(null, "late")))))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(OwnerException.class)
                .satisfies(e -> assertThat(((OwnerException) e.getCause()).kind()).isEqualTo(OwnerException.Kind.UNAVAILABLE))
                .hasMessageContaining("was taken over by another node while a write of it was in flight; the outcome "
                        + "is unknown");
        // The owner fails its callers first and then reports the loss: wait for the report.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            synchronized (lost) {
                assertThat(lost).containsExactly("Fenced");
            }
        });
        assertThat(old.isClosed()).isTrue();
        assertThat(budget.used()).as("the fenced owner gave its bodies' memory back").isZero();
        // The successor knows the delivery of a (attempt 1, still invisible): its consumer can still ack it.
        assertThat(successor.stats().size()).isEqualTo(2);
        assertThat(successor.stats().inFlight()).isEqualTo(1);
        assertThat(join(successor.take(10))).extracting(PartitionOwnerTest::text).containsExactly("b");
        join(successor.settle("ack", entry(a), 1, Action.ACK, 0));
        assertThat(successor.stats().size()).isEqualTo(1);
    }

    @Test
    void bodiesBeyondWhatTheOwnerKeepsInMemoryAreReadFromRedis() {
        PartitionOwner o = owner("bodies", "n1");
        int size = (int) (StoredBodies.MAX_BYTES / 2);
        List<OutMessage> big = new ArrayList<>();
        for (String c : List.of("x", "y", "z")) {
            big.add(new OutMessage(null, c.repeat(size).getBytes(StandardCharsets.UTF_8), Map.of("h", c)));
        }
        join(o.send("c1", big));
        // x and y fill the owner's memory for bodies; z is read back from the stream.
        assertThat(budget.used()).isEqualTo(2L * size);
        List<InDelivery> got = join(o.take(10));
        assertThat(got).extracting(d -> text(d).charAt(0) + ":" + text(d).length() + ":" + d.headers().get("h"))
                .containsExactly("x:" + size + ":x", "y:" + size + ":y", "z:" + size + ":z");
        clock.addAndGet(META.visibilityTimeoutMs() + 1);
        List<InDelivery> again = join(o.take(10));
        assertThat(again).as("redelivered, from memory and from Redis alike")
                .extracting(d -> text(d).charAt(0) + ":" + d.attempt()).containsExactly("x:2", "y:2", "z:2");
        join(o.settle("ack-x", entry(again.get(0)), 2, Action.ACK, 0));
        assertThat(budget.used()).as("an ack gives its body's memory back").isEqualTo(size);
        o.close();
        assertThat(budget.used()).as("so does the end of the ownership").isZero();
    }

    @Test
    void aFullNodeBudgetLeavesBodiesInRedis() {
        BodyBudget none = new BodyBudget(0);
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:owner-budget:" + String.join(":", parts), "q", 1);
        PartitionOwner o = new PartitionOwner(META, 1, keys, join(store.claim(keys, "n1", 0)), store.load(keys), store,
                clock::get, timer, (queue, call, key, payload, headers) -> null, new PartitionOwner.Listener() {
                    @Override
                    public void ready(PartitionOwner owner) {
                    }

                    @Override
                    public void lost(PartitionOwner owner, Throwable cause) {
                    }
                }, none);
        join(o.send("c1", List.of(msg(null, "a"), msg(null, "b"))));
        assertThat(none.used()).isZero();
        assertThat(join(o.take(10))).extracting(d -> text(d) + ":" + d.headers().get("h")).containsExactly("a:v", "b:v");
    }

    @Test
    void releaseGivesADeliveryBackWithoutCountingIt() {
        PartitionOwner o = owner("release", "n1");
        join(o.send("c1", List.of(msg(null, "x"))));
        InDelivery d = join(o.take(1)).get(0);
        join(o.settle(null, entry(d), 1, Action.RELEASE, 0));
        InDelivery again = join(o.take(1)).get(0);
        assertThat(again.attempt()).isEqualTo(1);
        join(o.settle(null, entry(again), 1, Action.REQUEUE, 5_000));
        assertThat(join(o.take(1))).as("requeued with a delay").isEmpty();
        clock.addAndGet(5_001);
        assertThat(join(o.take(1))).extracting(InDelivery::attempt).containsExactly(2);
    }

    @Test
    void aDrainingOwnerDeliversNothingMoreButFinishesTheWritesItAccepted() {
        PartitionOwner o = owner("drain", "n1");
        join(o.send("c1", List.of(msg(null, "a"), msg(null, "b"))));
        InDelivery a = join(o.take(1)).get(0);
        java.util.concurrent.CompletableFuture<Void> drained = o.drain().toCompletableFuture();
        assertThat(o.hasReady()).as("nothing is ready on a draining owner").isFalse();
        assertThat(join(o.take(10))).as("a draining owner delivers nothing").isEmpty();
        // A request being handled still gets its answer, and so does the ack of a delivery.
        List<String> late = join(o.send("c2", List.of(msg(null, "c"))));
        join(o.settle("ack-a", entry(a), 1, Action.ACK, 0));
        assertThat(drained).succeedsWithin(Duration.ofSeconds(5));
        o.close();
        assertThatThrownBy(() -> join(o.send("c3", List.of(msg(null, "d"))))).hasCauseInstanceOf(OwnerException.class);
        // The next owner finds what the drain wrote: b and c, not a.
        PartitionOwner next = owner("drain", "n2");
        assertThat(next.stats().size()).isEqualTo(2);
        assertThat(join(next.take(10))).extracting(PartitionOwnerTest::text).containsExactly("b", "c");
        assertThat(late).hasSize(1);
    }
    @Test
    void aSendRetriedAfterItsMessageWasAckedAndThePartitionMovedStoresNothingAgain() {
        PartitionOwner first = owner("retry-moved", "n1");
        List<String> ids = join(first.send("c1", List.of(msg(null, "once"))));
        InDelivery d = join(first.take(1)).get(0);
        join(first.settle("ack", entry(d), 1, Action.ACK, 0));
        // The partition moves; the producer, whose answer was lost, sends the call again to the new owner.
        PartitionOwner next = owner("retry-moved", "n2");
        assertThat(join(next.send("c1", List.of(msg(null, "once"))))).as("the first answer's ids").isEqualTo(ids);
        assertThat(next.stats().size()).as("nothing to deliver again").isZero();
        assertThat(join(next.take(10))).isEmpty();
    }

    @Test
    void anOwnerThatFindsRedisBehindItGivesThePartitionUpForAReload() {
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:owner-behind:" + String.join(":", parts), "q", 1);
        // The stream gave an id an hour ahead, since deleted: the owner's load starts above it.
        var stream = TestRedis.client().<String, String>getStream(keys.stream(), org.redisson.client.codec.StringCodec.INSTANCE);
        org.redisson.api.stream.StreamMessageId ahead = new org.redisson.api.stream.StreamMessageId(
                System.currentTimeMillis() + 3_600_000L, 0);
        stream.add(ahead, org.redisson.api.stream.StreamAddArgs.entry("k", ""));
        stream.remove(ahead);
        PartitionOwner o = owner("behind", "n1");
        // Redis loses that write (a restart from an older file, a failover): its next id is below the owner's.
        TestRedis.client().getKeys().delete(keys.stream());
        List<String> ids = join(o.send("c1", List.of(msg(null, "kept"))));
        assertThat(ids).as("the send is in Redis and answered").hasSize(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            synchronized (lost) {
                assertThat(lost).containsExactly("IllegalStateException");
            }
        });
        assertThat(o.isClosed()).isTrue();
        PartitionOwner reloaded = owner("behind", "n1");
        assertThat(join(reloaded.take(10))).extracting(PartitionOwnerTest::text).containsExactly("kept");
    }

    @Test
    void aSendWithoutACallIdIsStoredWithoutDeduplication() {
        PartitionOwner o = owner("no-call", "n1");
        join(o.send(null, List.of(msg(null, "a"))));
        join(o.send(null, List.of(msg(null, "a"))));
        assertThat(join(o.take(10))).extracting(PartitionOwnerTest::text).containsExactly("a", "a");
    }
    @Test
    void anOwnerReportsItsRatesOnItsClock() {
        PartitionOwner o = owner("rates", "n1");
        for (int i = 0; i < 10; i++) {
            join(o.send("rate-" + i, List.of(new OutMessage("k" + i, "m".getBytes(StandardCharsets.UTF_8), Map.of()))));
        }
        List<InDelivery> taken = join(o.take(4));
        for (InDelivery d : taken) {
            join(o.settle(null, EntryId.parse(MessageIds.parse(new io.dsync.queue.MessageId(d.id()), 4).entry()),
                    d.attempt(), Action.ACK, 0));
        }
        assertThat(o.rates()).as("no tick of the averages yet").isEqualTo(new PartitionOwner.Rates(0, 0, 0));
        clock.addAndGet(5_001); // averages tick once more than 5 s have passed
        PartitionOwner.Rates r = o.rates();
        // The first tick of a one-minute average takes the 5 s interval's rate as it is: 10, 4 and 4 in 5 s.
        assertThat(r.sent()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(r.delivered()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
        assertThat(r.acked()).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
        o.close();
    }
}
