package io.dsync.queue.node.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.messaging.RemoteException;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.owner.PartitionOwner;
import io.dsync.queue.node.owner.QueueNode;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleRequest;
import io.dsync.queue.protocol.QueueWire;
import io.dsync.queue.protocol.QueueWireCodec;

/**
 * A queue node's topics over real node messaging and Redis: binary calls are answered in binary, the JSON calls of
 * clients of earlier versions in JSON, on the same partition; unreadable calls of either format are refused as
 * invalid (not as a node's bug); once closed the node serves neither.
 */
class QueueNodeMessagingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final QueueNode node = new QueueNode(timer);
    private NettyMessaging server;
    private NettyMessaging client;
    private QueueNodeMessaging served;
    private InetSocketAddress address;

    @BeforeEach
    void start() {
        String cluster = "wire-" + System.nanoTime();
        QueueCatalog catalog = new QueueCatalog(TestRedis.client(), "dsync:" + cluster + ":queues");
        QueueMeta meta = catalog.declare(QueueConfig.of("w"), 1).toCompletableFuture().join();
        PartitionStore store = new PartitionStore(TestRedis.client());
        PartitionKeys keys = PartitionKeys.of(parts -> "dsync:" + cluster + ":" + String.join(":", parts), "w", 0);
        long epoch = store.claim(keys, "n1", 0).toCompletableFuture().join();
        PartitionOwner owner = new PartitionOwner(meta, 0, keys, epoch, store.load(keys), store,
                System::currentTimeMillis, timer, (queue, call, key, payload, headers) -> CompletableFuture.completedFuture(null),
                node, node.bodies());
        owner.start();
        node.add(owner);
        server = NettyMessaging.listen("wire-node", "127.0.0.1", 0);
        client = NettyMessaging.client("wire-client");
        served = new QueueNodeMessaging(server, new QueueNodeCalls("n1", node, catalog));
        address = new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
    }

    @AfterEach
    void stop() {
        served.close();
        client.close();
        server.close();
        node.close();
        timer.shutdownNow();
    }

    private byte[] request(String topic, byte[] body) {
        return client.request(address, topic, body, TIMEOUT).join();
    }

    /** A send of one message keyed by its call id (same-key messages are delivered one at a time). */
    private static BatchRequest send(String call, String payload) {
        return new BatchRequest(List.of(new Op(new SendRequest("w", 0, call, List.of(
                new OutMessage(call, payload.getBytes(StandardCharsets.UTF_8), Map.of("h", "✓")))), null)));
    }

    private RemoteException refusal(String topic, byte[] body) {
        Throwable t = client.request(address, topic, body, TIMEOUT).handle((a, e) -> e).join();
        assertThat(t).as("refused").isNotNull();
        Throwable cause = t.getCause() != null ? t.getCause() : t;
        assertThat(cause).isInstanceOf(RemoteException.class);
        return (RemoteException) cause;
    }

    @Test
    void binaryAndJsonCallsAreEachAnsweredInTheirFormat() throws Exception {
        BatchReply binary = QueueWireCodec.decodeBatchReply(
                request(QueueWire.TOPIC_BATCH_BINARY, QueueWireCodec.encode(send("c1", "one"))));
        assertThat(binary.replies()).singleElement().satisfies(r -> assertThat(r.ids()).hasSize(1));
        BatchReply json = JSON.readValue(request(QueueWire.TOPIC_BATCH, JSON.writeValueAsBytes(send("c2", "two"))),
                BatchReply.class);
        assertThat(json.replies()).singleElement().satisfies(r -> assertThat(r.ids()).hasSize(1));

        PollReply first = QueueWireCodec.decodePollReply(request(QueueWire.TOPIC_POLL_BINARY,
                QueueWireCodec.encode(new PollRequest("w", null, 1, 0))));
        PollReply second = JSON.readValue(request(QueueWire.TOPIC_POLL,
                JSON.writeValueAsBytes(new PollRequest("w", null, 1, 0))), PollReply.class);
        assertThat(List.of(first, second)).allSatisfy(r -> assertThat(r.deliveries()).hasSize(1));
        assertThat(new String(first.deliveries().get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("one");
        assertThat(new String(second.deliveries().get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("two");
        assertThat(first.deliveries().get(0).headers()).containsEntry("h", "✓");
        assertThat(first.deliveries().get(0).id()).isEqualTo(binary.replies().get(0).ids().get(0));
    }

    @Test
    void unreadableCallsOfEitherFormatAreRefusedAsInvalid() {
        assertThat(refusal(QueueWire.TOPIC_BATCH_BINARY, new byte[] {1, 'B', 0}).code()).isEqualTo("invalid");
        assertThat(refusal(QueueWire.TOPIC_POLL_BINARY, new byte[] {9, 'P'}).getMessage())
                .isEqualTo("queue wire format version 9 (this node reads 1)");
        assertThat(refusal(QueueWire.TOPIC_BATCH, "{not json".getBytes(StandardCharsets.UTF_8)).code())
                .isEqualTo("invalid");
    }

    @Test
    void aRequeueBeyondTheLongestDelayAndAHeaderWithoutValueAreRefusedAndChangeNothing() throws Exception {
        BatchReply sent = QueueWireCodec.decodeBatchReply(
                request(QueueWire.TOPIC_BATCH_BINARY, QueueWireCodec.encode(send("c1", "one"))));
        PollReply polled = QueueWireCodec.decodePollReply(request(QueueWire.TOPIC_POLL_BINARY,
                QueueWireCodec.encode(new PollRequest("w", null, 1, 0))));
        String id = sent.replies().get(0).ids().get(0);
        assertThat(polled.deliveries()).singleElement().satisfies(d -> assertThat(d.id()).isEqualTo(id));
        // A deadline this far out would be stored past the clock's range: no later owner could load the partition.
        BatchReply requeue = QueueWireCodec.decodeBatchReply(request(QueueWire.TOPIC_BATCH_BINARY, QueueWireCodec.encode(
                new BatchRequest(List.of(new Op(null, new SettleRequest("w", "r1", id, 1, Action.REQUEUE,
                        Long.MAX_VALUE)))))));
        assertThat(requeue.replies()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.message()).contains("at most 43200000 ms");
        });
        // A reserved header (a node moving a message to its dead-letter queue adds them) without a value.
        Map<String, Object> withoutValue = new java.util.HashMap<>();
        withoutValue.put("dsync-original-queue", null);
        String json = JSON.writeValueAsString(Map.of("ops", List.of(Map.of("send", Map.of("queue", "w", "partition", 0,
                "callId", "c2", "messages", List.of(Map.of("key", "k2", "payload", "dHdv", "headers", withoutValue)))))));
        BatchReply refused = JSON.readValue(request(QueueWire.TOPIC_BATCH, json.getBytes(StandardCharsets.UTF_8)),
                BatchReply.class);
        assertThat(refused.replies()).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(400));
        BatchReply ack = QueueWireCodec.decodeBatchReply(request(QueueWire.TOPIC_BATCH_BINARY, QueueWireCodec.encode(
                new BatchRequest(List.of(new Op(null, new SettleRequest("w", "a1", id, 1, Action.ACK, 0)))))));
        assertThat(ack.replies()).as("still the current delivery").singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(QueueWireCodec.decodePollReply(request(QueueWire.TOPIC_POLL_BINARY,
                QueueWireCodec.encode(new PollRequest("w", null, 1, 0)))).deliveries()).as("nothing was stored").isEmpty();
    }

    @Test
    void aClosedNodeServesNeitherFormat() {
        served.close();
        for (String topic : List.of(QueueWire.TOPIC_BATCH_BINARY, QueueWire.TOPIC_BATCH, QueueWire.TOPIC_POLL_BINARY,
                QueueWire.TOPIC_POLL, QueueWire.TOPIC_CANCEL)) {
            assertThat(refusal(topic, new byte[0]).code()).as(topic).isEqualTo(RemoteException.NO_HANDLER);
        }
    }
}
