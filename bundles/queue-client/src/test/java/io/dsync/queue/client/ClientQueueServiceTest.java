package io.dsync.queue.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.devkit.LocalRedis;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.Delivery;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.QueueUnavailableException;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueDeletion;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.CancelRequest;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import io.dsync.registry.NodeInfo;
import io.dsync.ring.Placement;

/**
 * The client's polls against two scripted owners (real node messaging, a real Redis for the catalog): what happens
 * to deliveries that reach a poll after another owner answered it.
 */
class ClientQueueServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUEUE = "orders";

    private static LocalRedis redis;
    private static RedissonClient redisson;

    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final java.util.concurrent.ExecutorService handlers = Executors.newCachedThreadPool();
    private final List<FakeOwner> owners = new ArrayList<>();
    private NettyMessaging messaging;
    private ClientQueueService service;
    private QueueCatalog catalog;

    @BeforeEach
    void start() throws IOException {
        synchronized (ClientQueueServiceTest.class) {
            if (redis == null) {
                redis = LocalRedis.start();
                Config config = new Config();
                config.useSingleServer().setAddress(redis.address());
                redisson = Redisson.create(config);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    redisson.shutdown();
                    redis.close();
                }));
            }
        }
        owners.add(new FakeOwner("a", 50));
        owners.add(new FakeOwner("b", 300));
        List<NodeInfo> registry = owners.stream().map(FakeOwner::info).toList();
        Placement placement = QueueTopology.of(registry).placement(QUEUE, 8);
        for (int p = 7; p >= 0; p--) {
            for (FakeOwner o : owners) {
                if (o.id.equals(placement.primary(p))) {
                    o.messageId = MessageIds.of(p, "1-" + p).value();
                }
            }
        }
        messaging = NettyMessaging.client("test-client");
        QueueRouter router = new QueueRouter(() -> registry, messaging, Duration.ofSeconds(5));
        catalog = new QueueCatalog(redisson, "test:" + UUID.randomUUID() + ":queues");
        service = new ClientQueueService(catalog, router, 8, "client-1", handlers);
        service.declare(QueueConfig.of(QUEUE));
    }

    @AfterEach
    void stop() {
        service.close();
        messaging.close();
        owners.forEach(o -> o.server.close());
        later.shutdownNow();
        handlers.shutdownNow();
    }

    @Test
    void declarationsTheCatalogMustRefuseOrAcceptAsStored() {
        service.declare(QueueConfig.of("small.dlq").withMaxPayloadBytes(1024));
        // A message the dead-letter queue refused for its size would stay at the head of its key for good.
        assertThatThrownBy(() -> service.declare(QueueConfig.of("big").withDeadLetterQueue("small.dlq")))
                .isInstanceOf(io.dsync.queue.InvalidQueueRequestException.class).hasMessageContaining("small.dlq");
        service.declare(QueueConfig.of("fits").withDeadLetterQueue("small.dlq").withMaxPayloadBytes(1024));
        // Stored in whole milliseconds: declaring the same again is no conflict (it was, every time, even the first).
        QueueConfig fraction = QueueConfig.of("fraction").withVisibilityTimeout(Duration.ofMillis(1500).plusNanos(1));
        service.declare(fraction);
        service.declare(fraction);
    }

    @Test
    void aCatalogEntryOfALaterVersionOrNoQueueAtAllHidesNoOtherQueue() {
        QueueCatalog catalog = new QueueCatalog(redisson, "test:" + UUID.randomUUID() + ":queues");
        catalog.declare(QueueConfig.of("q"), 8).toCompletableFuture().join();
        org.redisson.api.RMap<String, String> raw = redisson.getMap(catalogKey(catalog),
                org.redisson.client.codec.StringCodec.INSTANCE);
        String q = raw.get("q");
        raw.put("later", q.replace("\"name\":\"q\"", "\"name\":\"later\",\"priorities\":4"));
        raw.put("junk", "not json");
        // Before, one entry the catalog could not read failed the whole list, and with it every ownership pass.
        assertThat(catalog.list()).extracting(io.dsync.queue.protocol.QueueMeta::name).containsExactly("later", "q");
    }

    @Test
    void aSubscriptionEndsWithQueueNotFoundOnceItsQueueIsDeletedFromAnotherNode() throws Exception {
        Subscription s = service.subscribe(QUEUE, SubscriptionOptions.defaults(), d -> { });
        String key = catalogKey(catalog);
        // Another node's catalog and deletion: this client learns of it only by reading its copy again.
        new QueueDeletion(redisson, new QueueCatalog(redisson, key), parts -> key + ":" + String.join(":", parts))
                .delete(QUEUE).toCompletableFuture().join();
        assertThat(s.whenTerminated().toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(QueueNotFoundException.class);
        assertThat(s.isActive()).isFalse();
        assertThatThrownBy(() -> service.poll(QUEUE, 1, Duration.ZERO)).isInstanceOf(QueueNotFoundException.class);
    }

    private static String catalogKey(QueueCatalog catalog) {
        try {
            java.lang.reflect.Field f = QueueCatalog.class.getDeclaredField("key");
            f.setAccessible(true);
            return (String) f.get(catalog);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aDeliveryThatComesAfterThePollWasAnsweredGoesToTheNextPollNotBackToItsOwner() throws Exception {
        List<Delivery> first = service.poll(QUEUE, 10, Duration.ofSeconds(2));
        assertThat(first).extracting(d -> d.id().value()).containsExactly(owners.get(0).messageId);
        await().atMost(Duration.ofSeconds(2)).until(() -> service.keptForNextPoll(QUEUE) == 1);
        int pollsBefore = polls();

        List<Delivery> second = service.poll(QUEUE, 10, Duration.ofSeconds(2));

        assertThat(second).extracting(d -> d.id().value()).containsExactly(owners.get(1).messageId);
        assertThat(polls()).as("the kept delivery is handed out without asking any owner").isEqualTo(pollsBefore);
        Thread.sleep(2 * ClientQueueService.KEEP_EARLY_MILLIS);
        assertThat(owners).allSatisfy(o -> assertThat(o.settled).isEmpty());
    }

    @Test
    void afterAPollThatHadToWaitTheNextWaitsOnEveryOwnerWithoutAskingEachFirst() throws Exception {
        owners.get(1).messageId = null; // only a has a message: the first poll waits for it, and nothing is kept
        assertThat(service.poll(QUEUE, 10, Duration.ofSeconds(2))).extracting(d -> d.id().value())
                .containsExactly(owners.get(0).messageId);
        assertThat(polls()).as("one poll without waiting and one waiting poll per owner").isEqualTo(4);
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) == 0);

        assertThat(service.poll(QUEUE, 10, Duration.ofMillis(300))).isEmpty();
        assertThat(polls() - 4).as("consumers ahead of producers: one waiting poll per owner").isEqualTo(2);
    }

    @Test
    void pollsThatWaitTogetherShareOneWaitingPollPerOwner() throws Exception {
        FakeOwner a = owners.get(0);
        FakeOwner b = owners.get(1);
        a.messageId = null;
        b.messageId = null;
        assertThat(service.poll(QUEUE, 10, Duration.ofMillis(200))).as("nothing anywhere: the queue is drained").isEmpty();
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) == 0);
        int cancels = a.cancels.get() + b.cancels.get();
        // The first poll's: one per owner, or two when an owner's wait ended a moment before the poll's own.
        int aBefore = a.waitingPolls.get();
        int bBefore = b.waitingPolls.get();

        List<CompletableFuture<List<Delivery>>> waiting = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waiting.add(service.pollAsync(QUEUE, 10, Duration.ofSeconds(3)));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> a.held.size() == 1 && b.held.size() == 1);
        Thread.sleep(200);
        assertThat(a.waitingPolls.get() - aBefore + b.waitingPolls.get() - bBefore)
                .as("eight waiting polls, one poll per owner").isEqualTo(2);

        String id = MessageIds.of(0, "9-0").value();
        a.deliver(id);
        List<Delivery> first = waiting.get(0).get(2, TimeUnit.SECONDS);
        assertThat(first).extracting(d -> d.id().value()).as("the poll that waited longest").containsExactly(id);
        await().atMost(Duration.ofSeconds(2)).until(() -> a.held.size() == 1);
        assertThat(a.waitingPolls.get() - aBefore).as("a asked again for the seven still waiting").isEqualTo(2);
        assertThat(b.waitingPolls.get() - bBefore).as("b's poll still serves them").isEqualTo(1);
        assertThat(waiting.subList(1, 8)).noneMatch(CompletableFuture::isDone);
        assertThat(a.cancels.get() + b.cancels.get()).as("no cancel while polls wait").isEqualTo(cancels);

        for (CompletableFuture<List<Delivery>> f : waiting.subList(1, 8)) {
            assertThat(f.get(5, TimeUnit.SECONDS)).isEmpty();
        }
        // The owners' polls end with their wait or, if that is later, are cancelled once nobody waits.
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) == 0);
        assertThat(a.cancels.get() + b.cancels.get()).isLessThanOrEqualTo(cancels + 2);
        assertThat(service.keptForNextPoll(QUEUE)).isZero();
    }

    @Test
    void aKeptDeliveryNobodyPollsForGoesBackToItsOwnerSoon() throws Exception {
        service.poll(QUEUE, 10, Duration.ofSeconds(2));
        FakeOwner b = owners.get(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> service.keptForNextPoll(QUEUE) == 1);

        await().atMost(Duration.ofSeconds(2)).until(() -> b.settled.size() == 1);
        assertThat(b.settled.get(0).id()).isEqualTo(b.messageId);
        assertThat(b.settled.get(0).action()).isEqualTo(Action.RELEASE);
        assertThat(service.poll(QUEUE, 10, Duration.ZERO)).as("given back, so no longer kept").isEmpty();
    }

    @Test
    void closingTheServiceGivesBackWhatItKept() throws Exception {
        service.poll(QUEUE, 10, Duration.ofSeconds(2));
        FakeOwner b = owners.get(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> service.keptForNextPoll(QUEUE) == 1);

        service.close();

        await().atMost(Duration.ofSeconds(2)).until(() -> b.settled.size() == 1);
        assertThat(b.settled.get(0).action()).isEqualTo(Action.RELEASE);
    }

    @Test
    void withFewerCreditsThanOwnersEveryOwnerGetsItsTurn() throws Exception {
        // One credit, two owners; the message is at one owner, then at the other: whichever the subscription asks
        // second. Before, the owner asked first kept the credit for good (its empty long-poll renewed over and over).
        Map<FakeOwner, String> messages = new HashMap<>();
        owners.forEach(o -> messages.put(o, o.messageId)); // a message of a partition each owns
        for (FakeOwner holder : owners) {
            owners.forEach(o -> {
                o.messageId = null;
                o.waitingPolls.set(0);
            });
            holder.messageId = messages.get(holder);
            CountDownLatch got = new CountDownLatch(1);
            Subscription s = service.subscribe(QUEUE, SubscriptionOptions.defaults().withMaxInFlight(1), d -> {
                if (d.id().value().equals(holder.messageId)) {
                    got.countDown();
                }
            });
            try {
                assertThat(got.await(4, TimeUnit.SECONDS)).as("the message at owner " + holder.id).isTrue();
            } finally {
                s.close();
            }
        }
    }

    @Test
    void aBusySubscriptionAsksAnOwnerAgainOnlyOnceHalfItsShareOfCreditsIsFree() throws Exception {
        FakeOwner a = owners.get(0);
        owners.get(1).messageId = null; // b has nothing: its poll waits
        a.batch = 4;
        // 8 credits over 2 owners: a share of 4 each. a answers with 4 deliveries, which the handlers hold.
        Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        Subscription s = service.subscribe(QUEUE, SubscriptionOptions.defaults().withMaxInFlight(8), d -> {
            gates.computeIfAbsent(d.id().value(), id -> new CountDownLatch(1)).await();
        });
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> gates.size() == 4);
            List<CountDownLatch> held = List.copyOf(gates.values());
            int asked = a.polls.get();
            held.get(0).countDown(); // acknowledged: 1 credit free, 3 deliveries held
            await().atMost(Duration.ofSeconds(5)).until(() -> a.settled.size() == 1);
            Thread.sleep(300);
            assertThat(a.polls.get()).as("one free credit, less than half a share: a is not asked for one message")
                    .isEqualTo(asked);
            held.get(1).countDown(); // 2 free: half a share
            await().atMost(Duration.ofSeconds(5)).until(() -> a.polls.get() == asked + 1);
        } finally {
            gates.values().forEach(CountDownLatch::countDown);
            s.close();
        }
    }

    @Test
    void aPushedDeliveryThatItsHandlerExtendsIsStillAcknowledgedAndKeepsItsCredit() throws Exception {
        FakeOwner a = owners.get(0);
        owners.get(1).messageId = null;
        CountDownLatch extended = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Subscription s = service.subscribe(QUEUE, SubscriptionOptions.defaults().withMaxInFlight(1), d -> {
            service.extendVisibility(d, Duration.ofSeconds(30));
            extended.countDown();
            finish.await();
        });
        try {
            assertThat(extended.await(5, TimeUnit.SECONDS)).isTrue();
            int pollsWhileHandled = polls();
            Thread.sleep(300);
            assertThat(polls()).as("the extended delivery still holds the only credit: no poll").isEqualTo(pollsWhileHandled);
            finish.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.settled.size() == 2);
            assertThat(a.settled).extracting(SettleRequest::action).containsExactly(Action.EXTEND, Action.ACK);
        } finally {
            finish.countDown();
            s.close();
        }
    }

    @Test
    void aReleaseWhoseAnswerIsLostIsNotSentAgain() throws Exception {
        FakeOwner a = owners.get(0);
        owners.get(1).messageId = null;
        Delivery d = service.poll(QUEUE, 10, Duration.ofSeconds(2)).get(0);
        a.dropSettleAnswers = true;
        assertThatThrownBy(() -> service.release(d)).isInstanceOf(QueueUnavailableException.class)
                .hasMessageContaining("may not have taken effect");
        assertThat(a.settled).as("one release, not retried: a repeat could take back the next delivery")
                .extracting(SettleRequest::action).containsExactly(Action.RELEASE);
    }

    @Test
    void aCancelledPollGivesBackWhatArrivesForItAfterwards() throws Exception {
        owners.get(0).messageId = null;
        FakeOwner b = owners.get(1); // answers its first waiting poll with its message 300 ms later
        CompletableFuture<List<Delivery>> poll = service.pollAsync(QUEUE, 10, Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) > 0);
        poll.cancel(false);
        await().atMost(Duration.ofSeconds(3)).until(() -> b.settled.size() == 1);
        assertThat(b.settled.get(0).id()).isEqualTo(b.messageId);
        assertThat(b.settled.get(0).action()).as("visible again at once, not after its visibility timeout")
                .isEqualTo(Action.RELEASE);
    }

    @Test
    void aCancelledPollStopsAskingTheOwnersWhenItsWaitEnds() throws Exception {
        owners.forEach(o -> o.messageId = null); // nothing to deliver: every waiting poll waits out its time
        CompletableFuture<List<Delivery>> poll = service.pollAsync(QUEUE, 10, Duration.ofMillis(300));
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) == owners.size());
        poll.cancel(false); // as an interrupted or timed-out poll() does
        Thread.sleep(1500);
        // Before, the cancelled poll stayed among the waiting ones past its deadline: from then on each owner was
        // asked again and again with waits of 1 ms (hundreds of polls a second) until a message came.
        assertThat(polls()).as("owner polls in 1.5 s").isLessThanOrEqualTo(3 * owners.size());
        await().atMost(Duration.ofSeconds(2)).until(() -> service.ownerPollsInFlight(QUEUE) == 0);
    }

    @Test
    void aDeliveryTheClientCannotReadIsSkippedAndItsOwnerIsAskedAgain() throws Exception {
        FakeOwner a = owners.get(0);
        owners.get(1).messageId = null;
        String good = a.messageId;
        a.messageId = ""; // no valid message id: new MessageId("") throws
        assertThat(service.poll(QUEUE, 10, Duration.ofMillis(600))).isEmpty();
        a.messageId = good;
        a.waitingPolls.set(0);
        // Before, the reading failed inside the answer's callback: the owner's poll stayed "in flight" for good and
        // the owner was never asked again.
        assertThat(service.poll(QUEUE, 10, Duration.ofSeconds(3))).extracting(d -> d.id().value()).containsExactly(good);
    }

    private int polls() {
        return owners.stream().mapToInt(o -> o.polls.get()).sum();
    }

    /**
     * A queue node that has nothing for a poll that does not wait, and one message (of a partition it owns) for the first
     * waiting poll, answered after {@code delayMillis} whatever cancels it meanwhile (a delivery racing the cancel).
     * Its other waiting polls are held until their wait ends, a cancel, or {@link #deliver}.
     */
    private final class FakeOwner {
        final String id;
        final NettyMessaging server;
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger waitingPolls = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();
        final Map<String, CompletableFuture<byte[]>> held = new ConcurrentHashMap<>();
        final List<SettleRequest> settled = new CopyOnWriteArrayList<>();
        volatile String messageId;
        /** Deliveries in the answer to the first waiting poll: the message and the next ones of its partition. */
        volatile int batch = 1;
        /** Settle requests are taken, and then the connection drops: their answer is lost. */
        volatile boolean dropSettleAnswers;

        FakeOwner(String id, long delayMillis) {
            this.id = id;
            this.server = NettyMessaging.listen("owner-" + id, "127.0.0.1", 0);
            server.serve(QueueWire.TOPIC_POLL, body -> {
                polls.incrementAndGet();
                PollRequest request = read(body, PollRequest.class);
                if (request.waitMs() == 0) {
                    return CompletableFuture.completedFuture(empty());
                }
                CompletableFuture<byte[]> answer = new CompletableFuture<>();
                String message = messageId;
                if (waitingPolls.incrementAndGet() == 1 && message != null) {
                    later.schedule(() -> answer.complete(delivery(message)), delayMillis, TimeUnit.MILLISECONDS);
                    return answer;
                }
                held.put(request.pollId(), answer);
                later.schedule(() -> {
                    if (held.remove(request.pollId(), answer)) {
                        answer.complete(empty());
                    }
                }, request.waitMs(), TimeUnit.MILLISECONDS);
                return answer;
            });
            server.serve(QueueWire.TOPIC_CANCEL, body -> {
                cancels.incrementAndGet();
                CompletableFuture<byte[]> answer = held.remove(read(body, CancelRequest.class).pollId());
                if (answer != null) {
                    answer.complete(empty());
                }
                return CompletableFuture.completedFuture(new byte[0]);
            });
            server.serve(QueueWire.TOPIC_BATCH, body -> {
                BatchRequest batch = read(body, BatchRequest.class);
                List<OpReply> replies = new ArrayList<>();
                batch.ops().forEach(op -> {
                    settled.add(op.settle());
                    long now = System.currentTimeMillis();
                    long until = op.settle().action() == Action.EXTEND ? now + op.settle().millis() : 0;
                    replies.add(new OpReply(200, null, new SettleReply(until, now), null, null));
                });
                return dropSettleAnswers ? CompletableFuture.failedFuture(new IOException("connection reset"))
                        : CompletableFuture.completedFuture(write(new BatchReply(replies)));
            });
        }

        /** Answers a held waiting poll with a delivery of the message. */
        void deliver(String message) {
            String poll = held.keySet().iterator().next();
            held.remove(poll).complete(delivery(message));
        }

        private byte[] empty() {
            return write(new PollReply(List.of(), System.currentTimeMillis()));
        }

        private byte[] delivery(String message) {
            long now = System.currentTimeMillis();
            int partition = Integer.parseInt(message.substring(0, message.indexOf('-')));
            List<InDelivery> deliveries = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                String id = i == 0 ? message : MessageIds.of(partition, (i + 1) + "-0").value();
                deliveries.add(new InDelivery(id, null, new byte[] {1}, Map.of(), 1, now, now + 10_000));
            }
            return write(new PollReply(deliveries, now));
        }

        NodeInfo info() {
            return new NodeInfo(id, id + "-1", "test", List.of("queue"), "127.0.0.1",
                    Map.of("admin", 1, "messaging", server.localAddress().getPort()), List.of(), null, null, "test");
        }
    }

    private static <T> T read(byte[] body, Class<T> type) {
        try {
            return JSON.readValue(body, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
