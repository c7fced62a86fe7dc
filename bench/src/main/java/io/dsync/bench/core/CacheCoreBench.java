package io.dsync.bench.core;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.dsync.cache.WriteMode;
import io.dsync.cache.core.CacheNode;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.Effect;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.HomeLocator;
import io.dsync.cache.core.LineState;
import io.dsync.cache.core.Lru;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.Op;
import io.dsync.cache.core.OpResult;
import io.dsync.cache.core.RequestId;
import io.dsync.cache.core.Timing;
import io.dsync.cache.core.Versioned;

/**
 * The cache's plain-Java core alone, on one core ({@code dsync bench core} runs it): what a node does per operation
 * that never leaves it, with no driver, lock, future or codec around it (the client adds those; {@code dsync bench
 * cache} measures the whole).
 * <ul>
 *   <li>{@code hitShared}: a get on a key held in S, out of {@code keys} copies: one call, one {@code Completed}
 *       effect (the LRU touched, the hit counted);</li>
 *   <li>{@code putModified}: a put on a key held in M in a write-back cache: a local write (a new version), one
 *       {@code Completed};</li>
 *   <li>{@code lruAccess}: the LRU alone, an access to one of {@code keys} entries (moved to the front);</li>
 *   <li>{@code lruInsertEvict}: the LRU alone, full, a new entry put in and the least recently used one evicted;</li>
 *   <li>{@code tinyLfuAccess}, {@code tinyLfuInsertEvict}: the same on the W-TinyLFU map ({@code Lru.windowTinyLfu}),
 *       whose every access also counts in its frequency sketch and whose insert makes the window's oldest entry
 *       compete with the main part's;</li>
 *   <li>{@code tickNothingDue}: a node's periodic tick (every 100 ms in the client) while it holds {@code keys} copies,
 *       none of them near its renewal point: what a cache costs between its operations.</li>
 * </ul>
 * The nodes are driven into S and M through their protocol, as a home would: submit the operation, take the
 * {@code GetShared}/{@code GetExclusive} it sends and answer it with a {@code Grant}. Time stands still, so leases
 * never run out. {@code -prof gc} shows the bytes allocated per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
// A fixed, pre-touched heap: the hit and put paths allocate (a few hundred bytes per call), and on this project's VMs
// the first touch of each new heap page is expensive enough to make the first seconds several times slower.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class CacheCoreBench {

    @Param({"10000"})
    int keys;

    @Param({"1024"})
    int valueBytes;

    private static final String HOME = "home";
    private static final Object ENTRY = new Object();

    private final long now = 1_000_000_000L;
    private long op;
    private long grants;
    private int next;
    private int insert;

    private String[] names;
    private String[] cycle;
    private byte[] value;
    private CacheNode shared;
    private CacheNode owned;
    private Lru<String, Object> lru;
    private Lru<String, Object> tinyLfu;

    @Setup(Level.Trial)
    public void setUp() {
        names = new String[keys];
        cycle = new String[2 * keys];
        for (int i = 0; i < keys; i++) {
            names[i] = "key-" + i;
        }
        for (int i = 0; i < cycle.length; i++) {
            cycle[i] = "entry-" + i;
        }
        value = new byte[valueBytes];
        HomeLocator homes = key -> new HomeLocator.Home(HOME, 1);
        shared = new CacheNode("bench", "node", 1, keys, WriteMode.WRITE_THROUGH, Timing.defaults(), homes);
        owned = new CacheNode("bench", "node", 1, keys, WriteMode.WRITE_BACK, Timing.defaults(), homes);
        for (String k : names) {
            grant(shared, new Op.Get(k), MesiState.SHARED);
            grant(owned, new Op.Put(k, value), MesiState.EXCLUSIVE);
            require(shared.state(k, now) == LineState.S, k + " is not held in S but " + shared.state(k, now));
            require(owned.state(k, now) == LineState.M, k + " is not held in M but " + owned.state(k, now));
        }
        require(isCompletedOnly(hitShared()), "a hit in S did more than complete");
        require(isCompletedOnly(putModified()), "a put in M did more than complete");
        lru = new Lru<>(keys, v -> true, (k, v) -> { });
        tinyLfu = Lru.windowTinyLfu(keys, v -> true, (k, v) -> { });
        for (int i = 0; i < keys; i++) {
            lru.put(cycle[i], ENTRY);
            tinyLfu.put(cycle[i], ENTRY);
        }
        insert = keys;
        next = 0;
    }

    /** Submits {@code first} and answers the request it sends with a grant of {@code state}. */
    private void grant(CacheNode node, Op first, MesiState state) {
        RequestId request = null;
        for (Effect e : node.submit(now, ++op, first)) {
            if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetShared g) {
                request = g.request();
            } else if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetExclusive g) {
                request = g.request();
            }
        }
        require(request != null, "no request sent for " + first);
        List<Effect> effects = node.onMessage(now, HOME, new CoherenceMessage.Grant(first.key(), request,
                new GrantId(1, 1, ++grants), state, new Versioned(value, 1)));
        require(effects.stream().anyMatch(e -> e instanceof Effect.Completed c && !(c.result() instanceof OpResult.Failed)),
                "the grant did not complete " + first);
    }

    private static boolean isCompletedOnly(List<Effect> effects) {
        return effects.size() == 1 && effects.get(0) instanceof Effect.Completed c
                && !(c.result() instanceof OpResult.Failed);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private String nextKey() {
        return names[nextIndex(keys)];
    }

    @Benchmark
    public List<Effect> hitShared() {
        return shared.submit(now, ++op, new Op.Get(nextKey()));
    }

    @Benchmark
    public List<Effect> putModified() {
        return owned.submit(now, ++op, new Op.Put(nextKey(), value));
    }

    @Benchmark
    public List<Effect> tickNothingDue() {
        return shared.tick(now);
    }

    @Benchmark
    public Object lruAccess() {
        return lru.get(cycle[nextIndex(keys)]);
    }

    /**
     * The LRU holds the last {@code keys} entries of the cycle of {@code 2 * keys}, so the next one was evicted
     * {@code keys} puts ago: every put inserts and evicts.
     */
    @Benchmark
    public Object lruInsertEvict() {
        return lru.put(cycle[nextInsert()], ENTRY);
    }

    @Benchmark
    public Object tinyLfuAccess() {
        return tinyLfu.get(cycle[nextIndex(keys)]);
    }

    /** As {@link #lruInsertEvict()}: each put adds an entry and one goes (the candidate or the victim). */
    @Benchmark
    public Object tinyLfuInsertEvict() {
        return tinyLfu.put(cycle[nextInsert()], ENTRY);
    }

    private int nextIndex(int bound) {
        int i = next++;
        if (next == bound) {
            next = 0;
        }
        return i;
    }

    private int nextInsert() {
        int i = insert++;
        if (insert == cycle.length) {
            insert = 0;
        }
        return i;
    }
}
