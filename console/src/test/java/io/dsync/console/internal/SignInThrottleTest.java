package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class SignInThrottleTest {

    private final MutableClock clock = new MutableClock();
    private final SignInThrottle throttle = new SignInThrottle(clock, 3, Duration.ofSeconds(30), 100);

    @Test
    void anAddressGetsItsBudgetInARowThenOneAttemptPerRefillPeriod() {
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.waitBefore("10.0.0.1", "u" + i)).isZero();
            throttle.failed("10.0.0.1", "u" + i);
        }
        assertThat(throttle.waitBefore("10.0.0.1", "someone")).isEqualTo(Duration.ofSeconds(10));
        assertThat(throttle.waitBefore("10.0.0.2", "someone")).as("another address").isZero();
        clock.advance(Duration.ofSeconds(4));
        assertThat(throttle.waitBefore("10.0.0.1", "someone")).isEqualTo(Duration.ofSeconds(6));
        clock.advance(Duration.ofSeconds(6));
        assertThat(throttle.waitBefore("10.0.0.1", "someone")).isZero();
        throttle.failed("10.0.0.1", "someone");
        assertThat(throttle.waitBefore("10.0.0.1", "someone")).as("one attempt per period, no burst").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aNameIsLimitedAcrossAddressesCaseInsensitively() {
        throttle.failed("10.0.0.1", "Alice");
        throttle.failed("10.0.0.2", "alice");
        throttle.failed("10.0.0.3", "ALICE");
        assertThat(throttle.waitBefore("10.0.0.4", "alice")).isPositive();
        assertThat(throttle.waitBefore("10.0.0.4", "bob")).isZero();
    }

    @Test
    void aSuccessClearsTheAddressAndTheName() {
        for (int i = 0; i < 3; i++) {
            throttle.failed("10.0.0.1", "alice");
        }
        throttle.succeeded("10.0.0.1", "alice");
        assertThat(throttle.waitBefore("10.0.0.1", "alice")).isZero();
    }

    @Test
    void theBudgetRefillsToItsCapOnly() {
        throttle.failed("10.0.0.1", "a");
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.waitBefore("10.0.0.1", "n" + i)).isZero();
            throttle.failed("10.0.0.1", "n" + i);
        }
        assertThat(throttle.waitBefore("10.0.0.1", "x")).isPositive();
    }

    @Test
    void theTableForgetsTheLeastRecentlyUsedKeysBeyondItsSize() {
        SignInThrottle small = new SignInThrottle(clock, 1, Duration.ofMinutes(1), 4);
        small.failed("10.0.0.1", "a");
        assertThat(small.waitBefore("10.0.0.1", "z")).isPositive();
        small.failed("10.0.0.2", "b");
        small.failed("10.0.0.3", "c");
        assertThat(small.waitBefore("10.0.0.1", "z")).as("forgotten after 6 keys in a table of 4").isZero();
        assertThat(small.waitBefore("10.0.0.3", "z")).isPositive();
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-04T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
