package io.dsync.queue.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
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
    private final List<FakeOwner> owners = new ArrayList<>();
    private NettyMessaging messaging;
    private ClientQueueService service;

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
        QueueCatalog catalog = new QueueCatalog(redisson, "test:" + UUID.randomUUID() + ":queues");
        service = new ClientQueueService(catalog, router, 8, "client-1", Runnable::run);
        service.declare(QueueConfig.of(QUEUE));
    }

    @AfterEach
    void stop() {
        service.close();
        messaging.close();
        owners.forEach(o -> o.server.close());
        later.shutdownNow();
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

        assertThat(service.poll(QUEUE, 10, Duration.ofMillis(300))).isEmpty();
        assertThat(polls() - 4).as("consumers ahead of producers: one waiting poll per owner").isEqualTo(2);
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

    private int polls() {
        return owners.stream().mapToInt(o -> o.polls.get()).sum();
    }

    /**
     * A queue node that has nothing for a poll that does not wait, and one message (of a partition it owns) for the first
     * waiting poll, answered after {@code delayMillis} whatever cancels it meanwhile (a delivery racing the cancel).
     */
    private final class FakeOwner {
        final String id;
        final NettyMessaging server;
        final AtomicInteger polls = new AtomicInteger();
        final List<SettleRequest> settled = new CopyOnWriteArrayList<>();
        volatile String messageId;
        private final AtomicInteger waiting = new AtomicInteger();

        FakeOwner(String id, long delayMillis) {
            this.id = id;
            this.server = NettyMessaging.listen("owner-" + id, "127.0.0.1", 0);
            server.serve(QueueWire.TOPIC_POLL, body -> {
                polls.incrementAndGet();
                PollRequest request = read(body, PollRequest.class);
                if (request.waitMs() == 0 || waiting.incrementAndGet() > 1) {
                    return CompletableFuture.completedFuture(write(new PollReply(List.of(), System.currentTimeMillis())));
                }
                CompletableFuture<byte[]> answer = new CompletableFuture<>();
                if (messageId == null) {
                    // Nothing to deliver: the poll waits out its wait (a cancel does not end it here).
                    later.schedule(() -> answer.complete(write(new PollReply(List.of(), System.currentTimeMillis()))),
                            request.waitMs(), TimeUnit.MILLISECONDS);
                    return answer;
                }
                later.schedule(() -> {
                    long now = System.currentTimeMillis();
                    answer.complete(write(new PollReply(List.of(new InDelivery(messageId, null, new byte[] {1},
                            Map.of(), 1, now, now + 10_000)), now)));
                }, delayMillis, TimeUnit.MILLISECONDS);
                return answer;
            });
            server.serve(QueueWire.TOPIC_CANCEL, body -> CompletableFuture.completedFuture(new byte[0]));
            server.serve(QueueWire.TOPIC_BATCH, body -> {
                BatchRequest batch = read(body, BatchRequest.class);
                List<OpReply> replies = new ArrayList<>();
                batch.ops().forEach(op -> {
                    settled.add(op.settle());
                    long now = System.currentTimeMillis();
                    replies.add(new OpReply(200, null, new SettleReply(now, now), null, null));
                });
                return CompletableFuture.completedFuture(write(new BatchReply(replies)));
            });
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
