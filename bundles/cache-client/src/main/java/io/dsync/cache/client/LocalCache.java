package io.dsync.cache.client;

import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheStats;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.core.CacheNode;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.Effect;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.Op;
import io.dsync.cache.core.OpResult;
import io.dsync.cache.core.ReadableCopies;
import io.dsync.cache.core.Transition;
import io.dsync.cache.protocol.ProtocolDriver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copies of one cache: cache-core's {@link CacheNode} behind a {@link ProtocolDriver}, with the futures
 * of the operations submitted to it. An operation that completes at once (a hit) completes on the caller's thread;
 * one that completes later (a miss, a write waiting for invalidations) completes on the completion executor, never
 * on a network or Redis thread.
 */
final class LocalCache {

    private static final Logger LOG = LoggerFactory.getLogger(LocalCache.class);
    private static final ThreadLocal<Boolean> SUBMITTING = new ThreadLocal<>();

    private final CacheConfig config;
    private final ProtocolDriver<CacheNode> driver;
    private final ReadableCopies copies;
    private final Executor completions;
    private final AtomicLong opSeq = new AtomicLong();
    private final Map<Long, Submitted> pending = new ConcurrentHashMap<>();
    private final Latencies latencies;
    private final LongAdder writesLost = new LongAdder();
    private volatile boolean stopping;
    /** Set by {@link #close} before it fails what is pending: an operation recorded later fails by itself. */
    private volatile boolean closed;

    /**
     * An operation waiting for its result: when it was submitted, whether it reads, and whether a thread blocks on
     * the future with nothing chained to it (then the future is completed where the result arrives, which only wakes
     * that thread: no hand-off to the completion pool first).
     */
    private record Submitted(CompletableFuture<OpResult> result, long startedAt, boolean read, boolean awaited) {
    }

    /**
     * Takes the latency of the operations that did not complete at once (misses, writes needing the home), and the
     * outages of homes.
     */
    public interface Latencies {
        /**
         * @param read whether the operation was a get: the time to obtain S; otherwise a write: the time to obtain M
         *     (and, in a write-through cache, to write main memory)
         * @param nanos from submission to result
         */
        void remote(boolean read, long nanos);

        /** @param nanos how long this node waited for homes that did not answer ({@link Effect.Recovered}) */
        void outage(long nanos);
    }

    LocalCache(CacheConfig config, CacheNode node, ProtocolDriverFactory drivers, Executor completions,
               Latencies latencies) {
        this.config = config;
        this.completions = completions;
        this.latencies = latencies;
        this.driver = drivers.driver(config.name(), node, this::onEffect);
        this.copies = node.readable();
    }

    /** Makes the driver of a cache's node (the transport and main memory are the service's). */
    @FunctionalInterface
    interface ProtocolDriverFactory {
        ProtocolDriver<CacheNode> driver(String cache, CacheNode node, Consumer<Effect> sink);
    }

    CacheConfig config() {
        return config;
    }

    /**
     * Submits an operation; the future completes with the core's result, on the completion pool unless it completes
     * at once.
     */
    CompletableFuture<OpResult> submit(Op op) {
        return submit(op, false);
    }

    /**
     * Submits an operation whose future the calling thread waits for with {@code get}, chaining nothing to it: the
     * future may complete on a network or Redis thread.
     */
    CompletableFuture<OpResult> submitAwaited(Op op) {
        return submit(op, true);
    }

    private CompletableFuture<OpResult> submit(Op op, boolean awaited) {
        if (stopping) {
            return CompletableFuture.failedFuture(stopped());
        }
        return submitted(op, awaited);
    }

    /**
     * Reads a key from the node's readable copies, without its lock: a hit, or {@code null} if the read must be
     * submitted.
     */
    boolean stopping() {
        return stopping;
    }

    ReadableCopies.Copy readNow(String key) {
        return stopping ? null : copies.read(key, ProtocolDriver.now());
    }

    private CompletableFuture<OpResult> submitted(Op op, boolean awaited) {
        long id = opSeq.incrementAndGet();
        CompletableFuture<OpResult> result = new CompletableFuture<>();
        pending.put(id, new Submitted(result, System.nanoTime(), op instanceof Op.Get, awaited));
        if (closed && pending.remove(id) != null) {
            // Recorded after close() failed what was pending: nothing would complete it.
            result.completeExceptionally(stopped());
            return result;
        }
        SUBMITTING.set(Boolean.TRUE);
        try {
            driver.call((node, now) -> node.submit(now, id, op));
        } finally {
            SUBMITTING.remove();
        }
        return result;
    }

    /**
     * Stops taking operations (they fail with {@link CacheUnavailableException} at once), gives up those that wait
     * (for a home, behind another: they fail the same way and take no effect), lets the main-memory writes under way
     * finish until {@code deadline}, drops every copy writing modified ones back, and fails what is still pending.
     * The transport and the timer must run until this returns. An interrupt does not cut the write-back short: the
     * thread's interrupt status is set again when this returns.
     *
     * @return whether every modified copy was written back
     */
    boolean close(long deadline) {
        stopping = true;
        boolean interrupted = false;
        do {
            // Again while waiting: an operation that passed the check of stopping just before it was set.
            driver.call(CacheNode::abandonWaiting);
        } while (!pending.isEmpty() && System.nanoTime() < deadline && !(interrupted |= sleepInterrupted()));
        boolean flushed = false;
        CompletableFuture<OpResult> flush = submitted(new Op.InvalidateAll(), true);
        while (true) {
            try {
                OpResult r = flush.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                flushed = !(r instanceof OpResult.Failed);
                break;
            } catch (ExecutionException | TimeoutException e) {
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the write-back goes on: modified copies must not be dropped unwritten
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        for (Long id : List.copyOf(pending.keySet())) {
            Submitted waiting = pending.remove(id);
            if (waiting != null) {
                waiting.result().completeExceptionally(stopped());
            }
        }
        return flushed;
    }

    /** Sleeps 10 ms; returns whether the sleep was interrupted (the status then cleared). */
    private static boolean sleepInterrupted() {
        try {
            Thread.sleep(10);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private CacheUnavailableException stopped() {
        return new CacheUnavailableException(config.name(), "the cache client of this node is stopping (its bundle "
                + "is being stopped or updated); try again", null);
    }

    void onMessage(String from, CoherenceMessage.ToNode message) {
        driver.call((node, now) -> node.onMessage(now, from, message));
    }

    void tick() {
        driver.call(CacheNode::tick);
    }

    CacheStats stats() {
        return driver.query(CacheNode::stats);
    }

    long writesLost() {
        return writesLost.sum();
    }

    int size() {
        return driver.query(CacheNode::size);
    }

    /** The copies by the rights they hold now. */
    Map<MesiState, Integer> linesByState() {
        long now = ProtocolDriver.now();
        return driver.query(node -> node.linesByState(now));
    }

    /** How often each MESI transition happened here, with its cause. */
    Map<Transition, Long> transitions() {
        return driver.query(CacheNode::transitions);
    }

    int capacity() {
        return driver.query(CacheNode::capacity);
    }

    /** The reads answered from main memory without a copy. */
    long readsFromMemory() {
        return driver.query(CacheNode::readsFromMemory);
    }

    /** What the copies weigh: keys at two bytes per character, and values. */
    long bytes() {
        return driver.query(CacheNode::bytes);
    }

    /** The first copies in LRU order (most recently used first), for the admin API. */
    List<CacheNode.LineView> lines(int limit) {
        long now = ProtocolDriver.now();
        return driver.query(node -> node.lruOrder(limit).stream().map(k -> node.line(k, now))
                .flatMap(Optional::stream).toList());
    }

    private void onEffect(Effect effect) {
        if (effect instanceof Effect.Completed done) {
            Submitted waiting = pending.remove(done.op());
            if (waiting == null) {
                return;
            }
            if (SUBMITTING.get() != null) {
                waiting.result().complete(done.result());
            } else {
                if (!(done.result() instanceof OpResult.Failed)) {
                    latencies.remote(waiting.read(), System.nanoTime() - waiting.startedAt());
                }
                if (waiting.awaited()) {
                    waiting.result().complete(done.result());
                } else {
                    completions.execute(() -> waiting.result().complete(done.result()));
                }
            }
        } else if (effect instanceof Effect.Recovered recovered) {
            // The driver's clock is System.nanoTime(): the core's time unit is the nanosecond.
            latencies.outage(recovered.waited());
        } else if (effect instanceof Effect.WriteLost lost) {
            writesLost.increment();
            LOG.warn("Cache '{}': the modified copy of key '{}' (version {}) was dropped without a successful "
                    + "write-back; writes to it since its last write-back are lost", config.name(), lost.key(),
                    lost.version());
        }
    }
}
