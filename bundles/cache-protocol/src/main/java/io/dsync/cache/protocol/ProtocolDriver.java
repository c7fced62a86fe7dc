package io.dsync.cache.protocol;

import io.dsync.cache.core.Effect;
import io.dsync.cache.core.MemoryResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs one protocol instance of the plain-Java core (a {@code CacheNode} or a {@code HomeDirectory}, which are not
 * thread-safe) for the adapters: every call into it is serialized, takes {@code now} from the monotonic clock inside
 * the lock (so time never goes back for the instance), and its effects are executed after the lock is released:
 * messages go to the {@link CoherenceTransport}, memory effects to {@link MainMemory} with their results fed back into
 * the instance, and the rest ({@code Completed}, {@code WriteLost}) to the adapter's sink.
 *
 * @param <C> the type of the protocol instance
 */
public final class ProtocolDriver<C> {

    /** One call into the instance. */
    @FunctionalInterface
    public interface Step<C> {
        List<Effect> apply(C core, long now);
    }

    /** How memory results are fed back into the instance. */
    @FunctionalInterface
    public interface MemoryFeed<C> {
        List<Effect> onMemory(C core, long now, MemoryResult result);
    }

    /**
     * Per thread, whether it is inside a call: a holder made once per thread and flipped, so that the check on every
     * cache hit finds its entry (a removed {@code ThreadLocal} value is looked up and initialised again each time).
     */
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    /** How long a failed fenced read waits before its instance learns of it (and reads again). */
    static final long READ_RETRY_PAUSE_MILLIS = 100;
    private static final Executor READ_RETRY_PAUSE = CompletableFuture.delayedExecutor(READ_RETRY_PAUSE_MILLIS,
            TimeUnit.MILLISECONDS);

    private final String cache;
    private final C core;
    private final CoherenceTransport transport;
    private final MainMemory memory;
    private final MemoryFeed<C> feed;
    private final Consumer<Effect> sink;
    private boolean closed;

    /**
     * @param cache the cache the instance belongs to
     * @param core the instance; used only through this driver from now on
     * @param transport where messages go
     * @param memory main memory
     * @param feed feeds a memory result to the instance
     * @param sink receives {@link Effect.Completed} and {@link Effect.WriteLost}
     */
    public ProtocolDriver(String cache, C core, CoherenceTransport transport, MainMemory memory, MemoryFeed<C> feed,
                          Consumer<Effect> sink) {
        this.cache = cache;
        this.core = core;
        this.transport = transport;
        this.memory = memory;
        this.feed = feed;
        this.sink = sink;
    }

    public String cache() {
        return cache;
    }

    /** The monotonic clock of the protocol, in nanoseconds. */
    public static long now() {
        return System.nanoTime();
    }

    /**
     * Whether the calling thread is inside a call into an instance (for example in a {@code compute} function that
     * the core applies): such a thread must not call the cache again.
     */
    public static boolean insideCall() {
        return INSIDE.get()[0];
    }

    /** Calls into the instance and executes the effects; does nothing once {@link #close closed}. */
    public void call(Step<C> step) {
        List<Effect> effects;
        boolean[] inside = INSIDE.get();
        synchronized (this) {
            if (closed) {
                return;
            }
            inside[0] = true;
            try {
                effects = step.apply(core, now());
            } finally {
                inside[0] = false;
            }
        }
        execute(effects);
    }

    /**
     * Stops calling into the instance: a call under way finishes first, later calls (memory results that arrive
     * afterwards among them) are dropped. After it returns the instance makes no decision any more; the effects of the
     * last call may still be on their way out.
     */
    public synchronized void close() {
        closed = true;
    }

    /** Reads something from the instance, serialized with the calls. */
    public synchronized <T> T query(Function<C, T> read) {
        return read.apply(core);
    }

    private void execute(List<Effect> effects) {
        for (Effect effect : effects) {
            if (effect instanceof Effect.Send send) {
                transport.send(cache, send.to(), send.message());
            } else if (effect instanceof Effect.ReadMemory read) {
                memory.read(cache, read).whenComplete((result, error) -> {
                    MemoryResult r = result != null ? result : new MemoryResult.ReadFailed(read.read(), read.key());
                    if (r instanceof MemoryResult.ReadFailed) {
                        // A home reads again as soon as it learns a read failed: without a pause, a Redis that
                        // refuses every fenced read (out of memory, a replica down) would be asked as fast as it
                        // answers, for every key waiting.
                        READ_RETRY_PAUSE.execute(() -> call((c, now) -> feed.onMemory(c, now, r)));
                    } else {
                        call((c, now) -> feed.onMemory(c, now, r));
                    }
                });
            } else if (effect instanceof Effect.ReadPlain read) {
                memory.readPlain(cache, read).whenComplete((result, error) -> call((c, now) -> feed.onMemory(c, now,
                        result != null ? result : new MemoryResult.ReadFailed(read.read(), read.key()))));
            } else if (effect instanceof Effect.WriteMemory write) {
                memory.write(cache, write).whenComplete((result, error) -> call((c, now) -> feed.onMemory(c, now,
                        result != null ? result : new MemoryResult.WriteDone(write.write(), write.key(),
                                MemoryResult.WriteOutcome.FAILED))));
            } else {
                sink.accept(effect);
            }
        }
    }
}
