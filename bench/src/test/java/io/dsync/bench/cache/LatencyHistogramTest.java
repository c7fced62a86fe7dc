package io.dsync.bench.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesAreWithinOnePercentOfTheExactOnes() {
        LatencyHistogram h = new LatencyHistogram();
        LatencyHistogram other = new LatencyHistogram();
        SplittableRandom random = new SplittableRandom(7);
        long[] all = new long[200_000];
        for (int i = 0; i < all.length; i++) {
            all[i] = (long) Math.exp(random.nextDouble() * Math.log(50_000_000));
            (i % 2 == 0 ? h : other).record(all[i]);
        }
        h.add(other);
        java.util.Arrays.sort(all);
        assertThat(h.count()).isEqualTo(all.length);
        for (double p : new double[] {0.5, 0.9, 0.99, 0.999}) {
            long exact = all[(int) Math.ceil(all.length * p) - 1];
            assertThat((double) h.percentile(p)).as("p%s", p).isCloseTo(exact, within(exact * 0.01 + 1));
        }
    }

    @Test
    void smallValuesAreExactAndEveryBucketMapsBackToItself() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(3);
        h.record(5);
        h.record(100);
        assertThat(h.percentile(0.5)).isEqualTo(5);
        assertThat(h.percentile(1.0)).isEqualTo(100);
        assertThat(new LatencyHistogram().percentile(0.5)).isZero();
        for (long v : new long[] {127, 128, 255, 256, 1_000_003, Long.MAX_VALUE / 3}) {
            assertThat(LatencyHistogram.index(LatencyHistogram.middle(LatencyHistogram.index(v))))
                    .isEqualTo(LatencyHistogram.index(v));
        }
    }
}
