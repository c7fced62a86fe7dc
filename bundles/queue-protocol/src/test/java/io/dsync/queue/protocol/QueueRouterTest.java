package io.dsync.queue.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.messaging.Messaging;
import io.dsync.messaging.RemoteException;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueUnavailableException;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.registry.BundleInfo;
import io.dsync.registry.NodeInfo;

/**
 * The router across a queue-node bundle that stops: the node answers {@code no-handler} (its topics are gone) while
 * the registry shows its bundle stopping; the router reads the registry again and retries the same call, with the
 * same call id, at the partition's new primary; the caller sees one success.
 */
class QueueRouterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final QueueMeta META = QueueMeta.of(QueueConfig.of("q"), 1);

    static NodeInfo node(String id, int port, String queueNodeState) {
        return new NodeInfo(id, "i-" + id, "c", List.of(QueueTopology.ROLE), "127.0.0.1",
                Map.of("admin", port, "messaging", port + 1),
                List.of(new BundleInfo(7, QueueTopology.NODE_BUNDLE, "1", queueNodeState, false)), null, null, "t");
    }

    /**
     * Answers batches as the test says, per messaging port, in the request's format (binary, or JSON with
     * {@code jsonOnly} or after a binary refusal), and records the call ids it saw ("port call-id", " json" added
     * for a JSON request). Ports in {@code jsonOnly} are nodes of a version before the binary topics.
     */
    static final class FakeMessaging implements Messaging {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final Map<Integer, java.util.function.Function<BatchRequest, CompletableFuture<BatchReply>>> byPort;
        final java.util.Set<Integer> jsonOnly;

        FakeMessaging(Map<Integer, java.util.function.Function<BatchRequest, CompletableFuture<BatchReply>>> byPort) {
            this(byPort, java.util.Set.of());
        }

        FakeMessaging(Map<Integer, java.util.function.Function<BatchRequest, CompletableFuture<BatchReply>>> byPort,
                      java.util.Set<Integer> jsonOnly) {
            this.byPort = byPort;
            this.jsonOnly = jsonOnly;
        }

        @Override
        public Registration serve(String topic, io.dsync.messaging.RequestHandler handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<byte[]> request(InetSocketAddress peer, String topic, byte[] body, Duration timeout) {
            boolean binary = topic.equals(QueueWire.TOPIC_BATCH_BINARY);
            if (binary && jsonOnly.contains(peer.getPort())) {
                return CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER,
                        "serves no topic '" + topic + "'"));
            }
            try {
                BatchRequest r = binary ? QueueWireCodec.decodeBatchRequest(body) : JSON.readValue(body, BatchRequest.class);
                r.ops().forEach(op -> seen.add(peer.getPort() + " "
                        + (op.send() != null ? op.send().callId() : op.settle().callId()) + (binary ? "" : " json")));
                return byPort.get(peer.getPort()).apply(r).thenApply(reply -> {
                    try {
                        return binary ? QueueWireCodec.encode(reply) : JSON.writeValueAsBytes(reply);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    static CompletableFuture<BatchReply> stored(BatchRequest r, String id) {
        return CompletableFuture.completedFuture(new BatchReply(r.ops().stream()
                .map(op -> new OpReply(200, List.of(id), null, null, null)).toList()));
    }

    @Test
    void aCallToANodeWhoseQueueNodeBundleStopsIsRetriedAtTheNewOwnerWithTheSameCallId() {
        AtomicReference<List<NodeInfo>> registry = new AtomicReference<>(List.of(node("a", 1000, "ACTIVE")));
        FakeMessaging messaging = new FakeMessaging(Map.of(
                1001, r -> {
                    // a's bundle is stopping: its topics are gone, and the registry says so.
                    registry.set(List.of(node("a", 1000, "STOPPING"), node("b", 2000, "ACTIVE")));
                    return CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER,
                            "serves no topic 'queue.batch'"));
                },
                2001, r -> stored(r, "0-1-0")));
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(5))) {
            List<String> ids = router.send(META, 0, "client/1", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join();
            assertThat(ids).containsExactly("0-1-0");
            // The stopping node refused the binary call, then the same call as JSON (an old node would have taken it).
            assertThat(messaging.seen).containsExactly("1001 client/1", "1001 client/1 json", "2001 client/1");
        }
    }

    @Test
    void aNodeThatAnswersNoHandlerUntilItsBundleIsBackIsRetriedUntilItAnswers() {
        // One queue node only: nobody else can take its partitions, so the call waits for the bundle to come back.
        List<NodeInfo> registry = List.of(node("a", 1000, "ACTIVE"));
        int[] calls = new int[1];
        // Each attempt is refused in binary and then in JSON: three attempts refused, the fourth answered.
        FakeMessaging messaging = new FakeMessaging(Map.of(1001, r -> ++calls[0] < 7
                ? CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER, "not yet"))
                : stored(r, "0-2-0")));
        List<Long> outages = new CopyOnWriteArrayList<>();
        try (QueueRouter router = new QueueRouter(() -> registry, messaging, Duration.ofSeconds(5))) {
            router.onRecovery(outages::add);
            long t0 = System.nanoTime();
            assertThat(router.send(META, 0, "client/2", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join()).containsExactly("0-2-0");
            long took = System.nanoTime() - t0;
            assertThat(messaging.seen).filteredOn(s -> !s.endsWith(" json")).hasSize(4)
                    .allMatch(s -> s.equals("1001 client/2"));
            // One outage, from the first attempt to the answer: three retries' pauses (25, 50, 100 ms) at least.
            assertThat(outages).singleElement().satisfies(n -> assertThat(n).isBetween(175_000_000L, took));
            assertThat(router.send(META, 0, "client/4", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join()).containsExactly("0-2-0");
            assertThat(outages).as("a call answered at once reports nothing").hasSize(1);
        }
    }

    @Test
    void callsWaitingForANodeThatDoesNotAnswerGoBackToTheRouterInsteadOfToThatNode() {
        AtomicReference<List<NodeInfo>> registry = new AtomicReference<>(List.of(node("a", 1000, "ACTIVE")));
        FakeMessaging messaging = new FakeMessaging(Map.of(
                1001, r -> {
                    // a froze: its requests fail after a while, and meanwhile it left the ring.
                    registry.set(List.of(node("a", 1000, "STOPPING"), node("b", 2000, "ACTIVE")));
                    return CompletableFuture.supplyAsync(() -> {
                        throw new java.util.concurrent.CompletionException(new IOException("no answer in time"));
                    }, CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
                },
                2001, r -> stored(r, "0-5-0")));
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(5))) {
            List<CompletableFuture<List<String>>> sends = new java.util.ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                sends.add(router.send(META, 0, "c" + i, List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                        .toCompletableFuture());
            }
            sends.forEach(f -> assertThat(f.join()).containsExactly("0-5-0"));
            // Two requests to a at a time: c1 and c2 went there; c3 waited, and went to b only.
            assertThat(messaging.seen).contains("1001 c1", "1001 c2", "2001 c3").doesNotContain("1001 c3");
        }
    }

    @Test
    void aCallThatNoNodeAnswersWithinTheTimeoutFailsAsUnavailable() {
        FakeMessaging messaging = new FakeMessaging(Map.of(1001, r -> CompletableFuture.failedFuture(
                new RemoteException(RemoteException.NO_HANDLER, "gone"))));
        try (QueueRouter router = new QueueRouter(() -> List.of(node("a", 1000, "ACTIVE")), messaging,
                Duration.ofMillis(300))) {
            assertThat(router.send(META, 0, "client/3", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture()).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(Exception.class)
                    .withCauseInstanceOf(QueueUnavailableException.class);
        }
    }

    @Test
    void closingTheRouterEndsEveryCallStillOpenWithAnUnknownOutcome() throws InterruptedException {
        // c1 waits for its retry on the timer (its node refused it); c2's try is at a node that answers only after
        // the close, with a failure that would schedule a retry. Before the fix both futures stayed open for good.
        CompletableFuture<BatchReply> late = new CompletableFuture<>();
        FakeMessaging messaging = new FakeMessaging(Map.of(1001, r -> r.ops().get(0).send().callId().equals("c1")
                ? CompletableFuture.failedFuture(new RemoteException(RemoteException.NO_HANDLER, "not yet"))
                : late));
        CompletableFuture<List<String>> waitingForRetry;
        CompletableFuture<List<String>> atANode;
        try (QueueRouter router = new QueueRouter(() -> List.of(node("a", 1000, "ACTIVE")), messaging,
                Duration.ofSeconds(30))) {
            waitingForRetry = router.send(META, 0, "c1", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture();
            atANode = router.send(META, 0, "c2", List.of(new OutMessage(null, new byte[] {2}, Map.of())))
                    .toCompletableFuture();
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!(messaging.seen.contains("1001 c1 json") && messaging.seen.contains("1001 c2"))
                    && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(messaging.seen).contains("1001 c1 json", "1001 c2");
        }
        late.completeExceptionally(new RemoteException(RemoteException.NO_HANDLER, "gone"));
        for (CompletableFuture<List<String>> f : List.of(waitingForRetry, atANode)) {
            assertThat(f).failsWithin(Duration.ofSeconds(1)).withThrowableOfType(Exception.class)
                    .havingCause().isInstanceOf(QueueUnavailableException.class)
                    .withMessageContaining("the queue client closed before partition 0 of queue 'q' answered; "
                            + "the outcome is unknown");
        }
    }

    @Test
    void aNodeOfAVersionBeforeTheBinaryTopicsGetsJsonAndNodesThatReadBinaryKeepGettingIt() {
        List<NodeInfo> registry = List.of(node("a", 1000, "ACTIVE"));
        FakeMessaging messaging = new FakeMessaging(Map.of(1001, r -> stored(r, "0-3-0")), java.util.Set.of(1001));
        try (QueueRouter router = new QueueRouter(() -> registry, messaging, Duration.ofSeconds(5))) {
            for (String call : List.of("client/5", "client/6")) {
                assertThat(router.send(META, 0, call, List.of(new OutMessage("k", new byte[] {1, 2}, Map.of("h", "v"))))
                        .toCompletableFuture().join()).containsExactly("0-3-0");
            }
            // One binary attempt, refused as unknown; then JSON only, with no second try of binary.
            assertThat(messaging.seen).containsExactly("1001 client/5 json", "1001 client/6 json");
        }
        FakeMessaging current = new FakeMessaging(Map.of(1001, r -> stored(r, "0-4-0")));
        try (QueueRouter router = new QueueRouter(() -> registry, current, Duration.ofSeconds(5))) {
            assertThat(router.send(META, 0, "client/7", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join()).containsExactly("0-4-0");
            assertThat(current.seen).containsExactly("1001 client/7");
        }
    }

    @Test
    void aCallHeldByAnOwnerThatTheRingNoLongerNamesIsSentToTheNewOwnerWithTheSameCallId() {
        AtomicReference<List<NodeInfo>> registry = new AtomicReference<>(List.of(node("a", 1000, "ACTIVE")));
        CompletableFuture<BatchReply> never = new CompletableFuture<>();
        FakeMessaging messaging = new FakeMessaging(Map.of(
                1001, r -> {
                    // a was cut off from Redis: it keeps the call, and its registration expires.
                    registry.set(List.of(node("b", 2000, "ACTIVE")));
                    return never;
                },
                2001, r -> stored(r, "0-8-0")));
        List<Long> outages = new CopyOnWriteArrayList<>();
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(10))) {
            router.onRecovery(outages::add);
            long t0 = System.nanoTime();
            assertThat(router.send(META, 0, "client/8", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(List.of("0-8-0"));
            long took = System.nanoTime() - t0;
            assertThat(messaging.seen).containsExactly("1001 client/8", "2001 client/8");
            // One outage of partition 0: from the call to the new owner's answer, half a second at least.
            assertThat(outages).singleElement().satisfies(n ->
                    assertThat(n).isBetween(QueueRouter.HEDGE_AFTER_NANOS, took));
            // a answers at last (its write was fenced): the call is done already, nothing changes.
            never.complete(new BatchReply(List.of(new OpReply(503, null, null, "unavailable", "Redis timed out"))));
            assertThat(outages).hasSize(1);
        }
    }

    @Test
    void aReleaseHeldByAnOwnerIsNotSentAgainAndACallHeldByTheOwnerTheRingStillNamesWaitsForIt() {
        AtomicReference<List<NodeInfo>> registry = new AtomicReference<>(List.of(node("a", 1000, "ACTIVE")));
        FakeMessaging messaging = new FakeMessaging(Map.of(
                1001, r -> {
                    if (r.ops().get(0).settle() != null) {
                        registry.set(List.of(node("b", 2000, "ACTIVE")));
                    }
                    // Slow, not gone: answers after 1.2 s.
                    return CompletableFuture.supplyAsync(() -> new BatchReply(r.ops().stream()
                            .map(op -> new OpReply(200, List.of("0-9-0"), new QueueWire.SettleReply(0, 1), null, null))
                            .toList()), CompletableFuture.delayedExecutor(1200, java.util.concurrent.TimeUnit.MILLISECONDS));
                },
                2001, r -> stored(r, "0-10-0")));
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(10))) {
            // The ring still names a: the send waits for a's answer.
            assertThat(router.send(META, 0, "client/9", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join()).containsExactly("0-9-0");
            // The ring moves partition 0 to b while a holds the release: a release is never sent twice (a repeat
            // of one that took effect would take back the next consumer's delivery).
            router.settle(META, new QueueWire.SettleRequest("q", "client/10", "0-9-0", 1, QueueWire.Action.RELEASE, 0))
                    .toCompletableFuture().join();
            assertThat(messaging.seen).containsExactly("1001 client/9", "1001 client/10");
        }
    }

    @Test
    void aReleaseWhoseWriteWasFencedIsNotSentAgainWhileARetriedSendIs() {
        // a's batch was fenced by b's claim: the first run of the script may have written it (Redisson sends a
        // script again when its answer is late), so a answers "unavailable", not "not-owner". The send goes to b
        // with its call id; the release is not sent again.
        AtomicReference<List<NodeInfo>> registry = new AtomicReference<>(List.of(node("a", 1000, "ACTIVE")));
        FakeMessaging messaging = new FakeMessaging(Map.of(
                1001, r -> {
                    registry.set(List.of(node("b", 2000, "ACTIVE")));
                    return CompletableFuture.completedFuture(new BatchReply(r.ops().stream().map(op -> new OpReply(503,
                            null, null, QueueWire.UNAVAILABLE, "partition 0 of queue 'q' was taken over by another node "
                            + "while a write of it was in flight; the outcome is unknown")).toList()));
                },
                2001, r -> stored(r, "0-11-0")));
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(10))) {
            assertThat(router.send(META, 0, "client/11", List.of(new OutMessage(null, new byte[] {1}, Map.of())))
                    .toCompletableFuture().join()).containsExactly("0-11-0");
        }
        registry.set(List.of(node("a", 1000, "ACTIVE")));
        try (QueueRouter router = new QueueRouter(registry::get, messaging, Duration.ofSeconds(10))) {
            assertThat(router.settle(META, new QueueWire.SettleRequest("q", "client/12", "0-11-0", 1,
                    QueueWire.Action.RELEASE, 0)).toCompletableFuture()).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(Exception.class).havingCause().isInstanceOf(QueueUnavailableException.class)
                    .withMessageContaining("may not have taken effect");
            assertThat(messaging.seen).containsExactly("1001 client/11", "2001 client/11", "1001 client/12");
        }
    }
}
