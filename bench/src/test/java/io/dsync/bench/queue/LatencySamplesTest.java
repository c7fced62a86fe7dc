package io.dsync.bench.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LatencySamplesTest {

    @Test
    void percentilesAreNearestRankOverTheSamplesOfAllThreads() throws InterruptedException {
        LatencySamples samples = new LatencySamples();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            // 1..1000 spread over four threads: thread t records t+1, t+5, t+9, ...
            Thread thread = new Thread(() -> {
                for (int v = 1 + offset; v <= 1000; v += 4) {
                    samples.record(v);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread t : threads) {
            t.join();
        }

        LatencySamples.Summary s = samples.summary();

        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.p50()).isEqualTo(500);
        assertThat(s.p90()).isEqualTo(900);
        assertThat(s.p99()).isEqualTo(990);
        assertThat(s.max()).isEqualTo(1000);
    }

    @Test
    void nothingRecordedIsAllZeros() {
        assertThat(new LatencySamples().summary()).isEqualTo(new LatencySamples.Summary(0, 0, 0, 0, 0));
    }

    @Test
    void oneSampleIsEveryPercentile() {
        LatencySamples samples = new LatencySamples();
        samples.record(7);
        assertThat(samples.summary()).isEqualTo(new LatencySamples.Summary(1, 7, 7, 7, 7));
    }
}
