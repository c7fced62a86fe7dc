package io.dsync.testkit.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.dsync.testkit.check.LinearizabilityChecker;
import io.dsync.testkit.check.RegisterOps;

class ScenarioTest {

    /** A register that is atomic, unless told to serve a stale copy; and that can be made unavailable. */
    static final class Register {
        final AtomicReference<String> value = new AtomicReference<>();
        volatile String stale;
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicInteger refused = new AtomicInteger();
        volatile boolean lie;

        String read() throws Exception {
            check();
            return lie && stale != null ? stale : value.get();
        }

        String write(String v) throws Exception {
            check();
            stale = value.getAndSet(v);
            return null;
        }

        private void check() throws Exception {
            if (down.get()) {
                refused.incrementAndGet();
                Thread.sleep(5);
                throw new Scenario.DefiniteFailure("unavailable");
            }
        }
    }

    static ScenarioReport run(Register register) throws InterruptedException {
        return Scenario.builder("register")
                .clients(3)
                .duration(Duration.ofMillis(900))
                .pauseBetweenSteps(Duration.ofMillis(2))
                .workload(c -> {
                    if (c.random().nextBoolean()) {
                        c.call(RegisterOps.read("k"), register::read);
                    } else {
                        String v = c.process() + "-" + c.random().nextInt(1000);
                        c.call(RegisterOps.write("k", v), () -> register.write(v));
                    }
                })
                .fault(Duration.ofMillis(300), "register down", () -> {
                    register.down.set(true);
                    // The outage must be met by a client before it ends, however the threads are scheduled.
                    await().atMost(Duration.ofSeconds(10)).until(() -> register.refused.get() > 0);
                })
                .fault(Duration.ofMillis(500), "register up", () -> register.down.set(false))
                .checker(new LinearizabilityChecker())
                .run();
    }

    @Test
    void aCorrectSystemPassesAndFaultsGetRecoveryTimes() throws Exception {
        ScenarioReport report = run(new Register());
        assertThat(report.valid()).as(report.summary()).isTrue();
        long[] outcomes = report.outcomes();
        assertThat(outcomes[0]).as("ok operations").isGreaterThan(10);
        assertThat(outcomes[1]).as("failed operations while down").isGreaterThan(0);
        assertThat(report.faults()).extracting(ScenarioReport.Fault::name).containsExactly("register down", "register up");
        ScenarioReport.Fault down = report.fault("register down").orElseThrow();
        ScenarioReport.Fault up = report.fault("register up").orElseThrow();
        // Nothing succeeds while the register is down, so recovery from "down" ends after "up".
        assertThat(report.recoveryNanos(down).getAsLong()).isGreaterThanOrEqualTo(up.startedNanos() - down.startedNanos() - down.tookNanos());
        assertThat(report.recoveryNanos(up).getAsLong()).isLessThan(Duration.ofMillis(300).toNanos());
        assertThat(report.summary()).contains("register down").contains("recovered in");
    }

    @Test
    void aSystemServingStaleReadsIsCaught() throws Exception {
        Register register = new Register();
        register.lie = true;
        ScenarioReport report = run(register);
        assertThat(report.valid()).isFalse();
        assertThat(report.results()).anyMatch(r -> !r.isValid());
    }

    @Test
    void recoveryCountsOnlyTheChosenOperationTypes() throws Exception {
        Register register = new Register();
        ScenarioReport report = Scenario.builder("local ops")
                .clients(2)
                .duration(Duration.ofMillis(600))
                .pauseBetweenSteps(Duration.ofMillis(2))
                .recoveryTypes(RegisterOps.WRITE)
                .workload(c -> {
                    c.call(RegisterOps.read("local"), () -> "always");
                    c.call(RegisterOps.write("k", c.process()), () -> register.write(c.process()));
                })
                .fault(Duration.ofMillis(200), "down", () -> register.down.set(true))
                .fault(Duration.ofMillis(400), "up", () -> register.down.set(false))
                .run();
        ScenarioReport.Fault down = report.fault("down").orElseThrow();
        ScenarioReport.Fault up = report.fault("up").orElseThrow();
        assertThat(report.recoveryNanos(down).getAsLong())
                .as("the local reads that kept succeeding do not count")
                .isGreaterThanOrEqualTo(up.startedNanos() - down.startedNanos() - down.tookNanos());
    }

    @Test
    void aFaultThatThrowsMakesTheRunInvalid() throws Exception {
        ScenarioReport report = Scenario.builder("broken fault").clients(1).duration(Duration.ofMillis(100))
                .workload(c -> Thread.sleep(5))
                .fault(Duration.ofMillis(10), "explode", () -> {
                    throw new IllegalStateException("boom");
                })
                .run();
        assertThat(report.valid()).isFalse();
        assertThat(report.summary()).contains("ACTION FAILED: java.lang.IllegalStateException: boom");
    }

    @Test
    void aFaultWhoseAssertionFailsIsReportedAndTheLaterFaultsStillRun() throws Exception {
        AtomicBoolean later = new AtomicBoolean();
        ScenarioReport report = Scenario.builder("failed assertion").clients(1).duration(Duration.ofMillis(200))
                .workload(c -> Thread.sleep(5))
                .fault(Duration.ofMillis(10), "assert", () -> assertThat(1).as("one").isEqualTo(2))
                .fault(Duration.ofMillis(50), "later", () -> later.set(true))
                .run();
        assertThat(report.valid()).isFalse();
        assertThat(report.fault("assert").orElseThrow().error()).contains("[one]").contains("expected: 2");
        assertThat(report.fault("later")).isPresent();
        assertThat(later).isTrue();
    }

    /** Writes for 200 ms planned, with an outage from 100 ms that lasts 300 ms: past the planned end. */
    private static ScenarioReport slowOutage(Duration settle) throws InterruptedException {
        Register register = new Register();
        return Scenario.builder("slow fault").clients(2).duration(Duration.ofMillis(200))
                .pauseBetweenSteps(Duration.ofMillis(2))
                .workload(c -> c.call(RegisterOps.write("k", c.process()), () -> register.write(c.process())))
                .fault(Duration.ofMillis(100), "slow outage", () -> {
                    register.down.set(true);
                    Thread.sleep(300);
                    register.down.set(false);
                })
                .settleAfterFaults(settle)
                .run();
    }

    @Test
    void clientsSettleAfterAFaultThatOutlastsThePlannedRun() throws Exception {
        ScenarioReport report = slowOutage(Duration.ofMillis(150));
        ScenarioReport.Fault outage = report.fault("slow outage").orElseThrow();
        assertThat(outage.atNanos() + outage.tookNanos()).as("the fault ended after the planned run")
                .isGreaterThan(Duration.ofMillis(200).toNanos());
        assertThat(report.recoveryNanos(outage)).as("writes succeeded after the outage").isPresent();
        assertThat(report.duration()).as("the run lasted until the settling time after the fault")
                .isGreaterThanOrEqualTo(Duration.ofMillis(550));
    }

    @Test
    void withoutSettlingTheRunEndsAtItsPlannedTime() throws Exception {
        ScenarioReport report = slowOutage(Duration.ZERO);
        assertThat(report.recoveryNanos(report.fault("slow outage").orElseThrow())).isEmpty();
    }

    @Test
    void aSlowFaultShiftsTheLaterOnesOnlyWhenAskedTo() throws Exception {
        for (boolean shift : new boolean[] {false, true}) {
            Scenario.Builder b = Scenario.builder("shift").clients(1).duration(Duration.ofMillis(400))
                    .pauseBetweenSteps(Duration.ofMillis(5))
                    .workload(c -> c.call(RegisterOps.read("k"), () -> null))
                    .fault(Duration.ofMillis(50), "slow", () -> Thread.sleep(300))
                    .fault(Duration.ofMillis(100), "next", () -> { })
                    .settleAfterFaults(Duration.ofMillis(50));
            ScenarioReport report = (shift ? b.shiftLaterFaultsBySlowActions() : b).run();
            long next = report.fault("next").orElseThrow().atNanos();
            if (shift) {
                assertThat(next).as("its planned 50 ms after the slow one returned").isGreaterThanOrEqualTo(
                        Duration.ofMillis(400).toNanos());
            } else {
                assertThat(next).as("at once: its planned time had passed").isLessThan(Duration.ofMillis(400).toNanos());
            }
        }
    }
}
