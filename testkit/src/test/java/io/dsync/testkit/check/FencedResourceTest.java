package io.dsync.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.testkit.check.CheckResult.Verdict;
import io.dsync.testkit.check.LockOps.Mode;
import io.dsync.testkit.history.History;
import io.dsync.testkit.history.HistoryRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

class FencedResourceTest {

    @Test
    void acceptsEqualOrHigherTokensPerLockAndRejectsLowerOnes() {
        FencedResource resource = new FencedResource();

        assertThat(resource.write("c1", "L", 5, "a")).isTrue();
        assertThat(resource.write("c1", "L", 5, "b")).as("same grant").isTrue();
        assertThat(resource.write("c2", "L", 4, "stale")).isFalse();
        assertThat(resource.write("c2", "M", 1, "other lock")).isTrue();
        assertThat(resource.write("c3", "L", 9, "c")).isTrue();

        assertThat(resource.value("L")).isEqualTo("c");
        assertThat(resource.highestToken("L")).hasValue(9);
        assertThat(resource.highestToken("N")).isEmpty();
        assertThat(resource.accesses()).containsExactly(
                new FencedResource.Access(0, "c1", "L", 5, "a", true),
                new FencedResource.Access(1, "c1", "L", 5, "b", true),
                new FencedResource.Access(2, "c2", "L", 4, "stale", false),
                new FencedResource.Access(3, "c2", "M", 1, "other lock", true),
                new FencedResource.Access(4, "c3", "L", 9, "c", true));
    }

    @Test
    void recordsEachAttemptAsACallOfTheWritingClient() {
        AtomicLong ticks = new AtomicLong();
        HistoryRecorder recorder = new HistoryRecorder(ticks::incrementAndGet);
        FencedResource resource = new FencedResource(recorder);

        resource.write("c2", "L", 2, "fresh");
        resource.write("c1", "L", 1, "zombie");

        History history = recorder.history();
        assertThat(history.dump()).isEqualTo("""
                1 c2 invoke #1 fenced-write L 2 fresh
                2 c2 ok #1 fenced-write L 2 fresh
                3 c1 invoke #2 fenced-write L 1 zombie
                4 c1 fail #2 fenced-write L 1 zombie => "stale token 1 < 2"
                """);
        CheckResult result = new MutualExclusionChecker().check(history);
        assertThat(result.verdict()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("writesRejected")).isEqualTo(1);
    }

    /** Real threads under a correct lock service: the checker must not report anything (no false positives). */
    @Test
    void concurrentClientsOfACorrectLockServiceYieldAValidHistory() throws Exception {
        HistoryRecorder recorder = new HistoryRecorder();
        FencedResource resource = new FencedResource(recorder);
        ReadWriteLock lock = new ReentrantReadWriteLock(true);
        AtomicLong tokens = new AtomicLong();
        AtomicLong exclusiveGrants = new AtomicLong();
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String client = "c" + c;
            Random random = new Random(c);
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 300; i++) {
                    Mode mode = random.nextInt(3) == 0 ? Mode.SHARED : Mode.EXCLUSIVE;
                    HistoryRecorder.Pending acquire = recorder.invoke(client, LockOps.acquire("L", mode));
                    (mode == Mode.SHARED ? lock.readLock() : lock.writeLock()).lock();
                    long token = tokens.incrementAndGet();
                    acquire.ok(LockOps.token(token));
                    if (mode == Mode.EXCLUSIVE) {
                        exclusiveGrants.incrementAndGet();
                        resource.write(client, "L", token, client + "-" + i);
                    }
                    HistoryRecorder.Pending release = recorder.invoke(client, LockOps.release("L", token));
                    (mode == Mode.SHARED ? lock.readLock() : lock.writeLock()).unlock();
                    release.ok();
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        CheckResult result = new MutualExclusionChecker().check(recorder.history());

        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.VALID);
        assertThat(result.counter("holds")).isEqualTo(clients * 300);
        assertThat(result.counter("writesAccepted")).isEqualTo(exclusiveGrants.get());
        assertThat(resource.accesses()).allMatch(FencedResource.Access::accepted);
    }
}
