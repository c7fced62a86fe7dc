package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;

/**
 * Cold reads: a write-through node answers a read of a key it missed fewer than twice lately from main memory, keeping
 * no copy, and asks the home for a copy from the next miss on.
 */
class ColdReadsTest {

    private static final long MS = 1_000_000L;
    private static final Timing TIMING = new Timing(1_000 * MS, 10 * MS, 100 * MS, 500 * MS, 5_000 * MS);
    private static final Versioned STORED = new Versioned("v".getBytes(StandardCharsets.US_ASCII), 3);

    private long now = 1_000 * MS;
    private long opSeq;

    @Test
    void theFirstMissReadsMainMemoryAndKeepsNoCopyTheNextAsksTheHome() {
        CacheNode node = node(WriteMode.WRITE_THROUGH);
        List<Effect> first = node.submit(now, ++opSeq, new Op.Get("k"));
        Effect.ReadPlain read = only(first, Effect.ReadPlain.class);
        assertThat(first).noneMatch(e -> e instanceof Effect.Send);

        List<Effect> answered = node.onMemory(now, new MemoryResult.ReadDone(read.read(), "k", STORED));
        assertThat(completed(answered, opSeq)).isEqualTo(new OpResult.Read(STORED));
        assertThat(node.state("k", now)).isEqualTo(LineState.I);
        assertThat(node.readsFromMemory()).isEqualTo(1);
        assertThat(node.stats().misses()).isEqualTo(1);

        List<Effect> second = node.submit(now, ++opSeq, new Op.Get("k"));
        assertThat(second).noneMatch(e -> e instanceof Effect.ReadPlain);
        assertThat(only(second, Effect.Send.class).message()).isInstanceOf(CoherenceMessage.GetShared.class);
    }

    @Test
    void aFailedReadFallsBackToTheHomeForTheSameOperation() {
        CacheNode node = node(WriteMode.WRITE_THROUGH);
        Effect.ReadPlain read = only(node.submit(now, ++opSeq, new Op.Get("k")), Effect.ReadPlain.class);
        List<Effect> failed = node.onMemory(now, new MemoryResult.ReadFailed(read.read(), "k"));
        assertThat(only(failed, Effect.Send.class).message()).isInstanceOf(CoherenceMessage.GetShared.class);
        assertThat(failed).noneMatch(e -> e instanceof Effect.Completed);
    }

    @Test
    void operationsBehindAColdReadWaitForItAndRunInOrder() {
        CacheNode node = node(WriteMode.WRITE_THROUGH);
        long firstOp = ++opSeq;
        Effect.ReadPlain read = only(node.submit(now, firstOp, new Op.Get("k")), Effect.ReadPlain.class);
        long secondOp = ++opSeq;
        assertThat(node.submit(now, secondOp, new Op.Get("k"))).as("waits behind the read in flight").isEmpty();

        List<Effect> answered = node.onMemory(now, new MemoryResult.ReadDone(read.read(), "k", STORED));
        assertThat(completed(answered, firstOp)).isEqualTo(new OpResult.Read(STORED));
        assertThat(answered).as("the second read did not start before the first completed, and asks the home")
                .noneMatch(e -> e instanceof Effect.Completed c && c.op() == secondOp)
                .anyMatch(e -> e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetShared);
    }

    @Test
    void anAnswerAfterTheOperationTimedOutIsDropped() {
        CacheNode node = node(WriteMode.WRITE_THROUGH);
        long lateOp = ++opSeq;
        Effect.ReadPlain read = only(node.submit(now, lateOp, new Op.Get("k")), Effect.ReadPlain.class);
        now += TIMING.operationTimeout() + MS;
        assertThat(completed(node.tick(now), lateOp)).isInstanceOf(OpResult.Failed.class);
        assertThat(only(node.submit(now, ++opSeq, new Op.Get("k")), Effect.Send.class).message())
                .as("not held behind the abandoned read").isInstanceOf(CoherenceMessage.GetShared.class);
        assertThat(node.onMemory(now, new MemoryResult.ReadDone(read.read(), "k", STORED)))
                .noneMatch(e -> e instanceof Effect.Completed);
    }

    @Test
    void aReadWhoseHomeDoesNotAnswerIsReadFromMainMemoryAndTheLateGrantStillMakesACopy() {
        CacheNode node = node(WriteMode.WRITE_THROUGH);
        Effect.ReadPlain cold = only(node.submit(now, ++opSeq, new Op.Get("k")), Effect.ReadPlain.class);
        node.onMemory(now, new MemoryResult.ReadDone(cold.read(), "k", STORED));
        long waiting = ++opSeq;
        CoherenceMessage.GetShared request = (CoherenceMessage.GetShared) only(node.submit(now, waiting,
                new Op.Get("k")), Effect.Send.class).message();
        long behind = ++opSeq;
        node.submit(now, behind, new Op.Get("k"));

        now += TIMING.retry();
        List<Effect> retried = node.tick(now);
        assertThat(only(retried, Effect.Send.class).message()).as("the request goes on").isEqualTo(request);
        Effect.ReadPlain around = only(retried, Effect.ReadPlain.class);
        List<Effect> read = node.onMemory(now, new MemoryResult.ReadDone(around.read(), "k", STORED));
        assertThat(completed(read, waiting)).isEqualTo(new OpResult.Read(STORED));
        assertThat(completed(read, behind)).as("the next read waits for the home").isNull();

        Versioned newer = new Versioned("w".getBytes(StandardCharsets.US_ASCII), 4);
        List<Effect> granted = node.onMessage(now, "h", new CoherenceMessage.Grant("k", request.request(),
                new GrantId(1, 1, 1), MesiState.SHARED, newer));
        assertThat(completed(granted, behind)).isEqualTo(new OpResult.Read(newer));
        assertThat(node.state("k", now)).isEqualTo(LineState.S);
        assertThat(node.readsFromMemory()).isEqualTo(2);
    }

    @Test
    void aWriteBackCacheNeverReadsMainMemoryWithoutItsHome() {
        CacheNode node = node(WriteMode.WRITE_BACK);
        List<Effect> effects = node.submit(now, ++opSeq, new Op.Get("k"));
        assertThat(effects).noneMatch(e -> e instanceof Effect.ReadPlain);
        assertThat(only(effects, Effect.Send.class).message()).isInstanceOf(CoherenceMessage.GetShared.class);
    }

    private static CacheNode node(WriteMode mode) {
        return new CacheNode("c", "n", 1, 10, 0, mode, EvictionPolicy.LRU, true, TIMING,
                key -> new HomeLocator.Home("h", 1));
    }

    private static <T extends Effect> T only(List<Effect> effects, Class<T> type) {
        List<T> found = effects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("one " + type.getSimpleName() + " in " + effects).hasSize(1);
        return found.get(0);
    }

    private static OpResult completed(List<Effect> effects, long op) {
        return effects.stream().filter(e -> e instanceof Effect.Completed c && c.op() == op)
                .map(e -> ((Effect.Completed) e).result()).findFirst().orElse(null);
    }
}
