package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.dsync.cache.CacheStats;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;
import io.dsync.cache.core.CoherenceMessage.Ack;
import io.dsync.cache.core.CoherenceMessage.Downgrade;
import io.dsync.cache.core.CoherenceMessage.GetExclusive;
import io.dsync.cache.core.CoherenceMessage.GetShared;
import io.dsync.cache.core.CoherenceMessage.Grant;
import io.dsync.cache.core.CoherenceMessage.Invalidate;
import io.dsync.cache.core.CoherenceMessage.LeaseRef;
import io.dsync.cache.core.CoherenceMessage.Refused;
import io.dsync.cache.core.CoherenceMessage.Release;
import io.dsync.cache.core.CoherenceMessage.Renewed;
import io.dsync.cache.core.Line.Busy;
import io.dsync.cache.core.MemoryResult.WriteDone;
import io.dsync.cache.core.MemoryResult.WriteOutcome;
import io.dsync.cache.core.Transition.Cause;

/**
 * One node's side of the coherence protocol for one cache: its copies (lines) of keys with their MESI
 * states and leases, the operations waiting on them, and its pending requests to the keys' homes. The
 * node's state table is in {@code docs/cache.md}; {@link LineState} names its rows.
 *
 * <h2>Operations</h2>
 * {@link #submit} takes an {@link Op} with an id; the operation completes, in that call or a later one,
 * with an {@link Effect.Completed} carrying the id. Operations on one key run one at a time, in
 * submission order. A read is answered from a copy whose lease runs (a hit), otherwise the node sends a
 * GetS to the key's home and answers when the grant arrives. A write needs an exclusive copy: from E or
 * M it runs at once (write-back caches: E becomes M silently; write-through caches: the new value is
 * written to main memory, fenced by the copy's grant, and the operation completes when main memory
 * confirms), from S or I the node sends a GetM first. An operation that has not completed after
 * {@link Timing#operationTimeout()} fails with {@link CacheUnavailableException}; a write whose memory
 * write had started then has an unknown outcome.
 *
 * <h2 id="cold">Cold reads from main memory</h2>
 * With {@code coldReads} on, in a write-through cache, a read that misses on a key read rarely lately (its misses
 * counted in a {@link FrequencySketch}: fewer than two, the doorkeeper of TinyLFU) is answered from main memory
 * directly ({@link Effect.ReadPlain}, no fence, no copy kept), and only a key missed again gets a copy through the
 * home. A copy costs a request, a grant, its renewals and, once evicted, a release, and a key read once is not read
 * from it again; nor does it push a copy in use out. Linearizable because in a write-through cache main memory holds
 * the last completed write of every key (an operation completes only once main memory has its write), and no write
 * lands out of order (fences), so a read there returns what a read at that moment must (docs/cache.md). A failed
 * read falls back to the home. A read whose request the home has not answered within {@link Timing#retry()} is
 * answered from main memory too, the request staying pending: reads go on while a home is down or quarantines.
 *
 * <h2>Leases</h2>
 * A copy is valid while {@code now} is before its lease's end, which the node counts from when it first
 * sent the request that was granted (see {@link Timing}); an expired copy is treated as I (a modified
 * one is written back as a last attempt, which main memory accepts only if no new owner has been
 * granted since). {@link #tick} renews, in one {@link CoherenceMessage.Renew} per home, the leases of copies used since
 * their last grant or renewal or within the last {@link Timing#keepIdle()}, once less than
 * {@link Timing#renewAhead()} is left; other copies lapse.
 *
 * <h2>Messages and effects</h2>
 * Every call returns the effects to execute, in order. Lost messages are made up for by retransmission
 * from {@link #tick}: pending requests are sent again every {@link Timing#retry()} (to the home the
 * {@link HomeLocator} names then), keeping their request id. A revocation (Inv or downgrade) names the
 * grant it revokes: copies with that grant or an earlier one are revoked, and a grant arriving later for
 * a request that was pending meanwhile is discarded if its id is not later than the revoked one. A grant
 * whose lease has already run out on arrival is discarded and the request sent again with a new id.
 *
 * <h2>Capacity</h2>
 * The lines live in an {@link Lru} of the configured capacity (and bound in bytes, if any: keys at two bytes per
 * character, and values). Evicting a clean copy releases it to its
 * home (PutS/PutE); evicting a modified copy writes it back first, then releases it (PutM). Copies with
 * an operation, a request or a memory write in flight are not evicted.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: the adapter serializes all calls (per cache, or per stripe of keys with one instance
 * each). {@code now} must come from one monotonic clock; a smaller value than before is taken as the
 * previous one.
 */
public final class CacheNode {

    /**
     * A node's view of one of its copies, for the admin API and tests.
     *
     * @param key the key
     * @param state the key's protocol state on this node
     * @param rights the rights held now ({@link MesiState#INVALID} once the lease has run out)
     * @param data the copy's value and version
     * @param grant the grant the copy was received with
     * @param home the node that granted it
     * @param expiry the node's end of the lease
     */
    public record LineView(String key, LineState state, MesiState rights, Versioned data, GrantId grant,
            String home, long expiry) {
    }

    private final String cache;
    private final String self;
    private final long incarnation;
    private final WriteMode mode;
    private final Timing timing;
    private final HomeLocator homes;
    private final Set<Defect> defects;

    private final NodeLines lines;
    private final TreeMap<String, PendingRequest> pending = new TreeMap<>();
    /** The reads answered from main memory without a copy, when on; {@code null} otherwise. */
    private final ColdReads coldReads;
    private final OpQueues ops = new OpQueues();
    private final Renewals renewals = new Renewals();
    /** How many lines the last tick looked at ({@link NodeLines#due}). */
    private int lookedAtByLastTick;
    private final ReadableCopies readable = new ReadableCopies();
    /** Keys served in this call: published at its end if a read of them would still complete at once. */
    private final List<String> served = new ArrayList<>();
    private long requestSeq;
    private long writeSeq;
    /** When the earliest request that had to be sent again since the last grant was first sent, or -1. */
    private long unansweredSince = -1;
    private long now = Long.MIN_VALUE;
    private List<Effect> out;

    private long hits;
    private long misses;
    private long evictions;
    private long invalidationsReceived;
    private long writeBacks;

    /**
     * Creates a node with no copies.
     *
     * @param cache the cache name, for exception messages
     * @param self this node's id, as homes address it
     * @param incarnation this start of the node, larger than any before (see {@link RequestId})
     * @param capacity the number of copies kept, at least 1
     * @param mode the cache's write mode
     * @param timing the protocol's durations, equal on all nodes
     * @param homes tells where each key's home is
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code incarnation} or {@code capacity} is less than 1
     */
    public CacheNode(String cache, String self, long incarnation, int capacity, WriteMode mode, Timing timing,
            HomeLocator homes) {
        this(cache, self, incarnation, capacity, 0, mode, EvictionPolicy.LRU, false, timing, homes);
    }

    /**
     * Creates a node with no copies that evicts by the given policy, and also by bytes.
     *
     * @param cache the cache name, for exception messages
     * @param self this node's id, as homes address it
     * @param incarnation this start of the node, larger than any before (see {@link RequestId})
     * @param capacity the number of copies kept, at least 1
     * @param capacityBytes the most bytes of copies kept (keys at two bytes per character, and values), 0 for no
     *     bound in bytes
     * @param mode the cache's write mode
     * @param eviction which copy goes when the node's copies pass a bound
     * @param coldReads whether a write-through cache answers reads of keys missed rarely from main memory without
     *     keeping a copy (see <a href="#cold">cold reads</a>); ignored in a write-back cache
     * @param timing the protocol's durations, equal on all nodes
     * @param homes tells where each key's home is
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code incarnation} or {@code capacity} is less than 1, or
     *     {@code capacityBytes} negative
     */
    public CacheNode(String cache, String self, long incarnation, int capacity, long capacityBytes, WriteMode mode,
            EvictionPolicy eviction, boolean coldReads, Timing timing, HomeLocator homes) {
        this(cache, self, incarnation, capacity, capacityBytes, mode, eviction, coldReads, timing, homes,
                EnumSet.noneOf(Defect.class));
    }

    CacheNode(String cache, String self, long incarnation, int capacity, long capacityBytes, WriteMode mode,
            EvictionPolicy eviction, boolean coldReads, Timing timing, HomeLocator homes, Set<Defect> defects) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.self = Objects.requireNonNull(self, "self");
        if (incarnation < 1) {
            throw new IllegalArgumentException("incarnation must be positive, was " + incarnation);
        }
        this.incarnation = incarnation;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.timing = Objects.requireNonNull(timing, "timing");
        this.homes = Objects.requireNonNull(homes, "homes");
        this.defects = EnumSet.copyOf(defects.isEmpty() ? EnumSet.noneOf(Defect.class) : defects);
        boolean memoryCurrent = mode == WriteMode.WRITE_THROUGH || defects.contains(Defect.COLD_READS_IN_WRITE_BACK);
        this.coldReads = coldReads && memoryCurrent ? new ColdReads(capacity) : null;
        this.lines = new NodeLines(capacity, capacityBytes, Objects.requireNonNull(eviction, "eviction"),
                line -> line.busy == Busy.NONE && !pending.containsKey(line.key) && !ops.waitOn(line.key));
    }

    // ---------------------------------------------------------------- calls

    /**
     * Submits an operation.
     *
     * @param now the node's time
     * @param opId the id its {@link Effect.Completed} will carry
     * @param op the operation
     * @return the effects
     * @throws NullPointerException if {@code op} is {@code null}
     */
    public List<Effect> submit(long now, long opId, Op op) {
        Objects.requireNonNull(op, "op");
        begin(now);
        long deadline = this.now + timing.operationTimeout();
        if (op instanceof Op.InvalidateAll || op instanceof Op.Flush) {
            boolean flush = op instanceof Op.Flush;
            List<String> keys = new ArrayList<>();
            for (Line line : lines.all()) {
                if (!flush || line.state == MesiState.MODIFIED) {
                    keys.add(line.key);
                }
            }
            keys.forEach(readable::withdraw);
            if (keys.isEmpty()) {
                out.add(new Effect.Completed(opId, new OpResult.Done()));
            } else {
                ops.startBulk(opId, keys.size());
                for (String key : keys) {
                    enqueue(new QueuedOp(0, key, flush ? op : new Op.Invalidate(key), deadline, opId));
                }
            }
        } else {
            readable.withdraw(op.key());
            enqueue(new QueuedOp(opId, op.key(), op, deadline, 0));
        }
        return end();
    }

    /**
     * Gives up the operations that wait, as this node's cache stops: for a home's grant, for a revocation's
     * acknowledgements, or behind another operation of their key. Each completes at once as failed with a
     * {@link CacheUnavailableException}, and none of them takes effect, since an operation only acts when it runs.
     * An operation whose main-memory write is under way (or that waits at its key's head for a write-back to end) is
     * left to finish: its effect may already have landed. The requests to homes that no operation waits for any more
     * are forgotten, so that dropping the copies next need not wait for their answers: a grant that still comes is
     * ignored, and its home counts the copy until its lease ends.
     *
     * @param now the node's time
     * @return the effects
     */
    public List<Effect> abandonWaiting(long now) {
        begin(now);
        Set<QueuedOp> underWay = new HashSet<>();
        for (String key : ops.keys()) {
            Line line = lines.find(key);
            if (line != null && line.busy != Busy.NONE) {
                underWay.add(ops.head(key));
            }
        }
        for (QueuedOp q : ops.remove(q -> q.parent == 0 && !underWay.contains(q))) {
            complete(q, new OpResult.Failed(unavailable(describe(q) + " was given up as the cache of this node "
                    + "stopped; it did not take effect")));
        }
        pending.keySet().removeIf(key -> ops.head(key) == null);
        if (coldReads != null) {
            coldReads.retain(q -> ops.head(q.key) == q);
        }
        return end();
    }

    /**
     * Tells whether a {@link Op.Get} of the key submitted now would complete at once, from this node's copy: the copy's
     * lease runs, nothing is pending or queued on the key and the copy is not busy. Changes nothing.
     *
     * @param key the key
     * @param now the node's time
     * @return whether the read is a local hit
     */
    public boolean readsLocally(String key, long now) {
        return readsLocally(key, lines.find(key), now);
    }

    private boolean readsLocally(String key, Line line, long now) {
        return line != null && line.busy == Busy.NONE && valid(line, Math.max(now, this.now))
                && !pending.containsKey(key) && ops.head(key) == null;
    }

    /**
     * Handles a message from a home.
     *
     * @param now the node's time
     * @param from the sending node
     * @param message the message
     * @return the effects
     */
    public List<Effect> onMessage(long now, String from, CoherenceMessage.ToNode message) {
        begin(now);
        if (!(message instanceof Renewed)
                && !(message instanceof Invalidate && defects.contains(Defect.READABLE_KEPT_AFTER_INVALIDATION))) {
            readable.withdraw(message.key());
        }
        if (message instanceof Grant g) {
            onGrant(from, g);
        } else if (message instanceof Invalidate i) {
            onRevoke(from, i.key(), i.grant(), MesiState.INVALID);
        } else if (message instanceof Downgrade d) {
            onRevoke(from, d.key(), d.grant(), MesiState.SHARED);
        } else if (message instanceof Renewed r) {
            onRenewed(r);
        } else if (message instanceof Refused r) {
            // The request waits for its next retransmission, to wherever the locator points then.
            PendingRequest p = pending.get(r.key());
            if (p != null && p.id.equals(r.request())) {
                p.retryAt = Math.min(p.retryAt, this.now + timing.retry());
            }
        }
        return end();
    }

    /**
     * Handles the result of a memory write this node asked for.
     *
     * @param now the node's time
     * @param result the result
     * @return the effects
     */
    public List<Effect> onMemory(long now, MemoryResult result) {
        begin(now);
        QueuedOp read = coldReads == null ? null : coldReads.finish(result);
        if (read != null) {
            if (ops.head(result.key()) == read && result instanceof MemoryResult.ReadDone d) {
                coldReads.answered();
                ops.poll(result.key());
                complete(read, new OpResult.Read(d.data()));
            }
            // A failed read's operation goes the home's way: from a copy granted meanwhile, or a request.
            drive(result.key());
        } else if (result instanceof WriteDone w) {
            readable.withdraw(w.key());
            Line line = lines.find(w.key());
            if (line != null && line.busy != Busy.NONE && line.write == w.write()) {
                if (line.busy == Busy.WRITE_THROUGH) {
                    writeThroughDone(line, w.outcome());
                } else {
                    writeBackDone(line, w.outcome());
                }
                drive(line.key);
            }
        }
        return end();
    }

    /**
     * Advances time: sends pending requests again, fails overdue operations, takes in the reads served from
     * {@link #readable()} since the last tick, drops expired copies (writing back modified ones) and renews the
     * leases that are due. Call it at least every
     * {@link Timing#retry()}.
     *
     * @param now the node's time
     * @return the effects
     */
    public List<Effect> tick(long now) {
        begin(now);
        for (PendingRequest p : pending.values()) {
            if (this.now >= p.retryAt) {
                p.retryAt = this.now + timing.retry();
                unansweredSince = unansweredSince < 0 ? p.firstSentAt : Math.min(unansweredSince, p.firstSentAt);
                sendRequest(p);
                readAroundHome(p);
            }
        }
        expireOperations();
        renewals.giveUp(this.now, timing.retry(), lines::find, this::watch);
        // Copies read without this node's lock since the last tick: used, as if this node had served the reads (a busy
        // line's read is taken in once the line is free again).
        readable.takeReads(key -> {
            Line line = lines.find(key);
            if (line == null) {
                return true;
            }
            if (line.busy != Busy.NONE) {
                return false;
            }
            used(line);
            lines.touch(key);
            return true;
        });
        // Only the lines whose time came (a lease to renew or that ran out, a write-back to send again), or that
        // changed since in a way that may make them due: a tick costs what is due, not a walk over every line.
        List<Line> looked = lines.due(this.now);
        lookedAtByLastTick = looked.size();
        TreeMap<String, List<Line>> due = new TreeMap<>();
        for (Line line : looked) {
            if (line.busy != Busy.NONE) {
                if (line.writeRetryAt != 0 && this.now >= line.writeRetryAt) {
                    line.writeRetryAt = 0;
                    retryWrite(line);
                }
                continue;
            }
            if (!valid(line)) {
                expire(line);
            } else if (line.renewal == 0 && line.expiry - this.now <= timing.renewAhead() && (line.touched
                    || line.lastUsed != Long.MIN_VALUE && this.now - line.lastUsed < timing.keepIdle())) {
                due.computeIfAbsent(line.home, h -> new ArrayList<>()).add(line);
            }
        }
        out.addAll(renewals.start(this.now, due));
        for (Line line : looked) {
            if (lines.holds(line)) {
                lookAgain(line);
            }
        }
        for (String key : ops.keys()) {
            drive(key);
        }
        return end();
    }

    /**
     * Has the tick look at a line when something can next be due for it: its lease's renewal point, else the end of
     * its lease (a renewal in flight, or none due: not used), or a write-back's retry; not at all while a write is in
     * flight (its end calls {@link #watch}). A time already past means the next tick, as the lines that wait for a
     * use in their renewal window (or, with {@link Defect#HOLDER_IGNORES_LEASE}, forever) are looked at every tick.
     */
    private void lookAgain(Line line) {
        long at;
        if (line.busy != Busy.NONE) {
            if (line.writeRetryAt == 0) {
                return;
            }
            at = line.writeRetryAt;
        } else {
            long renewAt = line.expiry - timing.renewAhead();
            at = line.renewal == 0 && now < renewAt ? renewAt : line.expiry;
        }
        lines.lookAt(line, Math.max(at, now + 1));
    }

    /** Has the next tick look at a line that changed: its write ended, or its renewal was answered or given up. */
    private void watch(Line line) {
        lines.lookAt(line, now);
    }

    /** A read or write of a copy: its lease is renewed if it nears its end (the next tick looks at it). */
    private void used(Line line) {
        line.touched = true;
        line.lastUsed = now;
        if (line.renewal == 0 && line.expiry - now <= timing.renewAhead()) {
            watch(line);
        }
    }

    // ---------------------------------------------------------------- views

    /**
     * Returns the protocol state of a key on this node.
     *
     * @param key the key
     * @param now the node's time, to judge the lease
     * @return the state; I if there is no copy or its lease has run out and nothing is pending
     */
    public LineState state(String key, long now) {
        Line line = lines.find(key);
        if (line != null && line.busy != Busy.NONE) {
            return line.lineState();
        }
        boolean valid = line != null && valid(line, now);
        PendingRequest p = pending.get(key);
        if (p != null) {
            if (!p.exclusive) {
                return LineState.IS;
            }
            return valid && line.state == MesiState.SHARED ? LineState.SM : LineState.IM;
        }
        return valid ? line.lineState() : LineState.I;
    }

    /**
     * Returns the rights this node holds on a key: the state of its copy while the lease runs (E for a
     * write-through in flight, M for a write-back in flight), I otherwise. This is what the single-writer
     * invariant is about.
     *
     * @param key the key
     * @param now the node's time
     * @return the rights
     */
    public MesiState rights(String key, long now) {
        Line line = lines.find(key);
        return line != null && valid(line, now) ? line.state : MesiState.INVALID;
    }

    /**
     * Returns a view of a key's copy, valid or not.
     *
     * @param key the key
     * @param now the node's time
     * @return the copy, or empty if the node has none
     */
    public Optional<LineView> line(String key, long now) {
        Line line = lines.find(key);
        if (line == null) {
            return Optional.empty();
        }
        return Optional.of(new LineView(key, state(key, now), rights(key, now), line.data, line.grant, line.home,
                line.expiry));
    }

    /**
     * Counts the copies by the rights they hold now (a copy whose lease ran out counts as I), for metrics and the
     * admin API. Scans every copy.
     *
     * @param now the node's time
     * @return the number of copies per state, every state present
     */
    public Map<MesiState, Integer> linesByState(long now) {
        Map<MesiState, Integer> counts = new EnumMap<>(MesiState.class);
        for (MesiState state : MesiState.values()) {
            counts.put(state, 0);
        }
        for (Line line : lines.all()) {
            counts.merge(valid(line, now) ? line.state : MesiState.INVALID, 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Returns the largest number of copies kept.
     *
     * @return the capacity
     */
    public int capacity() {
        return lines.capacity();
    }

    /**
     * Returns the most bytes of copies kept.
     *
     * @return the bound in bytes, 0 for none
     */
    public long capacityBytes() {
        return lines.capacityBytes();
    }

    /**
     * Returns the bytes of the copies kept (keys at two bytes per character, and values), evicted copies still being
     * written back not included.
     *
     * @return the bytes
     */
    public long bytes() {
        return lines.bytes();
    }

    /**
     * Returns the keys of the copies in LRU order.
     *
     * @param limit the largest number of keys
     * @return the keys, most recently used first (copies being written back after eviction excluded)
     */
    public List<String> lruOrder(int limit) {
        return lines.order(limit);
    }

    /**
     * Returns the number of copies held, including evicted ones still being written back.
     *
     * @return the number of lines
     */
    public int size() {
        return lines.size();
    }

    /** How many lines the last tick looked at (tests: a tick costs what is due, not a walk over every line). */
    int linesLookedAtByLastTick() {
        return lookedAtByLastTick;
    }

    /**
     * Returns the MESI transitions of this node's copies so far, by kind.
     *
     * @return a snapshot of the counts
     */
    public Map<Transition, Long> transitions() {
        return lines.transitions();
    }

    /**
     * Returns how many reads were answered from main memory without a copy (<a href="#cold">cold reads</a>); they
     * count as misses in {@link #stats()} too.
     *
     * @return the reads so far
     */
    public long readsFromMemory() {
        return coldReads == null ? 0 : coldReads.readsFromMemory();
    }

    /**
     * Returns this node's statistics, in the API's terms.
     *
     * @return the counters so far
     */
    public CacheStats stats() {
        return new CacheStats(hits + readable.hits(), misses, evictions, invalidationsReceived, writeBacks);
    }

    /**
     * Returns the copies that any thread may read without calling this node (its read hits); see
     * {@link ReadableCopies} for what a read there guarantees.
     *
     * @return the node's readable copies, always the same object
     */
    public ReadableCopies readable() {
        return readable;
    }

    // ---------------------------------------------------------------- operations

    private void enqueue(QueuedOp op) {
        ops.add(op);
        drive(op.key);
    }

    /** Runs the operations at the head of a key's queue while the key's state lets them. */
    private void drive(String key) {
        for (QueuedOp head = ops.head(key); head != null; head = ops.head(key)) {
            if (pending.containsKey(key) || coldReads != null && coldReads.inFlight(key)) {
                return;
            }
            Line line = usable(key);
            if (line != null && line.busy != Busy.NONE) {
                return;
            }
            if (!run(head, line)) {
                return;
            }
            ops.poll(key);
        }
    }

    /** Returns the key's line if it can serve operations, after dropping it if its lease ran out. */
    private Line usable(String key) {
        Line line = lines.find(key);
        if (line == null || line.busy != Busy.NONE || valid(line)) {
            return line;
        }
        expire(line);
        return line.busy != Busy.NONE ? line : null;
    }

    /**
     * Runs an operation against the key's usable line.
     *
     * @return {@code true} if it completed, {@code false} if it waits at the head of the queue
     */
    private boolean run(QueuedOp q, Line line) {
        Op op = q.op;
        if (op instanceof Op.Get) {
            if (line != null) {
                hit(q, line);
                complete(q, new OpResult.Read(line.data));
                return true;
            }
            miss(q);
            if (coldReads != null && coldReads.missed(q)) {
                out.add(coldReads.start(q));
                return false;
            }
            request(q.key, false);
            return false;
        }
        if (op instanceof Op.Invalidate) {
            if (line == null) {
                complete(q, new OpResult.Done());
                return true;
            }
            if (line.state == MesiState.MODIFIED) {
                startWriteBack(line, MesiState.INVALID, Cause.LOCAL_INVALIDATION);
                line.release = true;
                return false;
            }
            drop(line, Cause.LOCAL_INVALIDATION, true);
            complete(q, new OpResult.Done());
            return true;
        }
        if (op instanceof Op.Flush) {
            if (line != null && line.state == MesiState.MODIFIED) {
                startWriteBack(line, MesiState.EXCLUSIVE, Cause.FLUSH);
                return false;
            }
            complete(q, new OpResult.Done());
            return true;
        }
        if (line != null) {
            Versioned current = line.data;
            if (!Mutations.needsWrite(op, current)) {
                hit(q, line);
                complete(q, new OpResult.Read(current));
                return true;
            }
            if (line.state.exclusive()) {
                Versioned next;
                try {
                    next = current.next(Mutations.newValue(op, current));
                } catch (RuntimeException e) {
                    complete(q, new OpResult.Failed(e));
                    return true;
                }
                hit(q, line);
                if (mode == WriteMode.WRITE_THROUGH) {
                    return startWriteThrough(line, q, next);
                }
                if (line.state == MesiState.EXCLUSIVE) {
                    lines.count(MesiState.EXCLUSIVE, MesiState.MODIFIED, Cause.SILENT_UPGRADE);
                    line.state = MesiState.MODIFIED;
                }
                line.data = next;
                lines.reweigh(line);
                line.inDoubt = true; // not in main memory until written back
                complete(q, new OpResult.Wrote(current, next));
                return true;
            }
        }
        miss(q);
        request(q.key, true);
        return false;
    }

    private void hit(QueuedOp q, Line line) {
        if (q.op instanceof Op.Get && !q.missed) {
            hits++;
        }
        used(line);
        lines.touch(line.key);
        served.add(line.key);
    }

    private void miss(QueuedOp q) {
        if (q.op instanceof Op.Get && !q.missed) {
            misses++;
        }
        q.missed = true;
    }

    private void complete(QueuedOp q, OpResult result) {
        if (q.parent == 0) {
            out.add(new Effect.Completed(q.id, result));
            return;
        }
        Boolean failed = ops.partDone(q.parent, result instanceof OpResult.Failed);
        if (failed != null) {
            out.add(new Effect.Completed(q.parent, failed
                    ? new OpResult.Failed(unavailable("some copies of cache '" + cache
                            + "' could not be written back; they are kept"))
                    : new OpResult.Done()));
        }
    }

    private void expireOperations() {
        for (QueuedOp q : ops.removeExpired(now)) {
            if (coldReads != null) {
                coldReads.forget(q);
            }
            Line line = lines.find(q.key);
            boolean writing = line != null && line.writer == q;
            if (writing) {
                line.writer = null;
            }
            complete(q, new OpResult.Failed(unavailable(describe(q) + " did not complete within the operation "
                    + "timeout" + (writing ? "; its write may still take effect" : ""))));
        }
    }

    private String describe(QueuedOp q) {
        String name = q.op.getClass().getSimpleName();
        return Character.toLowerCase(name.charAt(0)) + name.substring(1) + " of key '" + q.key + "' in cache '"
                + cache + "'";
    }

    private CacheUnavailableException unavailable(String message) {
        return new CacheUnavailableException(cache, message, null);
    }

    // ---------------------------------------------------------------- requests and grants

    private void request(String key, boolean exclusive) {
        PendingRequest p = new PendingRequest(key, exclusive, nextRequestId(), now, now + timing.retry());
        pending.put(key, p);
        sendRequest(p);
    }

    /**
     * A read waiting for a home that has not answered its request in {@link Timing#retry()} (down, cut off, or
     * quarantining the key after a ring change) is answered from main memory meanwhile, where cold reads are on; the
     * request stays pending, and its grant, if it comes, makes a copy for what follows.
     */
    private void readAroundHome(PendingRequest p) {
        QueuedOp head = ops.head(p.key);
        if (coldReads == null || p.exclusive || head == null || !(head.op instanceof Op.Get)
                || head.readFromMemory || coldReads.inFlight(p.key)) {
            return;
        }
        out.add(coldReads.start(head));
    }

    private RequestId nextRequestId() {
        return new RequestId(incarnation, ++requestSeq);
    }

    private void sendRequest(PendingRequest p) {
        HomeLocator.Home home = homes.locate(p.key);
        send(home.node(), p.exclusive ? new GetExclusive(p.key, home.epoch(), p.id)
                : new GetShared(p.key, home.epoch(), p.id));
    }

    private void onGrant(String from, Grant g) {
        String key = g.key();
        PendingRequest p = pending.get(key);
        if (p == null || !p.id.equals(g.request()) || (p.floor != null && g.grant().compareTo(p.floor) <= 0)
                || (p.exclusive && g.state() != MesiState.EXCLUSIVE)) {
            return; // a duplicate, or revoked before it arrived
        }
        Line old = lines.find(key);
        if (old != null && old.busy != Busy.NONE) {
            return; // requests are not sent while a write is in flight; a stray grant
        }
        long expiry = timing.holderExpiry(p.firstSentAt);
        if (expiry <= now && !defects.contains(Defect.HOLDER_IGNORES_LEASE)) {
            // Its lease ran out on the way: ask again, with a new id so that the home grants anew.
            p.id = nextRequestId();
            p.firstSentAt = now;
            p.retryAt = now + timing.retry();
            sendRequest(p);
            return;
        }
        pending.remove(key);
        if (unansweredSince >= 0) {
            out.add(new Effect.Recovered(Math.max(0, now - unansweredSince)));
            unansweredSince = -1;
        }
        MesiState before = MesiState.INVALID;
        Cause cause = p.exclusive ? Cause.WRITE_MISS : Cause.READ_MISS;
        if (old != null) {
            if (valid(old) && old.state == MesiState.SHARED && p.exclusive) {
                before = MesiState.SHARED;
                cause = Cause.UPGRADE;
            } else {
                lines.count(old.state, MesiState.INVALID, Cause.LEASE_EXPIRY);
            }
            lines.remove(old);
        }
        lines.count(before, g.state(), cause);
        Line line = new Line(key, g.state(), g.data(), g.grant(), from, expiry);
        lines.install(line);
        lookAgain(line);
        handleEvictions();
        drive(key);
    }

    /** Handles an Invalidate ({@code keep} I) or a Downgrade ({@code keep} S). */
    private void onRevoke(String from, String key, GrantId grant, MesiState keep) {
        PendingRequest p = pending.get(key);
        if (p != null) {
            p.floor = GrantId.max(p.floor, grant);
        }
        Line line = lines.find(key);
        if (line != null && line.busy == Busy.NONE && !valid(line)) {
            expire(line);
            if (line.busy == Busy.NONE) {
                line = null;
            }
        }
        if (line == null || line.grant.compareTo(grant) > 0) {
            // Nothing held under that grant (or only a later grant, which this does not revoke).
            send(from, new Ack(key, grant, false));
            return;
        }
        Cause cause = keep == MesiState.INVALID ? Cause.INVALIDATION : Cause.DOWNGRADE;
        if (keep == MesiState.INVALID) {
            invalidationsReceived++;
        }
        if (line.busy != Busy.NONE) {
            if (keep == MesiState.INVALID && line.after != MesiState.INVALID) {
                line.cause = cause;
            }
            line.after = MesiState.weaker(line.after, keep);
            line.acks.add(new Line.DueAck(from, grant));
            return;
        }
        if (line.state == MesiState.MODIFIED) {
            startWriteBack(line, keep, cause);
            line.acks.add(new Line.DueAck(from, grant));
            return;
        }
        if (keep == MesiState.INVALID) {
            drop(line, cause, false);
            send(from, new Ack(key, grant, false, line.memory()));
        } else {
            if (line.state == MesiState.EXCLUSIVE) {
                lines.count(MesiState.EXCLUSIVE, MesiState.SHARED, Cause.DOWNGRADE);
                line.state = MesiState.SHARED;
            }
            send(from, new Ack(key, grant, true, line.memory()));
        }
        drive(key);
    }

    private void onRenewed(Renewed r) {
        Long sentAt = renewals.answered(r.renewal());
        if (sentAt == null) {
            return; // late: its leases may have been renewed or revoked since
        }
        for (LeaseRef ref : r.accepted()) {
            Line line = lines.find(ref.key());
            if (line != null && line.grant.equals(ref.grant())) {
                // The home still had this grant on record, so nothing conflicting was granted meanwhile.
                line.expiry = Math.max(line.expiry, timing.holderExpiry(sentAt));
                line.renewal = 0;
                line.touched = false;
                lookAgain(line);
                if (readable.published(line.key)) {
                    readable.publish(line.key, line.data, line.expiry);
                }
            }
        }
        for (LeaseRef ref : r.refused()) {
            Line line = lines.find(ref.key());
            if (line != null && line.grant.equals(ref.grant())) {
                readable.withdraw(line.key);
                line.renewal = 0;
                watch(line);
                if (line.busy != Busy.NONE) {
                    if (line.after != MesiState.INVALID) {
                        line.cause = Cause.RENEWAL_REFUSED;
                    }
                    line.after = MesiState.INVALID;
                    line.release = true;
                } else if (line.state == MesiState.MODIFIED) {
                    startWriteBack(line, MesiState.INVALID, Cause.RENEWAL_REFUSED);
                    line.release = true;
                } else {
                    drop(line, Cause.RENEWAL_REFUSED, true);
                    drive(line.key);
                }
            }
        }
    }

    // ---------------------------------------------------------------- lines and memory writes

    private boolean valid(Line line) {
        return valid(line, now);
    }

    private boolean valid(Line line, long at) {
        return line.leaseRuns(at) || defects.contains(Defect.HOLDER_IGNORES_LEASE);
    }

    /** Handles a copy whose lease ran out: dropped, or written back first if modified. */
    private void expire(Line line) {
        if (line.state == MesiState.MODIFIED) {
            startWriteBack(line, MesiState.INVALID, Cause.LEASE_EXPIRY);
        } else {
            drop(line, Cause.LEASE_EXPIRY, false);
        }
    }

    private void drop(Line line, Cause cause, boolean release) {
        if (!(cause == Cause.INVALIDATION && defects.contains(Defect.READABLE_KEPT_AFTER_INVALIDATION))) {
            readable.withdraw(line.key);
        }
        lines.remove(line);
        lines.count(line.state, MesiState.INVALID, cause);
        if (release) {
            send(line.home, new Release(line.key, line.grant, line.state, line.memory()));
        }
        line.state = MesiState.INVALID;
    }

    private boolean startWriteThrough(Line line, QueuedOp q, Versioned next) {
        startWrite(line, Busy.WRITE_THROUGH, next, MesiState.EXCLUSIVE, null);
        line.writer = q;
        if (defects.contains(Defect.WRITE_THROUGH_ACKS_EARLY)) {
            line.writer = null;
            complete(q, new OpResult.Wrote(line.previous, next));
            return true;
        }
        return false;
    }

    private void startWriteBack(Line line, MesiState after, Cause cause) {
        startWrite(line, Busy.WRITE_BACK, line.data, after, cause);
    }

    private void startWrite(Line line, Busy busy, Versioned data, MesiState after, Cause cause) {
        readable.withdraw(line.key);
        line.busy = busy;
        line.write = ++writeSeq;
        line.previous = line.data;
        line.writing = data;
        line.writeMayHaveLanded = false;
        line.writer = null;
        line.after = after;
        line.cause = cause;
        line.acks.clear();
        line.release = false;
        line.inDoubt = true;
        out.add(new Effect.WriteMemory(line.write, line.key, data, line.grant));
    }

    private void retryWrite(Line line) {
        line.write = ++writeSeq;
        line.writeMayHaveLanded = true;
        out.add(new Effect.WriteMemory(line.write, line.key, line.writing, line.grant));
    }

    private void writeThroughDone(Line line, WriteOutcome outcome) {
        QueuedOp writer = line.writer;
        boolean waiting = writer != null && ops.head(line.key) == writer;
        if (outcome == WriteOutcome.FAILED && valid(line)) {
            retryWrite(line); // the same write again: a repeat of a stored write is accepted as written
            return;
        }
        line.busy = Busy.NONE;
        line.writer = null;
        watch(line);
        if (outcome == WriteOutcome.WRITTEN) {
            line.data = line.writing;
            lines.reweigh(line);
            line.inDoubt = false;
            if (waiting) {
                ops.poll(line.key);
                complete(writer, new OpResult.Wrote(line.previous, line.writing));
            }
            settle(line);
            return;
        }
        boolean known = outcome == WriteOutcome.REJECTED && !line.writeMayHaveLanded;
        if (waiting && !known) {
            ops.poll(line.key);
            complete(writer, new OpResult.Failed(unavailable(describe(writer)
                    + " could not be confirmed by main memory; its write may have taken effect")));
        }
        // Rejected for sure: nothing was stored, and the operation, still at the head, asks for ownership again.
        dropAfterWrite(line, known ? Cause.FENCED : Cause.WRITE_UNKNOWN);
    }

    private void writeBackDone(Line line, WriteOutcome outcome) {
        if (outcome == WriteOutcome.FAILED) {
            // Main memory did not answer (Redis down or slow): the same write again, past the lease too. The copy no
            // longer serves reads once its lease ran out, and the write is fenced: once the home granted the key
            // anew, its fenced read makes this write REJECTED (reported lost below). Before, a write-back that failed
            // after the lease was given up: a Redis outage longer than a lease lost every modified copy. The next
            // attempt waits for a tick a retry interval later: a main memory that fails at once (read-only, out of
            // memory, a closed client) must not be asked in a loop for as long as it fails.
            line.writeRetryAt = now + timing.retry();
            lines.lookAt(line, line.writeRetryAt);
            return;
        }
        line.busy = Busy.NONE;
        watch(line);
        if (outcome == WriteOutcome.WRITTEN) {
            line.inDoubt = false; // main memory has the copy's value (no operation ran while it was written)
            writeBacks++;
            settle(line);
            return;
        }
        out.add(new Effect.WriteLost(line.key, line.data.version()));
        failWaitingLocalOp(line.key);
        dropAfterWrite(line, outcome == WriteOutcome.REJECTED ? Cause.FENCED : Cause.WRITE_UNKNOWN);
    }

    private void failWaitingLocalOp(String key) {
        QueuedOp head = ops.head(key);
        if (head != null && (head.op instanceof Op.Invalidate || head.op instanceof Op.Flush)) {
            ops.poll(key);
            complete(head, new OpResult.Failed(unavailable(describe(head)
                    + ": the write-back was not accepted by main memory (ownership lost); its writes are lost")));
        }
    }

    /** Applies what was decided while a successful write was in flight, and answers the revocations. */
    private void settle(Line line) {
        MesiState target = line.after;
        if (target == MesiState.INVALID) {
            drop(line, line.cause, line.release && line.acks.isEmpty());
        } else if (target == MesiState.SHARED && line.state != MesiState.SHARED) {
            lines.count(line.state, MesiState.SHARED, Cause.DOWNGRADE);
            line.state = MesiState.SHARED;
        } else if (target == MesiState.EXCLUSIVE && line.state == MesiState.MODIFIED) {
            lines.count(MesiState.MODIFIED, MesiState.EXCLUSIVE, Cause.FLUSH);
            line.state = MesiState.EXCLUSIVE;
        }
        sendDueAcks(line, line.state == MesiState.SHARED);
    }

    private void dropAfterWrite(Line line, Cause cause) {
        drop(line, cause, line.release && line.acks.isEmpty());
        sendDueAcks(line, false);
    }

    private void sendDueAcks(Line line, boolean keptShared) {
        for (Line.DueAck due : line.acks) {
            send(due.to(), new Ack(line.key, due.grant(), keptShared, line.memory()));
        }
        line.acks.clear();
        line.release = false;
    }

    private void handleEvictions() {
        for (Line line = lines.pollEvicted(); line != null; line = lines.pollEvicted()) {
            readable.withdraw(line.key);
            evictions++;
            if (line.state == MesiState.MODIFIED) {
                lines.depart(line);
                startWriteBack(line, MesiState.INVALID, valid(line) ? Cause.EVICTION : Cause.LEASE_EXPIRY);
                line.release = valid(line);
            } else {
                boolean valid = valid(line);
                lines.count(line.state, MesiState.INVALID, valid ? Cause.EVICTION : Cause.LEASE_EXPIRY);
                if (valid) {
                    send(line.home, new Release(line.key, line.grant, line.state, line.memory()));
                }
                line.state = MesiState.INVALID;
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private void begin(long at) {
        now = Math.max(now, at);
        out = new ArrayList<>();
    }

    private List<Effect> end() {
        lines.trim();
        handleEvictions();
        for (String key : served) {
            Line line = lines.find(key);
            if (readsLocally(key, line, now)) {
                readable.publish(key, line.data, line.expiry);
            }
        }
        served.clear();
        List<Effect> effects = out;
        out = null;
        return effects;
    }

    private void send(String to, CoherenceMessage message) {
        out.add(new Effect.Send(to, message));
    }

    @Override
    public String toString() {
        return "CacheNode[" + cache + "@" + self + "#" + incarnation + ", " + lines.size() + " lines]";
    }
}
