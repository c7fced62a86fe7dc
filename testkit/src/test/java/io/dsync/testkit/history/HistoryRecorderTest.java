package io.dsync.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    private final AtomicLong ticks = new AtomicLong();
    private final HistoryRecorder recorder = new HistoryRecorder(() -> ticks.addAndGet(10));

    @Test
    void recordsInvocationsAndCompletionsWithClockTimes() {
        HistoryRecorder.Pending write = recorder.invoke("c1", Operation.of("write", "x", "1"));
        HistoryRecorder.Pending read = recorder.invoke("c2", Operation.of("read", "x"));
        HistoryRecorder.Pending cas = recorder.invoke("c3", Operation.of("cas", "x", "1", "2"));
        HistoryRecorder.Pending lost = recorder.invoke("c4", Operation.of("write", "x", "3"));
        write.ok();
        read.ok("1");
        cas.fail("mismatch");
        lost.info("timeout");
        recorder.invoke("c5", Operation.of("read", "x"));

        History history = recorder.history();

        assertThat(history.dump()).isEqualTo("""
                10 c1 invoke #1 write x 1
                20 c2 invoke #2 read x
                30 c3 invoke #3 cas x 1 2
                40 c4 invoke #4 write x 3
                50 c1 ok #1 write x 1
                60 c2 ok #2 read x => 1
                70 c3 fail #3 cas x 1 2 => mismatch
                80 c4 info #4 write x 3 => timeout
                90 c5 invoke #5 read x
                """);
        assertThat(history.calls()).extracting(Call::outcome).containsExactly(EventType.OK, EventType.OK,
                EventType.FAIL, EventType.INFO, EventType.INFO);
        assertThat(history.calls().get(4).isPending()).isTrue();
        assertThat(history.calls().get(4).completionTime()).isEqualTo(Long.MAX_VALUE);
        assertThat(history.calls().get(1).result()).isEqualTo("1");
    }

    @Test
    void aCallCanBeCompletedOnlyOnce() {
        HistoryRecorder.Pending call = recorder.invoke("c1", Operation.of("write", "x", "1"));
        call.ok();

        assertThatIllegalStateException().isThrownBy(() -> call.info("late")).withMessage("#1 is already completed");
        assertThat(recorder.history().size()).isEqualTo(2);
    }

    @Test
    void snapshotsAreIndependentOfLaterRecording() {
        HistoryRecorder.Pending call = recorder.invoke("c1", Operation.of("write", "x", "1"));
        History before = recorder.history();
        call.ok();

        assertThat(before.calls().get(0).isPending()).isTrue();
        assertThat(recorder.history().calls().get(0).isOk()).isTrue();
    }

    @Test
    void concurrentClientsLoseNothingAndTimesFollowEachClientsOrder() throws Exception {
        HistoryRecorder shared = new HistoryRecorder();
        int threads = 8;
        int perThread = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String process = "c" + t;
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    HistoryRecorder.Pending call = shared.invoke(process, Operation.of("write", "k", "" + i));
                    if (i % 3 == 0) {
                        call.info(null);
                    } else {
                        call.ok();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        History history = shared.history();

        assertThat(history.size()).isEqualTo(2 * threads * perThread);
        assertThat(history.calls()).hasSize(threads * perThread).allMatch(call -> !call.isPending()
                && call.completion().time() >= call.invokeTime());
        assertThat(history.events()).isSortedAccordingTo((a, b) -> Long.compare(a.time(), b.time()));
        Map<String, Integer> nextValue = new HashMap<>();
        for (Call call : history.calls()) {
            int expected = nextValue.merge(call.process(), 1, Integer::sum) - 1;
            assertThat(call.operation().arg(0)).isEqualTo("" + expected);
        }
    }
}
