package io.dsync.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CacheStatsTest {

    @Test
    void derivesRequestCountAndHitRate() {
        CacheStats stats = new CacheStats(3, 1, 0, 0, 0);

        assertThat(stats.requestCount()).isEqualTo(4);
        assertThat(stats.hitRate()).isCloseTo(0.75, within(1e-9));
        assertThat(CacheStats.empty().hitRate()).isEqualTo(1.0);
        assertThat(new CacheStats(Long.MAX_VALUE, 1, 0, 0, 0).requestCount()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void minusComputesIntervalFlooredAtZero() {
        CacheStats earlier = new CacheStats(10, 5, 2, 1, 0);
        CacheStats later = new CacheStats(15, 6, 2, 4, 3);

        assertThat(later.minus(earlier)).isEqualTo(new CacheStats(5, 1, 0, 3, 3));
        assertThat(earlier.minus(later)).isEqualTo(CacheStats.empty());
    }

    @Test
    void rejectsNegativeCounters() {
        assertThatThrownBy(() -> new CacheStats(-1, 0, 0, 0, 0))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("hits must not be negative, was -1");
        assertThatThrownBy(() -> new CacheStats(0, 0, 0, -7, 0))
                .isInstanceOf(InvalidCacheRequestException.class)
                .hasMessage("invalidationsReceived must not be negative, was -7")
                .extracting(e -> ((InvalidCacheRequestException) e).parameter()).isEqualTo("invalidationsReceived");
    }
}
