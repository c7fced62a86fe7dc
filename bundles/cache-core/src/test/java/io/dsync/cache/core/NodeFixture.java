package io.dsync.cache.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.dsync.cache.WriteMode;
import io.dsync.cache.core.CoherenceMessage.LeaseRef;
import io.dsync.cache.core.MemoryResult.WriteOutcome;

/**
 * One {@link CacheNode} (capacity 1, key {@code k}, home {@code h}) driven into each {@link LineState}
 * by a scripted home and main memory, and the events of the node's state table fired at it. Keeps what
 * the node sent (request ids, write ids, renewal ids) so that events can answer it.
 */
final class NodeFixture {

    static final long MS = 1_000_000L;
    /** Retries come before leases end, so that a retransmission and an expiry are separate events. */
    static final Timing TIMING = new Timing(1_000 * MS, 10 * MS, 100 * MS, 500 * MS, 5_000 * MS);
    static final String KEY = "k";
    static final String HOME = "h";
    static final byte[] VALUE = "v".getBytes(StandardCharsets.US_ASCII);

    /** The events of the node's table. */
    enum Event {
        READ, WRITE, INVALIDATE, FLUSH, EVICT, EXPIRE, RENEW_DUE, GRANT_S, GRANT_E, GRANT_STALE, INV, INV_STALE,
        DOWNGRADE, RENEWED, RENEW_REFUSED, REFUSED, RETRY, MEM_WRITTEN, MEM_REJECTED, MEM_FAILED
    }

    final CacheNode node;
    final WriteMode mode;
    long now = 1_000 * MS;
    private long opSeq;
    private long grantSeq = 10;
    private final Set<Long> keyOps = new HashSet<>();
    RequestId pending;
    long pendingSentAt;
    GrantId lineGrant;
    long leaseEnd;
    long write;
    List<Effect> last = List.of();

    NodeFixture(WriteMode mode) {
        this.mode = mode;
        this.node = new CacheNode("c", "n", 1, 1, mode, TIMING, key -> new HomeLocator.Home(HOME, 1));
    }

    /** Drives a fresh node into a state; returns {@code null} if the state is not reachable in this mode. */
    static NodeFixture in(LineState state, WriteMode mode) {
        boolean wt = mode == WriteMode.WRITE_THROUGH;
        if ((wt && (state == LineState.M || state.name().startsWith("MB"))) || (!wt && state == LineState.EW)) {
            return null;
        }
        NodeFixture f = new NodeFixture(mode);
        switch (state) {
            case I -> { }
            case IS -> f.submit(new Op.Get(KEY));
            case IM -> f.submit(new Op.Put(KEY, VALUE));
            case S -> f.granted(MesiState.SHARED);
            case SM -> {
                f.granted(MesiState.SHARED);
                f.submit(new Op.Put(KEY, VALUE));
            }
            case E -> f.granted(MesiState.EXCLUSIVE);
            case M, EW -> {
                f.granted(MesiState.EXCLUSIVE);
                f.submit(new Op.Put(KEY, VALUE));
            }
            case MB_S -> {
                f.modified();
                f.deliver(new CoherenceMessage.Downgrade(KEY, f.lineGrant));
            }
            case MB_E -> {
                f.modified();
                f.submit(new Op.Flush());
            }
            case MB_I -> {
                f.modified();
                f.deliver(new CoherenceMessage.Invalidate(KEY, f.lineGrant));
            }
        }
        LineState reached = f.state();
        if (reached != state) {
            throw new IllegalStateException("fixture reached " + reached + " instead of " + state);
        }
        return f;
    }

    private void granted(MesiState state) {
        submit(new Op.Get(KEY));
        grant(state);
    }

    private void modified() {
        granted(MesiState.EXCLUSIVE);
        submit(new Op.Put(KEY, VALUE));
    }

    LineState state() {
        return node.state(KEY, now);
    }

    GrantId nextGrant() {
        return new GrantId(1, 1, ++grantSeq);
    }

    /** Fires an event; {@link #last} holds the effects about key {@code k}. */
    void fire(Event event) {
        switch (event) {
            case READ -> submit(new Op.Get(KEY));
            case WRITE -> submit(new Op.Put(KEY, VALUE));
            case INVALIDATE -> submit(new Op.Invalidate(KEY));
            case FLUSH -> submit(new Op.Flush());
            case EVICT -> {
                // Capacity 1: a copy of another key pushes k's copy out, if it may be evicted.
                List<Effect> effects = node.submit(now, ++opSeq, new Op.Get("x"));
                RequestId x = null;
                for (Effect e : effects) {
                    if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetShared g) {
                        x = g.request();
                    }
                }
                record(node.onMessage(now, HOME, new CoherenceMessage.Grant("x", x, nextGrant(), MesiState.SHARED,
                        Versioned.INITIAL)));
            }
            case EXPIRE -> {
                long end = leaseEnd != 0 ? leaseEnd : (pending != null ? pendingSentAt : now) + TIMING.lease();
                tick(end - 1); // so that no retransmission is due at the expiry itself
                tick(end);
            }
            case RENEW_DUE -> {
                tick(renewalDue() - 1); // so that no retransmission is due at the renewal itself
                tick(renewalDue());
            }
            case GRANT_S, GRANT_E -> grant(event == Event.GRANT_S ? MesiState.SHARED : MesiState.EXCLUSIVE);
            case GRANT_STALE -> deliver(new CoherenceMessage.Grant(KEY, new RequestId(1, 999), nextGrant(),
                    MesiState.EXCLUSIVE, Versioned.INITIAL));
            case INV -> deliver(new CoherenceMessage.Invalidate(KEY, lineGrant != null ? lineGrant : nextGrant()));
            case INV_STALE -> deliver(new CoherenceMessage.Invalidate(KEY, new GrantId(1, 1, 1)));
            case DOWNGRADE -> deliver(new CoherenceMessage.Downgrade(KEY, lineGrant != null ? lineGrant : nextGrant()));
            case RENEWED, RENEW_REFUSED -> {
                long renewal = 999;
                tick(renewalDue() - 1);
                tick(renewalDue());
                for (Effect e : last) {
                    if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.Renew r) {
                        renewal = r.renewal();
                    }
                }
                List<LeaseRef> leases = lineGrant == null ? List.of() : List.of(new LeaseRef(KEY, lineGrant));
                deliver(event == Event.RENEWED ? new CoherenceMessage.Renewed(renewal, leases, List.of())
                        : new CoherenceMessage.Renewed(renewal, List.of(), leases));
            }
            case REFUSED -> deliver(new CoherenceMessage.Refused(KEY, pending != null ? pending : new RequestId(1, 999),
                    CoherenceMessage.RefusalReason.NOT_HOME));
            case RETRY -> tick(now + TIMING.retry());
            case MEM_WRITTEN, MEM_REJECTED, MEM_FAILED -> memory(event == Event.MEM_WRITTEN ? WriteOutcome.WRITTEN
                    : event == Event.MEM_REJECTED ? WriteOutcome.REJECTED : WriteOutcome.FAILED);
        }
    }

    private long renewalDue() {
        return leaseEnd != 0 ? leaseEnd - TIMING.renewAhead() : now + TIMING.retry() / 2;
    }

    /** Counts completions of k's operations. */
    long completed;

    void submit(Op op) {
        long id = ++opSeq;
        keyOps.add(id);
        record(node.submit(now, id, op));
    }

    void deliver(CoherenceMessage.ToNode message) {
        record(node.onMessage(now, HOME, message));
    }

    void tick(long at) {
        now = Math.max(now, at);
        record(node.tick(now));
    }

    void memory(WriteOutcome outcome) {
        record(node.onMemory(now, new MemoryResult.WriteDone(write != 0 ? write : 999, KEY, outcome)));
    }

    private void grant(MesiState state) {
        GrantId g = nextGrant();
        RequestId request = pending != null ? pending : new RequestId(1, 999);
        deliver(new CoherenceMessage.Grant(KEY, request, g, state, new Versioned(VALUE, 1)));
    }

    /** Keeps the effects about k, and what they tell about requests, grants and writes. */
    private void record(List<Effect> effects) {
        last = about(effects);
        for (Effect e : last) {
            if (e instanceof Effect.Completed) {
                completed++;
            }
            if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetShared g) {
                noteRequest(g.request());
            } else if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetExclusive g) {
                noteRequest(g.request());
            } else if (e instanceof Effect.WriteMemory w) {
                write = w.write();
            }
        }
        node.line(KEY, now).ifPresentOrElse(v -> {
            lineGrant = v.grant();
            leaseEnd = v.expiry();
        }, () -> {
            lineGrant = null;
            leaseEnd = 0;
        });
        LineState s = state();
        if (s != LineState.IS && s != LineState.IM && s != LineState.SM) {
            pending = null;
        }
    }

    private void noteRequest(RequestId id) {
        if (!id.equals(pending)) {
            pending = id;
            pendingSentAt = now;
        }
    }

    private List<Effect> about(List<Effect> effects) {
        List<Effect> mine = new ArrayList<>();
        for (Effect e : effects) {
            if (e instanceof Effect.Completed c ? keyOps.contains(c.op())
                    : e instanceof Effect.Send s ? s.message().key() == null ? mentionsKey(s.message()) : KEY.equals(s.message().key())
                    : e instanceof Effect.WriteMemory w ? KEY.equals(w.key())
                    : e instanceof Effect.WriteLost l && KEY.equals(l.key())) {
                mine.add(e);
            }
        }
        return mine;
    }

    private static boolean mentionsKey(CoherenceMessage m) {
        return m instanceof CoherenceMessage.Renew r && r.leases().stream().anyMatch(l -> l.key().equals(KEY));
    }

    /**
     * Fires an event at a node in a state and describes the outcome as a cell of the state table: the
     * next state and the effects, "wait" if an operation was queued, "extended" if the lease grew, "-" if
     * nothing changed, and for the states waiting on a memory write, what happens when it succeeds
     * ("then ...").
     */
    static String cell(LineState state, WriteMode mode, Event event) {
        NodeFixture f = in(state, mode);
        long leaseBefore = f.leaseEnd;
        long completedBefore = f.completed;
        f.fire(event);
        LineState after = f.state();
        List<String> words = new ArrayList<>();
        for (Effect e : f.last) {
            words.add(word(e));
        }
        boolean op = event == Event.READ || event == Event.WRITE || event == Event.INVALIDATE || event == Event.FLUSH;
        if (op && f.completed == completedBefore) {
            words.add("wait");
        }
        if (f.leaseEnd > leaseBefore && leaseBefore != 0 && after == state) {
            words.add("extended");
        }
        String cell = after == state && words.isEmpty() ? "-" : (after + " " + String.join(" ", words)).trim();
        if ((after == LineState.EW || after.name().startsWith("MB")) && event != Event.MEM_FAILED) {
            f.fire(Event.MEM_WRITTEN);
            cell += ", then " + (f.state() + " " + describe(f.last)).trim();
        }
        return cell;
    }

    /** The effects in the table's words. */
    static String describe(List<Effect> effects) {
        List<String> words = new ArrayList<>();
        for (Effect e : effects) {
            words.add(word(e));
        }
        return String.join(" ", words);
    }

    static String word(Effect e) {
        if (e instanceof Effect.Send s) {
            CoherenceMessage m = s.message();
            if (m instanceof CoherenceMessage.GetShared) {
                return "GetS";
            } else if (m instanceof CoherenceMessage.GetExclusive) {
                return "GetM";
            } else if (m instanceof CoherenceMessage.Ack a) {
                return a.keptShared() ? "AckS" : "Ack";
            } else if (m instanceof CoherenceMessage.Release r) {
                return "Put" + r.state().letter();
            } else if (m instanceof CoherenceMessage.Renew) {
                return "Renew";
            }
            return m.getClass().getSimpleName();
        } else if (e instanceof Effect.WriteMemory) {
            return "Write";
        } else if (e instanceof Effect.Completed c) {
            return c.result() instanceof OpResult.Failed ? "Fail" : "Done";
        } else if (e instanceof Effect.WriteLost) {
            return "Lost";
        }
        return e.getClass().getSimpleName();
    }
}
