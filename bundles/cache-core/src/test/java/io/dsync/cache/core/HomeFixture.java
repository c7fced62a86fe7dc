package io.dsync.cache.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.dsync.cache.core.CoherenceMessage.LeaseRef;

/**
 * One {@link HomeDirectory} (home {@code h}, key {@code k}, nodes {@code B}, {@code C} and {@code D})
 * driven into each {@link HomeState} by scripted nodes and main memory, and the events of the home's
 * state table fired at it. {@code B} is the first holder in every state that has holders; {@code D}
 * is a newcomer.
 */
final class HomeFixture {

    static final long MS = 1_000_000L;
    static final Timing TIMING = NodeFixture.TIMING;
    static final String KEY = "k";
    static final Versioned DATA = new Versioned("v".getBytes(StandardCharsets.US_ASCII), 3);

    /** The events of the home's table. */
    enum Event {
        GET_S, GET_M, DUPLICATE, OLD_REQUEST, WRONG_EPOCH, NOT_HOMED, ACK, ACK_SHARED, ACK_MEMORY, ACK_SHARED_MEMORY,
        RELEASE, RELEASE_MEMORY, RENEW, EXPIRE,
        READ_DONE, READ_FAILED, RETRY, QUARANTINE_OVER, MOVED
    }

    final HomeDirectory home = new HomeDirectory("c", "h", 1, TIMING);
    long now = 1_000 * MS;
    final long assumedAt;
    private final long[] seq = {10, 10, 10};
    /** The latest request each of B, C, D sent. */
    private final RequestId[] latest = new RequestId[3];
    long read;
    GrantId grantB;
    List<Effect> last = List.of();

    private HomeFixture(boolean quarantined) {
        assumedAt = now;
        home.assume(now, 1, Long.MAX_VALUE, key -> !key.equals("z"), key -> quarantined);
        now += MS; // holders' leases end after the quarantine
    }

    static HomeFixture in(HomeState state) {
        HomeFixture f = new HomeFixture(state == HomeState.BLOCKED);
        switch (state) {
            case I -> { }
            case S -> {
                f.request("B", false);
                f.readDone();
                f.request("C", false);
                f.ack("B", true, null);
                f.readDone();
            }
            case EM -> {
                f.request("B", true);
                f.readDone();
            }
            case BLOCKED -> f.request("C", false);
            case RECALL -> {
                f.request("B", true);
                f.readDone();
                f.request("C", false);
            }
            case INVALIDATE -> {
                in(HomeState.S).copyInto(f);
                f.request("D", true);
            }
            case READ -> f.request("C", false);
            case RESEND -> {
                f.request("B", true);
                f.readDone();
                f.retransmit("B", true);
            }
        }
        if (f.home.state(KEY) != state) {
            throw new IllegalStateException("fixture reached " + f.home.state(KEY) + " instead of " + state);
        }
        return f;
    }

    /** Replays the S setup into another fixture (the INVALIDATE setup starts from S). */
    private void copyInto(HomeFixture f) {
        f.request("B", false);
        f.readDone();
        f.request("C", false);
        f.ack("B", true, null);
        f.readDone();
    }

    HomeState state() {
        return home.state(KEY);
    }

    void fire(Event event) {
        switch (event) {
            case GET_S -> request("D", false);
            case GET_M -> request("D", true);
            case DUPLICATE -> retransmit(latest[0] != null ? "B" : "C", latest[0] == null || exclusiveB);
            case OLD_REQUEST -> record(home.onMessage(now, "B", new CoherenceMessage.GetShared(KEY, 1, new RequestId(1, 1))));
            case WRONG_EPOCH -> record(home.onMessage(now, "D", new CoherenceMessage.GetShared(KEY, 2, next("D"))));
            case NOT_HOMED -> record(home.onMessage(now, "D", new CoherenceMessage.GetShared("z", 1, next("D"))));
            case ACK -> ack("B", false, null);
            case ACK_SHARED -> ack("B", true, null);
            case ACK_MEMORY -> ack("B", false, DATA);
            case ACK_SHARED_MEMORY -> ack("B", true, DATA);
            case RELEASE -> release(null);
            case RELEASE_MEMORY -> release(DATA);
            case RENEW -> record(home.onMessage(now, "B", new CoherenceMessage.Renew(7,
                    List.of(new LeaseRef(KEY, grantOfB())))));
            case EXPIRE -> {
                long end = now + TIMING.lease() + TIMING.margin();
                tick(end - TIMING.retry() / 2);
                tick(end);
            }
            case READ_DONE -> readDone();
            case READ_FAILED -> record(home.onMemory(now, new MemoryResult.ReadFailed(read != 0 ? read : 999, KEY)));
            case RETRY -> tick(now + TIMING.retry());
            case QUARANTINE_OVER -> {
                tick(assumedAt + TIMING.quarantine() - 1);
                tick(assumedAt + TIMING.quarantine());
            }
            case MOVED -> record(home.assume(now, 2, Long.MAX_VALUE, key -> false, key -> false));
        }
    }

    private boolean exclusiveB;

    private GrantId grantOfB() {
        return grantB != null ? grantB : new GrantId(1, 1, 99);
    }

    private RequestId next(String node) {
        int i = node.charAt(0) - 'B';
        latest[i] = new RequestId(1, ++seq[i]);
        return latest[i];
    }

    void request(String node, boolean exclusive) {
        if (node.equals("B")) {
            exclusiveB = exclusive;
        }
        RequestId id = next(node);
        record(home.onMessage(now, node, exclusive ? new CoherenceMessage.GetExclusive(KEY, 1, id)
                : new CoherenceMessage.GetShared(KEY, 1, id)));
    }

    void retransmit(String node, boolean exclusive) {
        RequestId id = latest[node.charAt(0) - 'B'];
        if (id == null) {
            id = next(node);
        }
        record(home.onMessage(now, node, exclusive ? new CoherenceMessage.GetExclusive(KEY, 1, id)
                : new CoherenceMessage.GetShared(KEY, 1, id)));
    }

    void ack(String node, boolean keptShared, Versioned memory) {
        record(home.onMessage(now, node, new CoherenceMessage.Ack(KEY, grantOfB(), keptShared, memory)));
    }

    private void release(Versioned memory) {
        record(home.onMessage(now, "B", new CoherenceMessage.Release(KEY, grantOfB(), MesiState.SHARED, memory)));
    }

    void readDone() {
        record(home.onMemory(now, new MemoryResult.ReadDone(read != 0 ? read : 999, KEY, DATA)));
    }

    void tick(long at) {
        now = Math.max(now, at);
        record(home.tick(now));
    }

    private void record(List<Effect> effects) {
        last = effects;
        for (Effect e : effects) {
            if (e instanceof Effect.ReadMemory r) {
                read = r.read();
            } else if (e instanceof Effect.Send s && s.to().equals("B")
                    && s.message() instanceof CoherenceMessage.Grant g && grantB == null) {
                grantB = g.grant();
            }
        }
    }

    /** Describes the key's entry: state, holders and the number of requests waiting behind the one served. */
    String entry() {
        return home.entry(KEY).map(v -> v.state() + (v.holders().isEmpty() ? "" : "{" + String.join(",",
                v.holders().keySet()) + "}") + (v.waiting() == 0 ? "" : "+" + v.waiting())).orElse("I");
    }

    /**
     * Fires an event at a home in a state and describes the outcome as a cell of the state table: the
     * entry after the event (state, {holders}, +waiting requests) and the effects, or "-" if nothing
     * changed.
     */
    static String cell(HomeState state, Event event) {
        HomeFixture f = in(state);
        String before = f.entry();
        f.fire(event);
        String after = f.entry();
        String words = describe(f.last);
        return after.equals(before) && words.isEmpty() ? "-" : (after + " " + words).trim();
    }

    static String describe(List<Effect> effects) {
        List<String> words = new ArrayList<>();
        for (Effect e : effects) {
            if (e instanceof Effect.ReadMemory) {
                words.add("Read");
            } else if (e instanceof Effect.Send s) {
                CoherenceMessage m = s.message();
                String to = s.to();
                if (m instanceof CoherenceMessage.Grant g) {
                    words.add("Grant" + g.state().letter() + ">" + to);
                } else if (m instanceof CoherenceMessage.Invalidate) {
                    words.add("Inv>" + to);
                } else if (m instanceof CoherenceMessage.Downgrade) {
                    words.add("Down>" + to);
                } else if (m instanceof CoherenceMessage.Refused) {
                    words.add("Refused>" + to);
                } else if (m instanceof CoherenceMessage.Renewed r) {
                    words.add(r.accepted().isEmpty() ? "Refuse>" + to : "Renew>" + to);
                } else {
                    words.add(m.getClass().getSimpleName() + ">" + to);
                }
            } else {
                words.add(e.getClass().getSimpleName());
            }
        }
        return String.join(" ", words);
    }
}
