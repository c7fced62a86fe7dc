package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class QueueRatesTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    @Test
    void ratesAreTheChangeOfEveryNodesCountsPerSecond() {
        QueueRates rates = new QueueRates();
        assertThat(rates.add(T0, Map.of("n1", Map.of("orders", new long[] {10, 4})))).isEmpty();

        Map<String, QueueRates.Rate> r = rates.add(T0.plusSeconds(2), Map.of(
                "n1", Map.of("orders", new long[] {30, 8}),
                "n2", Map.of("orders", new long[] {100, 100}))); // n2 is new: counts from its next poll on

        assertThat(r).containsEntry("orders", new QueueRates.Rate(10, 2));
        r = rates.add(T0.plusSeconds(3), Map.of(
                "n1", Map.of("orders", new long[] {31, 8}, "audit", new long[] {5, 0}),
                "n2", Map.of("orders", new long[] {104, 101})));
        assertThat(r).containsEntry("orders", new QueueRates.Rate(5, 1)).containsEntry("audit", new QueueRates.Rate(5, 0));
    }

    @Test
    void aNodeWhoseCountsWentBackRestartedAndCountsFromItsNextPoll() {
        QueueRates rates = new QueueRates();
        rates.add(T0, Map.of("n1", Map.of("orders", new long[] {50, 50})));
        assertThat(rates.add(T0.plusSeconds(1), Map.of("n1", Map.of("orders", new long[] {3, 1}))))
                .containsEntry("orders", new QueueRates.Rate(0, 0));
        assertThat(rates.add(T0.plusSeconds(2), Map.of("n1", Map.of("orders", new long[] {5, 2}))))
                .containsEntry("orders", new QueueRates.Rate(2, 1));
    }

    @Test
    void aNodeThatMissedAPollCountsOverItsOwnInterval() {
        QueueRates rates = new QueueRates();
        rates.add(T0, Map.of("n1", Map.of("orders", new long[] {0, 0}), "n2", Map.of("orders", new long[] {0, 0})));
        rates.add(T0.plusSeconds(1), Map.of("n1", Map.of("orders", new long[] {10, 10}))); // n2 did not answer
        // n2 sent 10 a second all along: 30 over its 3 s, not over the last interval of 2 s (before: 25 a second in all).
        assertThat(rates.add(T0.plusSeconds(3), Map.of("n1", Map.of("orders", new long[] {30, 30}),
                "n2", Map.of("orders", new long[] {30, 30})))).containsEntry("orders", new QueueRates.Rate(20, 20));
    }
}
