package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class QueuesMonitorTest {

    private static final String RING_ONE = """
            {"vnodes":1,"replicas":2,"nodes":{"q-1":"http://127.0.0.1:8101"},
             "tokens":[["100","q-1"]],
             "queues":[{"queue":"orders","partitions":[
               {"partition":0,"position":"5","owners":["q-1"],"owner":"q-1","epoch":1,"messages":2},
               {"partition":1,"position":"200","owners":["q-1"],"owner":"q-1","epoch":1,"messages":1}]},
               {"queue":"orders-dlq","partitions":[{"partition":0,"position":"7","owners":["q-1"],"owner":"q-1","epoch":1,"messages":4}]}]}""";
    private static final String RING_TWO = """
            {"vnodes":1,"replicas":2,"nodes":{"q-1":"http://127.0.0.1:8101","q-2":"http://127.0.0.1:8102"},
             "tokens":[["100","q-1"],["18446744073709551000","q-2"]],
             "queues":[{"queue":"orders","partitions":[
               {"partition":0,"position":"5","owners":["q-1","q-2"],"owner":"q-1","epoch":1,"messages":2},
               {"partition":1,"position":"200","owners":["q-2","q-1"],"owner":"q-2","epoch":2,"messages":1}]},
               {"queue":"orders-dlq","partitions":[{"partition":0,"position":"7","owners":["q-1","q-2"],"owner":"q-1","epoch":1,"messages":4}]}]}""";
    private static final String ORDERS = """
            {"queue":{"name":"orders","visibilityTimeoutMs":30000,"maxDeliveries":5,"deadLetterQueue":"orders-dlq",
             "maxPayloadBytes":1048576,"partitions":2},"messages":3,"inFlight":1,"deadLetterDue":0,
             "partitions":[{"partition":0,"messages":2},{"partition":1,"messages":1}]}""";
    private static final String DLQ = """
            {"queue":{"name":"orders-dlq","deadLetterQueue":null,"partitions":1},"messages":4,"inFlight":0,
             "deadLetterDue":0,"partitions":[{"partition":0,"messages":4}]}""";

    private final MutableClock clock = new MutableClock();

    private static String metrics(long sent, long acked) {
        return "{\"meters\":{\"dsync.queue.client.queue.orders.sent\":{\"count\":" + sent + "},"
                + "\"dsync.queue.client.queue.orders.acked\":{\"count\":" + acked + "},"
                + "\"dsync.queue.client.sent\":{\"count\":999}}}";
    }

    private FakeNodes cluster() {
        return new FakeNodes().add(FakeNodes.node("q-1", 8101, "queue")).add(FakeNodes.node("c-1", 8100, "console"))
                .answer(":8101/queue/ring?tokens=true", RING_ONE)
                .answer(":8101/queue/queues/orders", ORDERS).answer(":8101/queue/queues/orders-dlq", DLQ)
                .answer(":8101/metrics", metrics(10, 0)).answer(":8100/metrics", metrics(0, 0));
    }

    @Test
    void aPollReadsTheRingTheQueuesAndTheirRates() throws Exception {
        FakeNodes nodes = cluster();
        try (QueuesMonitor m = new QueuesMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1))) {
            m.poll();
            QueuesSnapshot s = m.latest();
            assertThat(s.problem()).isNull();
            assertThat(s.ringFrom()).isEqualTo("q-1");
            assertThat(s.ring().partitions()).hasSize(3);
            assertThat(s.nodes()).containsExactly(new QueuesSnapshot.NodeAnswer("q-1", null));
            QueuesSnapshot.Row orders = s.queues().get(0);
            assertThat(orders.name()).isEqualTo("orders");
            assertThat(orders.info().messages()).isEqualTo(3);
            assertThat(orders.info().inFlight()).isEqualTo(1);
            assertThat(orders.deadLetterSize()).isEqualTo(4);
            assertThat(orders.rate()).as("no rate before the second poll").isNull();
            assertThat(s.queues().get(1).rate()).isNull();

            clock.advance(Duration.ofSeconds(2));
            nodes.answer(":8101/metrics", metrics(30, 6)).answer(":8100/metrics", metrics(4, 0));
            m.poll();
            assertThat(m.latest().queues().get(0).rate()).isEqualTo(new QueueRates.Rate(12, 3));
            assertThat(m.latest().queues().get(1).rate()).as("nothing counted yet").isEqualTo(new QueueRates.Rate(0, 0));
            assertThat(m.latest().lastRebalance()).isNull();
        }
    }

    @Test
    void aNodeJoiningIsARebalanceWithTheMovedPartitions() throws Exception {
        FakeNodes nodes = cluster();
        try (QueuesMonitor m = new QueuesMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1))) {
            m.poll();
            nodes.add(FakeNodes.node("q-2", 8102, "queue")).answer(":8101/queue/ring?tokens=true", RING_TWO)
                    .answer(":8102/queue/ring?tokens=true", RING_TWO);
            clock.advance(Duration.ofSeconds(1));
            m.poll();
            Rebalance r = m.latest().lastRebalance();
            assertThat(r.joined()).containsExactly("q-2");
            assertThat(r.moved()).containsExactly(new Rebalance.Move("orders/1", "q-1", "q-2"));
            assertThat(r.at()).isEqualTo(clock.instant());

            // It stays the latest while the ring stays the same.
            clock.advance(Duration.ofSeconds(1));
            m.poll();
            assertThat(m.latest().lastRebalance()).isSameAs(r);
        }
    }

    @Test
    void aNodeThatFailsIsListedWithItsReasonAndTheNextOneAnswers() throws Exception {
        FakeNodes nodes = cluster();
        nodes.add(FakeNodes.node("q-0", 8099, "queue")); // first by id, never answers
        try (QueuesMonitor m = new QueuesMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1))) {
            m.poll();
            QueuesSnapshot s = m.latest();
            assertThat(s.ringFrom()).isEqualTo("q-1");
            assertThat(s.nodes()).containsExactly(
                    new QueuesSnapshot.NodeAnswer("q-0", "/queue/ring?tokens=true: ConnectException: Connection refused"),
                    new QueuesSnapshot.NodeAnswer("q-1", null));

            nodes.answers.remove("http://127.0.0.1:8101/queue/ring?tokens=true");
            m.poll();
            assertThat(m.latest().ring()).isNull();
            assertThat(m.latest().problem()).startsWith("no queue node answered: q-0: ");
        }
    }

    @Test
    void aQueueWhoseFiguresFailSaysWhyAndNoQueueNodeIsAProblem() throws Exception {
        FakeNodes nodes = cluster();
        nodes.answers.remove("http://127.0.0.1:8101/queue/queues/orders-dlq");
        try (QueuesMonitor m = new QueuesMonitor(nodes::registry, nodes, clock, Duration.ofSeconds(1))) {
            m.poll();
            assertThat(m.latest().queues().get(0).deadLetterSize()).isNull();
            assertThat(m.latest().queues().get(1).problem()).contains("/queue/queues/orders-dlq: ConnectException");
        }
        FakeNodes none = new FakeNodes().add(FakeNodes.node("c-1", 8100, "console"));
        try (QueuesMonitor m = new QueuesMonitor(none::registry, none, clock, Duration.ofSeconds(1))) {
            m.poll();
            assertThat(m.latest().problem()).isEqualTo("no queue node is registered");
        }
        try (QueuesMonitor m = new QueuesMonitor(() -> null, none, clock, Duration.ofSeconds(1))) {
            m.poll();
            assertThat(m.latest().problem()).contains("node registry is not running");
        }
    }

    @Test
    void pollsOnlyWhileAViewListens() throws Exception {
        FakeNodes nodes = cluster();
        try (QueuesMonitor m = new QueuesMonitor(nodes::registry, nodes, clock, Duration.ofMillis(50))) {
            assertThat(m.polling()).isFalse();
            BlockingQueue<QueuesSnapshot> got = new ArrayBlockingQueue<>(100);
            Runnable stop = m.subscribe(got::offer);
            assertThat(m.polling()).isTrue();
            assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
            stop.run();
            assertThat(m.polling()).isFalse();
        }
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
