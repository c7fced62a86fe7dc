package io.dsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class OutageClockTest {

    private final List<Long> outages = new ArrayList<>();
    private final OutageClock clock = new OutageClock(outages::add);

    @Test
    void anOutageLastsFromTheEarliestFailedCallToTheNextSuccess() {
        long now = System.nanoTime();
        clock.succeeded();
        assertThat(outages).as("no outage, nothing to report").isEmpty();
        clock.failed(now - TimeUnit.SECONDS.toNanos(2));
        clock.failed(now - TimeUnit.SECONDS.toNanos(3));
        clock.failed(now - TimeUnit.SECONDS.toNanos(1));
        assertThat(clock.inOutage()).isTrue();
        clock.succeeded();
        clock.succeeded();
        assertThat(outages).singleElement().satisfies(n -> assertThat(n).isBetween(TimeUnit.SECONDS.toNanos(3),
                TimeUnit.SECONDS.toNanos(3) + System.nanoTime() - now));
        assertThat(clock.inOutage()).isFalse();
    }

    @Test
    void concurrentSuccessesReportAnOutageOnce() throws InterruptedException {
        List<Long> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        OutageClock shared = new OutageClock(seen::add);
        for (int round = 0; round < 200; round++) {
            shared.failed(System.nanoTime());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    shared.succeeded();
                });
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
        assertThat(seen).hasSize(200);
    }
}
