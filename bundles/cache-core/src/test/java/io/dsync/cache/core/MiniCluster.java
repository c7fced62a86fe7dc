package io.dsync.cache.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.dsync.cache.WriteMode;

/**
 * A small synchronous cluster for scenario tests: cache nodes {@code a}, {@code b}, ... and one home
 * {@code h} for every key, one shared clock, a {@link FakeMemory}. Nothing happens by itself: the test
 * submits operations, delivers messages, runs memory requests and advances time, and can cut nodes off
 * or hold messages and memory requests back.
 */
final class MiniCluster {

    /** A message on its way. */
    record Envelope(String from, String to, CoherenceMessage message) {
    }

    /** A memory request on its way, from a node's cache or from the home. */
    record MemoryRequest(String node, Effect effect) {
    }

    static final Timing TIMING = NodeFixture.TIMING;
    static final String HOME = "h";

    final WriteMode mode;
    long now = 1_000 * NodeFixture.MS;
    long epoch = 1;
    final FakeMemory memory = new FakeMemory();
    final Map<String, CacheNode> nodes = new HashMap<>();
    HomeDirectory home;
    final ArrayDeque<Envelope> network = new ArrayDeque<>();
    final ArrayDeque<MemoryRequest> memoryRequests = new ArrayDeque<>();
    final Map<Long, OpResult> results = new HashMap<>();
    final List<Effect> lost = new ArrayList<>();
    /** Each node's {@link Effect.Recovered} waits, in order. */
    final java.util.Map<String, List<Long>> recovered = new java.util.TreeMap<>();
    final Set<String> cut = new HashSet<>();
    /** Messages matching this are kept back in {@link #held} instead of being delivered. */
    Predicate<Envelope> hold = e -> false;
    final List<Envelope> held = new ArrayList<>();
    boolean holdMemory;
    /** The fenced reads the home asked for. */
    int homeReads;
    private long opSeq;
    private int homeIncarnation = 1;
    private long retainBytes;

    MiniCluster(WriteMode mode, String... names) {
        this(TIMING, mode, names);
    }

    /** A cluster whose nodes (not its home) use {@code nodeTiming}, which must have {@link #TIMING}'s lease. */
    MiniCluster(Timing nodeTiming, WriteMode mode, String... names) {
        this.mode = mode;
        for (String name : names) {
            nodes.put(name, new CacheNode("c", name, 1, 16, mode, nodeTiming,
                    key -> new HomeLocator.Home(HOME, epoch)));
        }
        home = new HomeDirectory("c", HOME, homeIncarnation, TIMING);
        home.assume(now, epoch, Long.MAX_VALUE, key -> true, key -> false);
    }

    long submit(String node, Op op) {
        long id = ++opSeq;
        handle(node, nodes.get(node).submit(now, id, op));
        return id;
    }

    /** Submits and settles everything; returns the result. */
    OpResult run(String node, Op op) {
        long id = submit(node, op);
        settle();
        return results.get(id);
    }

    void handle(String node, List<Effect> effects) {
        for (Effect e : effects) {
            if (e instanceof Effect.Send s) {
                if (!cut.contains(node) && !cut.contains(s.to())) {
                    network.add(new Envelope(node, s.to(), s.message()));
                }
            } else if (e instanceof Effect.ReadMemory || e instanceof Effect.WriteMemory) {
                if (e instanceof Effect.ReadMemory) {
                    homeReads++;
                }
                memoryRequests.add(new MemoryRequest(node, e));
            } else if (e instanceof Effect.Completed c) {
                results.put(c.op(), c.result());
            } else if (e instanceof Effect.WriteLost) {
                lost.add(e);
            } else if (e instanceof Effect.Recovered r) {
                recovered.computeIfAbsent(node, k -> new ArrayList<>()).add(r.waited());
            }
        }
    }

    /** Delivers messages and runs memory requests until nothing is left to do (except what is held). */
    void settle() {
        while (true) {
            Envelope m = network.poll();
            if (m != null) {
                deliver(m);
                continue;
            }
            if (!holdMemory && !memoryRequests.isEmpty()) {
                runMemory(memoryRequests.poll());
                continue;
            }
            return;
        }
    }

    void deliver(Envelope m) {
        if (cut.contains(m.to()) || cut.contains(m.from())) {
            return;
        }
        if (hold.test(m)) {
            held.add(m);
            return;
        }
        if (m.message() instanceof CoherenceMessage.ToHome h) {
            handle(HOME, home.onMessage(now, m.from(), h));
        } else {
            handle(m.to(), nodes.get(m.to()).onMessage(now, m.from(), (CoherenceMessage.ToNode) m.message()));
        }
    }

    /** Delivers the held messages now. */
    void release() {
        List<Envelope> messages = new ArrayList<>(held);
        held.clear();
        hold = e -> false;
        messages.forEach(this::deliver);
        settle();
    }

    void runMemory(MemoryRequest request) {
        if (request.effect() instanceof Effect.ReadMemory r) {
            handle(HOME, home.onMemory(now, new MemoryResult.ReadDone(r.read(), r.key(), memory.read(r.key(), r.fence()))));
        } else {
            Effect.WriteMemory w = (Effect.WriteMemory) request.effect();
            MemoryResult result = new MemoryResult.WriteDone(w.write(), w.key(), memory.write(w.key(), w.data(), w.fence()));
            handle(request.node(), nodes.get(request.node()).onMemory(now, result));
        }
    }

    /** Advances time, ticking everything on the way every retry interval, and settles. */
    void advance(long duration) {
        long end = now + duration;
        while (now < end) {
            now = Math.min(end, now + TIMING.retry() / 2);
            for (Map.Entry<String, CacheNode> n : nodes.entrySet()) {
                handle(n.getKey(), n.getValue().tick(now));
            }
            handle(HOME, home.tick(now));
            settle();
        }
    }

    /** Replaces the home by a new directory: a restart under the same epoch, or a successor under a new one. */
    void restartHome(boolean newEpoch) {
        restartHome(newEpoch, now + TIMING.quarantine());
    }

    /** As {@link #restartHome(boolean)}, the adapter knowing that every earlier lease ends by {@code leasesEnd}. */
    void restartHome(boolean newEpoch, long leasesEnd) {
        if (newEpoch) {
            epoch++;
        }
        home = new HomeDirectory("c", HOME, ++homeIncarnation, TIMING, retainBytes);
        home.assume(now, epoch, Long.MAX_VALUE, key -> true, key -> true, leasesEnd);
    }

    /** Gives the cluster, before anything has run, a home that keeps values of keys nobody holds within a budget. */
    MiniCluster retaining(long bytes) {
        retainBytes = bytes;
        home = new HomeDirectory("c", HOME, homeIncarnation, TIMING, retainBytes);
        home.assume(now, epoch, Long.MAX_VALUE, key -> true, key -> false);
        return this;
    }

    MesiState rights(String node, String key) {
        return nodes.get(node).rights(key, now);
    }

    LineState state(String node, String key) {
        return nodes.get(node).state(key, now);
    }
}
