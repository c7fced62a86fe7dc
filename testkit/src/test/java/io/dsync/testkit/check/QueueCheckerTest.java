package io.dsync.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dsync.testkit.check.CheckResult.Verdict;
import io.dsync.testkit.history.Event;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.HistoryRecorder;
import io.dsync.testkit.history.MalformedHistoryException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QueueCheckerTest {

    private final QueueChecker checker = QueueChecker.atLeastOnce();
    private final QueueChecker ordered = QueueChecker.atLeastOnce().withPerKeyOrder();

    @Test
    void everyAcknowledgedMessageDeliveredIsValid() {
        AtomicLong ticks = new AtomicLong();
        HistoryRecorder recorder = new HistoryRecorder(() -> ticks.addAndGet(10));
        recorder.invoke("p1", QueueOps.send("k", "m1")).ok("id-1");
        recorder.invoke("p1", QueueOps.send(null, "m2")).ok();
        HistoryRecorder.Pending poll = recorder.invoke("c1", QueueOps.deliver());
        poll.ok(QueueOps.delivered("m1", "m2"));
        recorder.invoke("c1", QueueOps.ack("m1")).ok();
        recorder.invoke("c1", QueueOps.ack("m2")).ok();
        recorder.invoke("c1", QueueOps.deliver()).ok(QueueOps.delivered());

        CheckResult result = ordered.check(recorder.history());

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.description()).isEqualTo("no lost or invented messages (sends: 2, distinct messages "
                + "delivered: 2)");
        assertThat(result.counters()).containsEntry("sendsOk", 2L).containsEntry("deliveries", 2L)
                .containsEntry("acks", 2L).containsEntry("duplicateDeliveries", 0L).containsEntry("keyOrder", 0L);
    }

    @Test
    void anAcknowledgedSendNeverDeliveredIsLost() {
        CheckResult result = checker.check(History.parse("""
                10 p1 invoke send k m1
                20 p1 ok
                30 p1 invoke send k m2
                40 p1 ok
                50 c1 invoke deliver nil
                60 c1 ok => m1
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("message m2 (key \"k\") was lost: its send by p1 completed ok at "
                + "t=40 but it was never delivered");
        assertThat(result.witness()).extracting(Event::toString)
                .containsExactly("30 p1 invoke #2 send k m2", "40 p1 ok #2 send k m2");
        assertThat(result.counter("lost")).isEqualTo(1);
    }

    @Test
    void sendsWithUnknownOutcomeMayOrMayNotBeDelivered() {
        CheckResult result = checker.check(History.parse("""
                10 p1 invoke send nil m1
                20 p1 info => timeout
                30 p2 invoke send nil m2
                40 p2 info => timeout
                45 p3 invoke send nil m3
                50 c1 invoke deliver nil
                60 c1 ok => m2
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("sendsUnknown")).isEqualTo(3);
        assertThat(result.counter("unknownSendsDelivered")).isEqualTo(1);
    }

    @Test
    void aMessageThatWasNeverSentIsInvented() {
        CheckResult result = checker.check(History.parse("""
                10 p1 invoke send nil m1
                20 p1 ok
                30 c1 invoke deliver nil
                40 c1 ok => m1,m9
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("message m9 was delivered to c1 at t=40 but never sent");
        assertThat(result.witness()).extracting(Event::toString)
                .containsExactly("30 c1 invoke #2 deliver nil", "40 c1 ok #2 deliver nil => m1,m9");
        assertThat(result.counter("invented")).isEqualTo(1);
    }

    @Test
    void aDeliveryBeforeTheSendIsInventedAndOneAfterAFailedSendIsReported() {
        CheckResult early = checker.check(History.parse("""
                10 c1 invoke deliver nil
                20 c1 ok => m1
                30 p1 invoke send nil m1
                40 p1 ok
                """));
        CheckResult afterFailure = checker.check(History.parse("""
                10 p1 invoke send nil m1
                20 p1 fail => "queue full"
                30 c1 invoke deliver nil
                40 c1 ok => m1
                """));

        assertThat(early.description()).isEqualTo("message m1 was delivered to c1 at t=20 before its send was "
                + "invoked at t=30");
        assertThat(afterFailure.description()).isEqualTo("message m1 was delivered to c1 at t=40 although its send "
                + "by p1 failed at t=20 (queue full)");
        assertThat(afterFailure.counter("deliveredAfterFailedSend")).isEqualTo(1);
    }

    @Test
    void duplicatesAreAllowedButReported() {
        CheckResult result = checker.check(History.parse("""
                10 p1 invoke send nil m1
                20 p1 ok
                30 c1 invoke deliver nil
                40 c1 ok => m1
                50 c2 invoke deliver nil
                60 c2 ok => m1
                70 c1 invoke deliver nil
                80 c1 ok => m1
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.VALID);
        assertThat(result.description()).isEqualTo("""
                no lost or invented messages (sends: 1, distinct messages delivered: 1)
                duplicates (allowed under at-least-once): messages delivered more than once: 1, extra deliveries: \
                2; m1 x3 (c1@t=40, c2@t=60, c1@t=80)""");
        assertThat(result.counter("duplicatedMessages")).isEqualTo(1);
        assertThat(result.counter("duplicateDeliveries")).isEqualTo(2);
    }

    @Test
    void messagesOfOneKeySentOneAfterTheOtherMustBeDeliveredInOrder() {
        History reordered = History.parse("""
                10 p1 invoke send k m1
                20 p1 ok
                30 p1 invoke send k m2
                40 p1 ok
                50 c1 invoke deliver nil
                60 c1 ok => m2
                70 c2 invoke deliver nil
                80 c2 ok => m1
                """);

        CheckResult result = ordered.check(reordered);

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("messages with key \"k\" delivered out of order: m1 was sent (ok "
                + "at t=20) before m2 (invoked at t=30), but m2 was delivered to c1 at t=60 before m1 was first "
                + "delivered (to c2, invoked at t=70)");
        assertThat(result.witness()).hasSize(8);
        assertThat(result.counter("keyOrder")).isEqualTo(1);
        assertThat(checker.check(reordered).verdict()).as("order not checked").isEqualTo(Verdict.VALID);
    }

    @Test
    void overlappingSendsOtherKeysAndOverlappingDeliveriesImposeNoOrder() {
        String history = """
                10 p1 invoke send k m1
                15 p2 invoke send k m2
                20 p1 ok
                25 p2 ok
                30 p1 invoke send j m3
                35 p1 ok
                40 p1 invoke send k m4
                45 p1 ok
                50 c1 invoke deliver nil
                55 c2 invoke deliver nil
                60 c1 ok => m2,m3
                70 c1 invoke deliver nil
                %d c2 ok => m4
                80 c1 ok => m1
                """;

        CheckResult overlapping = ordered.check(History.parse(history.formatted(75)));
        CheckResult beforeM1 = ordered.check(History.parse(history.formatted(65)));

        assertThat(overlapping.verdict()).as(overlapping.report()).isEqualTo(Verdict.VALID);
        assertThat(beforeM1.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(beforeM1.description()).startsWith("messages with key \"k\" delivered out of order: m1 was sent "
                + "(ok at t=20) before m4 (invoked at t=40), but m4 was delivered to c2 at t=65");
        assertThat(beforeM1.counter("keyOrder")).as("m4 after m1 only; m2 overlaps m1 and precedes m4")
                .isEqualTo(1);
    }

    @Test
    void equalTimestampsImposeNoOrder() {
        CheckResult result = ordered.check(History.parse("""
                10 p1 invoke send k m1
                20 p1 ok
                20 p2 invoke send k m2
                30 p2 ok
                40 c1 invoke deliver nil
                %d c1 ok => m2
                50 c2 invoke deliver nil
                60 c2 ok => m1
                """.formatted(45)));
        CheckResult deliveriesMeet = ordered.check(History.parse("""
                10 p1 invoke send k m1
                19 p1 ok
                20 p2 invoke send k m2
                30 p2 ok
                40 c1 invoke deliver nil
                50 c1 ok => m2
                50 c2 invoke deliver nil
                60 c2 ok => m1
                """));

        assertThat(result.verdict()).as("sends meet at t=20").isEqualTo(Verdict.VALID);
        assertThat(deliveriesMeet.verdict()).as("deliveries meet at t=50").isEqualTo(Verdict.VALID);
    }

    @Test
    void aRedeliveryAfterALaterMessageIsNotAReordering() {
        CheckResult result = ordered.check(History.parse("""
                10 p1 invoke send k m1
                20 p1 ok
                30 p1 invoke send k m2
                40 p1 ok
                50 c1 invoke deliver nil
                60 c1 ok => m1
                70 c1 invoke deliver nil
                80 c1 ok => m2
                90 c2 invoke deliver nil
                100 c2 ok => m1
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("duplicateDeliveries")).isEqualTo(1);
    }

    @Test
    void messageIdsMustBeUnique() {
        assertThatThrownBy(() -> checker.check(History.parse("""
                10 p1 invoke send nil m1
                20 p2 invoke send nil m1
                """))).isInstanceOf(MalformedHistoryException.class)
                .hasMessage("message id m1 sent twice: 10 p1 invoke #1 send nil m1 and 20 p2 invoke #2 send nil m1");
    }
}
