package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CacheHistoryTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

    private static CacheFigures.Stats stats(long hits, long misses, long invalidations, long writeBacks) {
        return new CacheFigures.Stats(hits, misses, invalidations, writeBacks, 0, Map.of());
    }

    @Test
    void ratesAndTheHitRatioOfTheReadsBetweenTwoPolls() {
        CacheHistory h = new CacheHistory(3);
        assertThat(h.add(T0, Map.of("a", stats(10, 10, 0, 0))).values()).isEmpty();

        MetricsHistory.Point p = h.add(T0.plusSeconds(2), Map.of("a", stats(19, 11, 4, 2), "b", stats(100, 0, 0, 0)));

        assertThat(p.values()).containsEntry(MetricsSeries.CACHE_VIEW_HIT_RATIO, 90.0)
                .containsEntry(MetricsSeries.CACHE_VIEW_INVALIDATIONS, 2.0)
                .containsEntry(MetricsSeries.CACHE_VIEW_WRITE_BACKS, 1.0);
        // No reads: no ratio, but rates of 0. A restarted node (counts back) counts from its next poll.
        p = h.add(T0.plusSeconds(3), Map.of("a", stats(19, 11, 4, 2), "b", stats(1, 0, 0, 0)));
        assertThat(p.values()).doesNotContainKey(MetricsSeries.CACHE_VIEW_HIT_RATIO)
                .containsEntry(MetricsSeries.CACHE_VIEW_INVALIDATIONS, 0.0);
        h.add(T0.plusSeconds(4), Map.of());
        assertThat(h.points()).hasSize(3);
        assertThat(h.points().get(0).at()).isEqualTo(T0.plusSeconds(2));
    }
}
