package io.dsync.lock.client.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.dsync.lock.LockException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockCommandCodec;

/** Group commit without Ratis: what goes out in which request, and who learns what. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CommandBatcherTest {

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<List<LockCommand>> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private static LockCommand keepAlive(int i) {
        return new LockCommand.KeepAlive(new SessionId("s" + i));
    }

    /** Answers every command of a batch with its own outcome: the index of the command within the batch. */
    private static List<Outcome> echo(List<LockCommand> batch) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            outcomes.add(new Outcome.Released(i));
        }
        return outcomes;
    }

    /** A batcher whose first request is held until {@code releaseFirst}; the later ones go to {@code later}. */
    private CommandBatcher holdingTheFirstRequest(CountDownLatch releaseFirst, CommandBatcher.Sender later) {
        return new CommandBatcher(batch -> {
            requests.add(batch);
            if (requests.size() == 1) {
                releaseFirst.await();
                return echo(batch);
            }
            return later.send(batch);
        }, executor, sizes::add);
    }

    @Test
    void aLoneCommandGoesOutAtOnceAndTheCommandsQueuedMeanwhileGoOutTogether() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CommandBatcher batcher = holdingTheFirstRequest(releaseFirst, CommandBatcherTest::echo);

        CompletableFuture<Outcome> first = new CompletableFuture<>();
        batcher.add(keepAlive(0), first);
        await().until(() -> requests.size() == 1);
        List<CompletableFuture<Outcome>> later = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            later.add(f);
            batcher.add(keepAlive(i), f);
        }
        assertEquals(11, batcher.load(), "one in flight, ten queued");
        releaseFirst.countDown();

        assertEquals(new Outcome.Released(0), first.get());
        for (int i = 0; i < later.size(); i++) {
            assertEquals(new Outcome.Released(i), later.get(i).get(), "each command gets its own outcome, in order");
        }
        assertEquals(List.of(1, 10), sizes);
        assertEquals(2, requests.size());
        assertEquals(keepAlive(1), requests.get(1).get(0));
        await().until(() -> batcher.load() == 0);
    }

    @Test
    void aBatchNeverExceedsTheLimitOfOneLogEntry() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CommandBatcher batcher = holdingTheFirstRequest(releaseFirst, CommandBatcherTest::echo);
        List<CompletableFuture<Outcome>> all = new ArrayList<>();
        int n = LockCommandCodec.MAX_BATCH * 2 + 1;
        for (int i = 0; i < n; i++) {
            CompletableFuture<Outcome> f = new CompletableFuture<>();
            all.add(f);
            batcher.add(keepAlive(i), f);
        }
        releaseFirst.countDown();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        assertTrue(sizes.stream().allMatch(size -> size <= LockCommandCodec.MAX_BATCH), sizes.toString());
        assertEquals(n, sizes.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void aFailedRequestFailsEveryCommandOfItsBatchAndTheNextBatchGoesOut() throws Exception {
        IOException down = new IOException("leader gone");
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CommandBatcher batcher = holdingTheFirstRequest(releaseFirst, batch -> {
            if (requests.size() == 2) {
                throw down;
            }
            return echo(batch);
        });
        CompletableFuture<Outcome> first = new CompletableFuture<>();
        batcher.add(keepAlive(0), first);
        CompletableFuture<Outcome> a = new CompletableFuture<>();
        CompletableFuture<Outcome> b = new CompletableFuture<>();
        await().until(() -> requests.size() == 1);
        batcher.add(keepAlive(1), a);
        batcher.add(keepAlive(2), b);
        releaseFirst.countDown();
        for (CompletableFuture<Outcome> f : List.of(a, b)) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
            assertSame(down, e.getCause());
        }
        CompletableFuture<Outcome> after = new CompletableFuture<>();
        batcher.add(keepAlive(3), after);
        assertEquals(new Outcome.Released(0), after.get());
    }

    @Test
    void commandsWhoseCallerGaveUpAreLeftOutAndAShortAnswerFailsTheBatch() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        // A server that answers fewer outcomes than commands.
        CommandBatcher batcher = holdingTheFirstRequest(releaseFirst, batch -> List.of());
        batcher.add(keepAlive(0), new CompletableFuture<>());
        await().until(() -> requests.size() == 1);
        CompletableFuture<Outcome> gaveUp = new CompletableFuture<>();
        CompletableFuture<Outcome> waits = new CompletableFuture<>();
        batcher.add(keepAlive(1), gaveUp);
        batcher.add(keepAlive(2), waits);
        gaveUp.cancel(false);
        releaseFirst.countDown();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, waits::get);
        assertInstanceOf(LockException.class, e.getCause());
        assertEquals(List.of(keepAlive(2)), requests.get(1), "the command nobody waits for stayed home");
    }

    @Test
    void aClosedExecutorFailsTheCommandsAtOnce() {
        executor.shutdown();
        CommandBatcher batcher = new CommandBatcher(CommandBatcherTest::echo, executor, sizes::add);
        CompletableFuture<Outcome> f = new CompletableFuture<>();
        batcher.add(keepAlive(0), f);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(1, TimeUnit.SECONDS));
        assertInstanceOf(LockException.class, e.getCause());
        assertEquals(0, batcher.load());
    }
}
