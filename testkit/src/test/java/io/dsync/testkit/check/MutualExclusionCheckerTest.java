package io.dsync.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dsync.testkit.check.CheckResult.Verdict;
import io.dsync.testkit.history.Event;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.MalformedHistoryException;
import org.junit.jupiter.api.Test;

class MutualExclusionCheckerTest {

    private final MutualExclusionChecker checker = new MutualExclusionChecker();

    @Test
    void sequentialExclusiveHoldsWithIncreasingTokensAreValid() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                30 c1 invoke fenced-write L 1 a
                35 c1 ok
                40 c1 invoke release L 1
                50 c2 invoke acquire L EXCLUSIVE
                60 c1 ok
                70 c2 ok => 2
                80 c2 invoke fenced-write L 2 b
                85 c2 ok
                90 c2 invoke release L 2
                95 c2 ok
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.description()).isEqualTo("no violation: 2 holds, 2 accepted fenced writes");
        assertThat(result.counter("acquiresOk")).isEqualTo(2);
        assertThat(result.counter("releases")).isEqualTo(2);
        assertThat(result.counter("exclusiveOverlaps")).isZero();
    }

    @Test
    void overlappingExclusiveHoldsAreReportedWithBothHolds() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                30 c2 invoke acquire L EXCLUSIVE
                40 c2 ok => 2
                50 c1 invoke release L 1
                60 c1 ok
                70 c2 invoke release L 2
                80 c2 ok
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("""
                exclusive holds overlap on lock "L" from t=40 to t=50:
                  c1 held "L" EXCLUSIVE with token 1 from t=20 (acquire completed) to t=50 (release invoked)
                  c2 held "L" EXCLUSIVE with token 2 from t=40 (acquire completed) to t=70 (release invoked)""");
        assertThat(result.witness()).extracting(Event::toString).containsExactly(
                "10 c1 invoke #1 acquire L EXCLUSIVE",
                "20 c1 ok #1 acquire L EXCLUSIVE => 1",
                "30 c2 invoke #2 acquire L EXCLUSIVE",
                "40 c2 ok #2 acquire L EXCLUSIVE => 2",
                "50 c1 invoke #3 release L 1",
                "70 c2 invoke #4 release L 2");
        assertThat(result.counter("exclusiveOverlaps")).isEqualTo(1);
        assertThat(result.report()).startsWith("MutualExclusionChecker: INVALID\nexclusive holds overlap")
                .contains("events:\n  10 c1 invoke #1 acquire L EXCLUSIVE\n").contains("exclusiveOverlaps=1");
    }

    @Test
    void aHoldRunsFromTheAcquireCompletionToTheReleaseInvocation() {
        String history = """
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                25 c2 invoke acquire L EXCLUSIVE
                50 c1 invoke release L 1
                %d c2 ok => 2
                60 c1 ok
                70 c2 invoke release L 2
                """;

        assertThat(checker.check(History.parse(history.formatted(50))).verdict()).isEqualTo(Verdict.VALID);
        assertThat(checker.check(History.parse(history.formatted(49))).description())
                .startsWith("exclusive holds overlap on lock \"L\" from t=49 to t=50:");
    }

    @Test
    void holdsOnDifferentLocksOrOfTheSameClientDoNotConflict() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                30 c2 invoke acquire M EXCLUSIVE
                40 c2 ok => 1
                50 c1 invoke acquire L EXCLUSIVE
                60 c1 ok => 1
                70 c1 invoke release L 1
                80 c1 ok
                90 c1 invoke release L 1
                95 c2 invoke release M 1
                99 c1 ok
                99 c2 ok
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
    }

    @Test
    void sharedHoldsMayOverlapEachOtherButNotAnExclusiveHold() {
        String shared = """
                10 c1 invoke acquire L SHARED
                20 c1 ok => 1
                25 c2 invoke acquire L SHARED
                30 c2 ok => 2
                60 c1 invoke release L 1
                65 c1 ok
                70 c2 invoke release L 2
                75 c2 ok
                """;
        String exclusiveDuringShared = shared + """
                62 c3 invoke acquire L EXCLUSIVE
                66 c3 ok => 3
                90 c3 invoke release L 3
                """;

        assertThat(checker.check(History.parse(shared)).verdict()).isEqualTo(Verdict.VALID);
        CheckResult result = checker.check(History.parse(exclusiveDuringShared));
        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("""
                shared and exclusive holds overlap on lock "L" from t=66 to t=70:
                  c2 held "L" SHARED with token 2 from t=30 (acquire completed) to t=70 (release invoked)
                  c3 held "L" EXCLUSIVE with token 3 from t=66 (acquire completed) to t=90 (release invoked)""");
        assertThat(result.counter("sharedExclusiveOverlaps")).isEqualTo(1);
        assertThat(result.counter("exclusiveOverlaps")).isZero();
    }

    @Test
    void acquiresWithUnknownOutcomeNeverCauseAViolation() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 info => timeout
                30 c2 invoke acquire L EXCLUSIVE
                40 c2 ok => 5
                45 c3 invoke acquire L EXCLUSIVE
                50 c2 invoke release L 5
                60 c2 info => "connection lost"
                70 c4 invoke acquire L EXCLUSIVE
                80 c4 ok => 6
                85 c1 invoke release L nil
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("acquiresUnknown")).isEqualTo(2);
        assertThat(result.counter("holds")).isEqualTo(2);
    }

    @Test
    void anUnreleasedHoldLastsUntilTheClientsLastEvent() {
        String history = """
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                30 c1 invoke fenced-write L 1 a
                40 c1 ok
                %d c2 invoke acquire L EXCLUSIVE
                %d c2 ok => 2
                """;

        assertThat(checker.check(History.parse(history.formatted(100, 110))).verdict()).isEqualTo(Verdict.VALID);
        assertThat(checker.check(History.parse(history.formatted(32, 35))).description()).isEqualTo("""
                exclusive holds overlap on lock "L" at t=35:
                  c1 held "L" EXCLUSIVE with token 1 from t=20 (acquire completed) to t=40 (last event of c1, \
                never released)
                  c2 held "L" EXCLUSIVE with token 2 from t=35 (acquire completed) to t=35 (last event of c2, \
                never released)""");
    }

    @Test
    void aLeaseBoundsHoldsOfPausedClients() {
        History pausedClient = History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                150 c2 invoke acquire L EXCLUSIVE
                200 c2 ok => 2
                300 c1 invoke release L 1
                310 c1 fail => "lease expired"
                """);

        assertThat(checker.check(pausedClient).verdict()).isEqualTo(Verdict.INVALID);
        assertThat(checker.withLeaseNanos(100).check(pausedClient).verdict()).isEqualTo(Verdict.VALID);
        assertThat(checker.withLeaseNanos(250).check(pausedClient).description()).contains(
                "c1 held \"L\" EXCLUSIVE with token 1 from t=20 (acquire completed) to t=260 (lease expiry)");
    }

    @Test
    void tokensMustIncreaseInGrantOrder() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 5
                30 c1 invoke release L 5
                40 c1 ok
                50 c2 invoke acquire L EXCLUSIVE
                60 c2 ok => 4
                70 c2 invoke release L 4
                80 c2 ok
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("fencing token did not increase on lock \"L\": c2 was granted "
                + "token 4 at t=60 by an acquire invoked at t=50, after c1 had been granted token 5 at t=20");
        assertThat(result.witness()).extracting(Event::toString).containsExactly(
                "10 c1 invoke #1 acquire L EXCLUSIVE", "20 c1 ok #1 acquire L EXCLUSIVE => 5",
                "50 c2 invoke #3 acquire L EXCLUSIVE", "60 c2 ok #3 acquire L EXCLUSIVE => 4");
        assertThat(result.counter("tokenOrder")).isEqualTo(1);
    }

    @Test
    void concurrentAcquiresMayReceiveTokensInEitherOrderButNeverTheSameOne() {
        String history = """
                10 c1 invoke acquire L SHARED
                15 c2 invoke acquire L SHARED
                30 c2 ok => 1
                40 c1 ok => %d
                """;

        assertThat(checker.check(History.parse(history.formatted(2))).verdict()).isEqualTo(Verdict.VALID);
        CheckResult duplicate = checker.check(History.parse(history.formatted(1)));
        assertThat(duplicate.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(duplicate.description()).isEqualTo(
                "fencing token 1 of lock \"L\" was granted to two clients: c2 at t=30 and c1 at t=40");
        assertThat(duplicate.counter("duplicateTokens")).isEqualTo(1);
    }

    @Test
    void equalTimestampsAreConcurrentForTokensAndWrites() {
        CheckResult result = checker.check(History.parse("""
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 5
                20 c2 invoke acquire L EXCLUSIVE
                30 c1 invoke release L 5
                35 c1 ok
                40 c2 ok => 4
                60 c3 invoke fenced-write M 2 a
                65 c3 ok
                65 c4 invoke fenced-write M 1 b
                70 c4 ok
                """));

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("writesAccepted")).isEqualTo(2);
    }

    @Test
    void aReentrantAcquireKeepsItsTokenButANewGrantNeedsANewOne() {
        String history = """
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 3
                30 c1 invoke release L 3
                40 c1 %s
                50 c1 invoke acquire L EXCLUSIVE
                60 c1 ok => 3
                """;

        assertThat(checker.check(History.parse(history.formatted("fail => \"not held\""))).verdict())
                .isEqualTo(Verdict.VALID);
        CheckResult reused = checker.check(History.parse(history.formatted("ok")));
        assertThat(reused.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(reused.description()).startsWith("fencing token did not increase on lock \"L\": c1 was granted "
                + "token 3 at t=60");
    }

    @Test
    void aStaleTokenAcceptedByTheFencedResourceIsReported() {
        String history = """
                10 c1 invoke acquire L EXCLUSIVE
                20 c1 ok => 1
                30 c1 invoke release L 1
                40 c2 invoke acquire L EXCLUSIVE
                50 c2 ok => 2
                60 c2 invoke fenced-write L 2 fresh
                65 c2 ok
                70 c1 invoke #5 fenced-write L 1 late
                75 c1 %s #5
                """;

        CheckResult accepted = checker.check(History.parse(history.formatted("ok")));
        assertThat(accepted.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(accepted.description()).isEqualTo("fenced resource accepted a stale token on lock \"L\": c1 "
                + "wrote \"late\" with token 1 (invoked t=70, accepted t=75) after the write of c2 with token 2 had "
                + "been accepted at t=65");
        assertThat(accepted.witness()).extracting(Event::toString).containsExactly(
                "60 c2 invoke #4 fenced-write L 2 fresh", "65 c2 ok #4 fenced-write L 2 fresh",
                "70 c1 invoke #5 fenced-write L 1 late", "75 c1 ok #5 fenced-write L 1 late");
        assertThat(accepted.counter("staleWrites")).isEqualTo(1);

        CheckResult rejected = checker.check(History.parse(history.formatted("fail")));
        assertThat(rejected.verdict()).as(rejected.report()).isEqualTo(Verdict.VALID);
        assertThat(rejected.counter("writesRejected")).isEqualTo(1);
    }

    @Test
    void concurrentWritesMayBeAcceptedInEitherOrder() {
        CheckResult result = checker.check(History.parse("""
                10 c2 invoke fenced-write L 2 b
                11 c1 invoke fenced-write L 1 a
                20 c2 ok
                21 c1 ok
                30 c3 invoke fenced-write L 3 c
                35 c3 info
                40 c1 invoke fenced-write L 1 again
                45 c1 ok
                """));

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).contains("c1 wrote \"again\" with token 1 (invoked t=40");
        assertThat(result.counter("staleWrites")).as("only the write after c2's completed one").isEqualTo(1);
        assertThat(result.counter("writesUnknown")).isEqualTo(1);
    }

    @Test
    void theEarliestOfSeveralViolationsIsReportedAndAllAreCounted() {
        CheckResult result = checker.check(History.parse("""
                10 c2 invoke fenced-write L 2 b
                20 c2 ok
                30 c1 invoke fenced-write L 1 a
                40 c1 ok
                50 c1 invoke acquire L EXCLUSIVE
                60 c1 ok => 7
                70 c2 invoke acquire L EXCLUSIVE
                80 c2 ok => 7
                90 c1 invoke release L 7
                """));

        assertThat(result.description()).startsWith("fenced resource accepted a stale token");
        assertThat(result.counter("staleWrites")).isEqualTo(1);
        assertThat(result.counter("exclusiveOverlaps")).isEqualTo(1);
        assertThat(result.counter("duplicateTokens")).isEqualTo(1);
    }

    @Test
    void rejectsTokensThatAreNotNumbers() {
        assertThatThrownBy(() -> checker.check(History.parse("10 c1 invoke acquire L EXCLUSIVE\n20 c1 ok => abc")))
                .isInstanceOf(MalformedHistoryException.class)
                .hasMessage("fencing token is not a number: 20 c1 ok #1 acquire L EXCLUSIVE => abc");
        assertThatThrownBy(() -> checker.check(History.parse("10 c1 invoke acquire L BOTH\n20 c1 ok => 1")))
                .hasMessage("acquire mode must be SHARED or EXCLUSIVE: 10 c1 invoke #1 acquire L BOTH");
    }
}
