package io.dsync.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.dsync.testkit.check.CheckResult.Verdict;
import io.dsync.testkit.history.Call;
import io.dsync.testkit.history.Event;
import io.dsync.testkit.history.EventType;
import io.dsync.testkit.history.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private CheckResult check(String history) {
        return checker.check(History.parse(history));
    }

    @Test
    void sequentialReadsOfTheLastWriteAreValid() {
        CheckResult result = check("""
                10 a invoke read x
                11 a ok => nil
                20 a invoke write x 1
                21 a ok
                30 b invoke read x
                31 b ok => 1
                40 b invoke write x nil
                41 b ok
                50 a invoke read x
                51 a ok => nil
                """);

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.description()).isEqualTo("every key is linearizable (keys: 1)");
        assertThat(result.counters()).containsEntry("keys", 1L).containsEntry("calls", 5L).containsEntry("ok", 5L);
    }

    @Test
    void aStaleReadAfterACompletedWriteIsInvalid() {
        CheckResult result = check("""
                10 a invoke write x 1
                20 a ok
                30 b invoke write x 2
                40 b ok
                50 c invoke read x
                60 c ok => 1
                """);

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).isEqualTo("""
                key "x" is not linearizable: no linearization of its history explains
                  60 c ok #3 read x => 1
                smallest failing window found: 2 calls, t=30..60, register value at its start: any; calls still \
                open at t=60 count as unknown""");
        assertThat(result.witness()).extracting(Event::toString).containsExactly(
                "30 b invoke #2 write x 2", "40 b ok #2 write x 2", "50 c invoke #3 read x",
                "60 c ok #3 read x => 1");
        assertThat(result.counter("keysInvalid")).isEqualTo(1);
    }

    @Test
    void concurrentWritesMayBeSeenInEitherOrder() {
        String concurrent = """
                10 a invoke write x 1
                11 b invoke write x 2
                12 c invoke read x
                13 d invoke read x
                20 a ok
                21 b ok
                22 c ok => %s
                23 d ok => %s
                30 c invoke read x
                31 c ok => %s
                """;

        assertThat(check(concurrent.formatted("1", "2", "2")).verdict()).isEqualTo(Verdict.VALID);
        assertThat(check(concurrent.formatted("2", "1", "1")).verdict()).isEqualTo(Verdict.VALID);
        assertThat(check(concurrent.formatted("nil", "2", "1")).verdict()).isEqualTo(Verdict.VALID);
        CheckResult flipBack = check(concurrent.formatted("1", "2", "1") + """
                40 d invoke read x
                41 d ok => 2
                """);
        assertThat(flipBack.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(flipBack.description()).contains("41 d ok #6 read x => 2");
    }

    @Test
    void callsMeetingAtTheSameTimestampAreConcurrent() {
        String history = """
                10 a invoke write x 1
                20 a ok
                %d b invoke read x
                30 b ok => nil
                """;

        assertThat(check(history.formatted(20)).verdict()).isEqualTo(Verdict.VALID);
        assertThat(check(history.formatted(21)).verdict()).isEqualTo(Verdict.INVALID);
    }

    @Test
    void readingAValueNeverWrittenIsInvalid() {
        CheckResult result = check("""
                10 a invoke write x 1
                15 b invoke read x
                20 a ok
                25 b ok => 7
                """);

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).startsWith("""
                key "x" is not linearizable: no linearization of its history explains
                  25 b ok #2 read x => 7
                smallest failing window found: 2 calls, t=10..25, register value at its start: nil (initial)""");
    }

    @Test
    void compareAndSetSwapsOnlyTheExpectedValue() {
        String prefix = """
                10 a invoke write x 1
                20 a ok
                """;

        assertThat(check(prefix + """
                30 b invoke cas x 1 2
                40 b ok
                50 c invoke read x
                60 c ok => 2
                """).verdict()).isEqualTo(Verdict.VALID);
        assertThat(check("""
                10 b invoke cas x nil 1
                20 b ok
                30 c invoke read x
                40 c ok => 1
                """).verdict()).as("absent is expected as nil").isEqualTo(Verdict.VALID);
        CheckResult wrongExpectation = check(prefix + """
                30 b invoke cas x 0 2
                40 b ok
                """);
        assertThat(wrongExpectation.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(wrongExpectation.description()).contains("40 b ok #2 cas x 0 2");
    }

    @Test
    void twoConcurrentCompareAndSetsFromTheSameValueCannotBothSucceed() {
        String history = """
                10 a invoke write x 1
                20 a ok
                30 b invoke cas x 1 2
                31 c invoke cas x 1 3
                40 b ok
                41 c %s
                """;

        assertThat(check(history.formatted("fail")).verdict()).isEqualTo(Verdict.VALID);
        assertThat(check(history.formatted("info")).verdict()).isEqualTo(Verdict.VALID);
        CheckResult both = check(history.formatted("ok"));
        assertThat(both.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(both.description()).contains("41 c ok #3 cas x 1 3");
    }

    @Test
    void failedOperationsNeverTookEffect() {
        CheckResult failedCas = check("""
                10 a invoke write x 1
                20 a ok
                30 b invoke cas x 1 2
                40 b fail => rejected
                50 c invoke read x
                60 c ok => 2
                """);
        CheckResult failedWrite = check("""
                10 a invoke write x 5
                20 a fail
                50 c invoke read x
                60 c ok => 5
                """);

        assertThat(failedCas.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(failedWrite.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(failedWrite.counter("fail")).isEqualTo(1);
    }

    @Test
    void operationsWithUnknownOutcomeMayTakeEffectAtAnyLaterTimeOrNever() {
        String history = """
                10 a invoke write x 1
                20 a ok
                30 b invoke write x 2
                40 b info => timeout
                45 d invoke cas x 1 3
                100 c invoke read x
                110 c ok => %s
                120 c invoke read x
                130 c ok => %s
                """;

        assertThat(check(history.formatted("1", "1")).verdict()).as("never happened").isEqualTo(Verdict.VALID);
        assertThat(check(history.formatted("1", "2")).verdict()).as("happened after its timeout")
                .isEqualTo(Verdict.VALID);
        assertThat(check(history.formatted("3", "2")).verdict()).as("pending cas, then the late write")
                .isEqualTo(Verdict.VALID);
        CheckResult backToOld = check(history.formatted("2", "1"));
        assertThat(backToOld.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(backToOld.description()).contains("130 c ok #5 read x => 1");
        assertThat(backToOld.counter("unknown")).isEqualTo(2);
    }

    @Test
    void keysAreCheckedIndependentlyAndTheEarliestFailureIsReported() {
        CheckResult result = check("""
                10 a invoke write x 1
                11 b invoke write y 1
                12 e invoke acquire L EXCLUSIVE
                20 a ok
                21 b ok
                30 c invoke read y
                31 c ok => 1
                40 d invoke read x
                41 d ok => 9
                50 c invoke read y
                51 c ok => 8
                """);

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).startsWith("key \"x\" is not linearizable").contains("41 d ok #5 read x => 9")
                .endsWith("(2 keys are not linearizable, see counters)");
        assertThat(result.counters()).containsEntry("keys", 2L).containsEntry("keysInvalid", 2L)
                .containsEntry("ignoredCalls", 1L);
        assertThat(checker.check(History.parse("""
                10 a invoke write x 1
                11 b invoke write y 1
                20 a ok
                21 b ok
                30 c invoke read y
                31 c ok => 1
                """)).verdict()).isEqualTo(Verdict.VALID);
    }

    @Test
    void theWindowLeavesOutTheValidPastBeforeAQuiescentPoint() {
        StringBuilder history = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            history.append(100 * i).append(" a invoke write x ").append(i).append('\n')
                    .append(100 * i + 10).append(" a ok\n")
                    .append(100 * i + 20).append(" b invoke read x\n")
                    .append(100 * i + 30).append(" b ok => ").append(i).append('\n');
        }
        history.append("""
                5000 a invoke write x 50
                5005 b invoke read x
                5010 a ok
                5020 b ok => 50
                5030 c invoke read x
                5040 c ok => 49
                """);

        CheckResult result = check(history.toString());

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.witness()).extracting(Event::toString).containsExactly(
                "5000 a invoke #101 write x 50", "5005 b invoke #102 read x", "5010 a ok #101 write x 50",
                "5020 b ok #102 read x => 50", "5030 c invoke #103 read x", "5040 c ok #103 read x => 49");
        assertThat(result.description()).contains("smallest failing window found: 3 calls, t=5000..5040");
    }

    @Test
    void theWindowIsNotCutWhereTheRestIsLinearizableFromSomeValue() {
        CheckResult result = check("""
                10 a invoke write x 5
                20 a ok
                30 r invoke read x
                31 c invoke cas x 0 2
                32 w invoke write x nil
                40 r ok => nil
                50 c ok
                """);

        // From t=30 on, starting at 0 explains everything (cas, then the pending write, then the read): the
        // violation needs the write of 5, so the window must start at t=10.
        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).contains("50 c ok #3 cas x 0 2").contains("smallest failing window found: 4 "
                + "calls, t=10..50, register value at its start: nil (initial)");
    }

    @Test
    void anInitialValueCanBeConfigured() {
        History history = History.parse("10 a invoke read x\n20 a ok => 0");

        assertThat(checker.check(history).verdict()).isEqualTo(Verdict.INVALID);
        assertThat(checker.withInitialValue("0").check(history).verdict()).isEqualTo(Verdict.VALID);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void aSimulatedAtomicRegisterIsAcceptedAndAStaleReadMutationRejected(long seed) {
        History valid = RegisterSimulation.run(seed, 5, 3, 150);

        CheckResult accepted = checker.check(valid);

        assertThat(accepted.verdict()).as(accepted.report()).isEqualTo(Verdict.VALID);
        assertThat(accepted.counters()).containsEntry("keys", 3L).containsEntry("calls", 750L);
        assertThat(accepted.counter("unknown")).isPositive();
        assertThat(accepted.counter("fail")).isPositive();

        Event staleRead = mutateOneReadToAStaleValue(valid);
        History mutated = History.of(valid.events().stream()
                .map(e -> e.opId() == staleRead.opId() && e.type() == EventType.OK ? staleRead : e).toList());
        CheckResult rejected = checker.check(mutated);

        assertThat(rejected.verdict()).as(mutated.dump()).isEqualTo(Verdict.INVALID);
        assertThat(rejected.description()).startsWith("key \"" + staleRead.operation().key() + "\" is not "
                + "linearizable: no linearization of its history explains\n  " + staleRead + "\n");
        assertThat(rejected.witness()).contains(staleRead).hasSizeLessThan(valid.size() / 3);
    }

    /**
     * Finds an ok read R and a value v written by an ok call W, such that an ok call W2 writing another value
     * started after W completed and completed before R started: R cannot read v, since values are unique.
     */
    private static Event mutateOneReadToAStaleValue(History history) {
        List<Call> writes = new ArrayList<>();
        for (Call call : history.calls()) {
            if (call.isOk() && !call.type().equals(RegisterOps.READ)) {
                writes.add(call);
            }
        }
        for (Call read : history.calls()) {
            if (!read.isOk() || !read.type().equals(RegisterOps.READ) || read.invokeTime() < 500) {
                continue;
            }
            for (Call w2 : writes) {
                if (!Objects.equals(w2.key(), read.key()) || w2.completionTime() >= read.invokeTime()) {
                    continue;
                }
                for (Call w : writes) {
                    if (Objects.equals(w.key(), read.key()) && w.completionTime() < w2.invokeTime()) {
                        String stale = written(w);
                        if (!Objects.equals(stale, written(w2)) && !Objects.equals(stale, read.result())) {
                            Event original = read.completion();
                            return new Event(original.time(), original.process(), EventType.OK, original.opId(),
                                    original.operation(), stale);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no read to mutate in\n" + history.dump());
    }

    private static String written(Call call) {
        return call.type().equals(RegisterOps.CAS) ? call.operation().arg(1) : call.operation().arg(0);
    }

    @Test
    void theSearchBudgetYieldsUnknownInsteadOfHanging() {
        StringBuilder history = new StringBuilder();
        int writers = 24;
        for (int i = 0; i < writers; i++) {
            history.append(i + 1).append(" w").append(i).append(" invoke #").append(i + 1).append(" write x v")
                    .append(i).append('\n');
        }
        for (int i = 0; i < writers; i++) {
            history.append(100 + i).append(" w").append(i).append(" ok #").append(i + 1).append('\n');
        }
        history.append("200 r invoke read x\n201 r ok => never\n");
        History hard = History.parse(history.toString() + "300 s invoke read y\n301 s ok => nil\n");

        CheckResult result = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> checker.withBudget(20_000).check(hard));

        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.description()).isEqualTo("search budget of 20000 steps exhausted on key \"x\" (25 calls); "
                + "1 of 2 keys undecided, no violation found");
        assertThat(result.counter("searchSteps")).as("budget on x, plus y").isBetween(20_000L, 20_010L);
        assertThat(result.counter("keysUnknown")).isEqualTo(1);

        History hardAndInvalid = History.parse(history.toString() + "300 s invoke read y\n301 s ok => 1\n");
        assertThat(checker.withBudget(20_000).check(hardAndInvalid).verdict()).as("a proven violation wins")
                .isEqualTo(Verdict.INVALID);
    }

    @Test
    void aSmallerHardHistoryIsDecidedWithinTheDefaultBudget() {
        StringBuilder history = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            history.append(i + 1).append(" w").append(i).append(" invoke write x v").append(i).append('\n');
        }
        for (int i = 0; i < 10; i++) {
            history.append(100 + i).append(" w").append(i).append(" ok\n");
        }
        history.append("200 r invoke read x\n201 r ok => never\n");

        CheckResult result = check(history.toString());

        assertThat(result.verdict()).isEqualTo(Verdict.INVALID);
        assertThat(result.description()).contains("201 r ok #11 read x => never");
    }
}
