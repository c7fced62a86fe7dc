package io.dsync.queue.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Settlement;

/**
 * A large partition is served in O(log n) per entry touched: 100,000 entries, half of them behind few
 * hot keys, appended, delivered, expired, redelivered and acknowledged. A call that scanned the partition
 * would make this quadratic (about 10^10 steps), which the generous timeout catches without measuring
 * anything precise.
 */
class ScaleTest {

    private static final int N = 100_000;

    @Test
    void aLargePartitionIsServedWithoutScans() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            PartitionState p = new PartitionState(5);
            for (int i = 0; i < N; i++) {
                p.append(new EntryId(1_000 + i / 10, i % 10), i % 2 == 0 ? null : "hot-" + (i % 7));
            }
            long now = 10_000;
            // Every delivery expires once, then is delivered again and acknowledged.
            List<Grant> first = p.take(N, now, 100);
            assertThat(p.nextDeadline()).isEqualTo(now + 100);
            int acked = 0;
            while (p.size() > 0) {
                now += 100;
                for (Grant g : p.take(1_000, now, 100)) {
                    assertThat(p.ack(g.entry(), g.attempt())).isEqualTo(Settlement.ACKED);
                    acked++;
                }
                assertThat(p.stats(now).size()).isEqualTo(N - acked);
            }
            assertThat(first).hasSize(N / 2 + 7);
            assertThat(acked).isEqualTo(N);
        });
    }
}
