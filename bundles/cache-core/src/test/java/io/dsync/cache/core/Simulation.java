package io.dsync.cache.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;
import io.dsync.cache.core.Effect.Completed;
import io.dsync.cache.core.Effect.ReadMemory;
import io.dsync.cache.core.Effect.ReadPlain;
import io.dsync.cache.core.Effect.Send;
import io.dsync.cache.core.Effect.WriteLost;
import io.dsync.cache.core.Effect.WriteMemory;
import io.dsync.cache.core.History.Kind;
import io.dsync.cache.core.History.Rec;
import io.dsync.cache.core.MemoryResult.WriteOutcome;

/**
 * A deterministic discrete-event simulation of a cache cluster: N nodes, each running a
 * {@link CacheNode} and a {@link HomeDirectory}, a {@link FakeMemory}, a registry that places homes and
 * moves them when a node fails, and clients on every node. Everything random comes from one seeded
 * {@link Random}, so a seed replays exactly.
 * <ul>
 *   <li><b>Network</b>: every message is delayed (mostly 0.2-3 ms, 5% up to 80 ms, so messages
 *       overtake each other), and dropped or duplicated with a small probability; links are cut both
 *       ways or one way for 30-500 ms (longer than a 200 ms lease).</li>
 *   <li><b>Clocks</b>: each node's clock has its own offset and a rate within 1% of real time; the
 *       protocol's margin (5 ms) covers 1% of the lease (2 ms).</li>
 *   <li><b>Crashes</b>: a crashed node loses its lines, its directory and its waiting operations (they
 *       stay pending in the history: their outcome is unknown), and restarts 100-500 ms later with a
 *       new incarnation. Memory requests it had sent may or may not arrive.</li>
 *   <li><b>Stops</b>: a node's cache stops as a bundle stop does ({@link CacheNode#abandonWaiting}, then
 *       dropping its copies), and the node goes down 20-200 ms later. The operations it gave up must not have
 *       taken effect: they leave the history, so a read of a value one of them wrote fails the check.</li>
 *   <li><b>Homes</b>: the registry moves the keys of a crashed node, and of a node cut off from the
 *       registry once its registration has expired, to other nodes under a new epoch; nodes learn
 *       epochs after a delay. A home's authority is extended by heartbeats while it reaches the
 *       registry, and expires before its registration does.</li>
 *   <li><b>Main memory</b>: 2% of requests fail with an unknown outcome (applied or not).</li>
 * </ul>
 * After {@code duration} the faults stop, everything heals and restarts, every node drops its copies
 * (writing back modified ones), and one node reads every key; those reads must complete. Then the
 * checkers run: the single-writer invariant after every event, linearizability per key, and for
 * write-through caches that no acknowledged write is missing from main memory; for write-back caches,
 * writes that never reached main memory are allowed only on a node that later crashed or reported a
 * lost write-back, and are left out of the linearizability check with the reads of them on that node.
 */
final class Simulation {

    static final long MS = 1_000_000L;
    static final Timing TIMING = new Timing(200 * MS, 5 * MS, 20 * MS, 100 * MS, 600 * MS);
    /** The timing of the nodes of odd seeds: they also renew copies used within the last 600 ms. */
    static final Timing KEEPING_IDLE = new Timing(200 * MS, 5 * MS, 20 * MS, 100 * MS, 600 * MS, 600 * MS);
    /** The clients' bound in bytes on every other four seeds. */
    static final long BYTES = 24;
    static final long TICK = 5 * MS;
    static final long AUTHORITY = 150 * MS;
    static final long HEARTBEAT = 50 * MS;
    /** A registration lives this long after the last heartbeat, in real time: longer than any authority. */
    static final long REGISTRATION = 200 * MS;
    static final double RHO = 0.01;

    /**
     * What a run simulates.
     *
     * @param mode the write mode
     * @param nodes the number of nodes
     * @param keys the number of keys
     * @param capacity each node's capacity
     * @param defects deliberate protocol violations (negative controls)
     * @param faults whether to inject faults
     * @param duration how long clients run, in nanoseconds
     * @param singleWriterCheck whether to check the single-writer invariant after every event
     * @param drift how far each node's clock rate may differ from real time (a fraction; the protocol's
     *     margin covers 2.5% of the lease)
     * @param retainBytes the homes' budget for the values of keys nobody holds
     */
    record Config(WriteMode mode, int nodes, int keys, int capacity, Set<Defect> defects, boolean faults,
            long duration, boolean singleWriterCheck, double drift, long retainBytes) {

        /** The homes keep the values of about two keys nobody holds: some grants are served from them, some evicted. */
        static final long RETAIN = 260;

        static Config of(WriteMode mode) {
            return new Config(mode, 4, 3, 2, EnumSet.noneOf(Defect.class), true, 2_000 * MS, true, RHO, RETAIN);
        }

        Config with(Defect defect) {
            EnumSet<Defect> d = defects.isEmpty() ? EnumSet.noneOf(Defect.class) : EnumSet.copyOf(defects);
            d.add(defect);
            return new Config(mode, nodes, keys, capacity, d, faults, duration, singleWriterCheck, drift, retainBytes);
        }

        Config withoutSingleWriterCheck() {
            return new Config(mode, nodes, keys, capacity, defects, faults, duration, false, drift, retainBytes);
        }

        Config withDrift(double newDrift) {
            return new Config(mode, nodes, keys, capacity, defects, faults, duration, singleWriterCheck, newDrift, retainBytes);
        }
    }

    /**
     * What a run found.
     *
     * @param seed the seed
     * @param violation the first violation, if any
     * @param transitions the MESI transitions of all nodes
     * @param counters the simulator's counters (faults, messages, operations)
     */
    record Result(long seed, Optional<String> violation, Map<Transition, Long> transitions, Map<String, Long> counters) {
    }

    private record Event(long time, long seq, Runnable action) {
    }

    /** A crash or a lost write-back, with the history stamp when it happened. */
    private record Loss(String node, String key, long stamp) {
    }

    /** One simulated node. */
    private final class SimNode {
        final String id;
        boolean up = true;
        long incarnation = 1;
        double rate;
        long offset;
        CacheNode cache;
        HomeDirectory home;
        long view;
        boolean registryCut;
        boolean deregistered;
        long cutGeneration;
        long lastHeartbeat;
        final Map<Long, Rec> open = new HashMap<>();

        SimNode(String id) {
            this.id = id;
        }

        long local() {
            return offset + (long) Math.floor(time * rate);
        }

        void boot() {
            rate = 1 + (random.nextDouble() * 2 - 1) * config.drift();
            offset = random.nextInt(1_000_000) * 1_000L;
            // Seeds alternate the clients' renewal rule, (every other pair) their eviction policy, (every other
            // four) a bound in bytes that two lines with values (keys 4 bytes, values 4 to 20) often pass and
            // (every other eight) cold reads from main memory (write-through only).
            cache = new CacheNode("sim", id, incarnation, config.capacity(), seed / 4 % 2 == 0 ? 0 : BYTES,
                    config.mode(), seed / 2 % 2 == 0 ? EvictionPolicy.LRU : EvictionPolicy.W_TINY_LFU, seed / 8 % 2 == 1,
                    seed % 2 == 0 ? TIMING : KEEPING_IDLE,
                    key -> new HomeLocator.Home(homeOf(view, key), view), config.defects());
            home = new HomeDirectory("sim", id, incarnation, TIMING, config.retainBytes(), config.defects());
        }
    }

    private final long seed;
    private final Config config;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
    private final SimNode[] nodes;
    private final String[] keys;
    private final List<String[]> rings = new ArrayList<>();
    private final long[][] cutUntil;
    private final FakeMemory memory = new FakeMemory();
    private final History history = new History();
    private final TreeMap<String, Long> counters = new TreeMap<>();
    private final TreeMap<Transition, Long> transitions = new TreeMap<>();
    private final List<Loss> losses = new ArrayList<>();
    private final List<Rec> finalReads = new ArrayList<>();
    private long time;
    private long seq;
    private long stamp;
    private long opSeq;
    private boolean finale;
    private long end;
    private String violation;
    /** A key whose messages and memory operations are logged (set by {@code -Ddsync.cache.trace=<seed>:<key>}). */
    private final String traced;

    Simulation(long seed, Config config) {
        this.seed = seed;
        this.config = config;
        this.random = new Random(seed);
        this.nodes = new SimNode[config.nodes()];
        this.keys = new String[config.keys()];
        this.cutUntil = new long[config.nodes()][config.nodes()];
        String trace = System.getProperty("dsync.cache.trace", "");
        this.traced = trace.startsWith(seed + ":") ? trace.substring(trace.indexOf(':') + 1) : null;
        for (int k = 0; k < keys.length; k++) {
            keys[k] = "k" + k;
        }
        for (int n = 0; n < nodes.length; n++) {
            nodes[n] = new SimNode("n" + n);
        }
    }

    /** Runs the simulation and the checkers. */
    Result run() {
        String[] ring = new String[keys.length];
        for (int k = 0; k < keys.length; k++) {
            ring[k] = nodes[k % nodes.length].id;
        }
        rings.add(ring);
        end = config.duration() + 1_600 * MS;
        for (SimNode n : nodes) {
            n.boot();
            n.view = 1;
            // Nobody homed anything before epoch 1: nothing to wait out.
            dispatch(n, n.home.assume(n.local(), 1, n.local() + AUTHORITY, homes(n, 1), key -> false));
            n.lastHeartbeat = time;
            schedule(random.nextInt((int) TICK), () -> tick(n));
            schedule(random.nextInt((int) HEARTBEAT), () -> heartbeat(n));
            schedule(random.nextInt(20) * MS, () -> client(n));
        }
        if (config.faults()) {
            schedule(50 * MS + random.nextInt(200) * MS, this::fault);
        }
        schedule(config.duration(), this::startFinale);
        while (!queue.isEmpty() && violation == null) {
            Event e = queue.poll();
            time = e.time();
            e.action().run();
            if (config.singleWriterCheck() && violation == null) {
                checkSingleWriter();
            }
        }
        for (SimNode n : nodes) {
            if (n.cache != null) {
                n.cache.transitions().forEach((t, c) -> transitions.merge(t, c, Long::sum));
            }
            if (n.home != null) {
                counters.merge("grants from the home's copy", n.home.grantsFromCopy(), Long::sum);
            }
        }
        if (violation == null) {
            violation = finalChecks();
        }
        return new Result(seed, Optional.ofNullable(violation == null ? null : "seed " + seed + " (" + config.mode()
                + "): " + violation), transitions, counters);
    }

    // ---------------------------------------------------------------- scheduling

    private void schedule(long delay, Runnable action) {
        queue.add(new Event(time + delay, ++seq, action));
    }

    private long uniform(long min, long max) {
        return min + (long) (random.nextDouble() * (max - min));
    }

    private void count(String counter) {
        counters.merge(counter, 1L, Long::sum);
    }

    // ---------------------------------------------------------------- nodes

    private void tick(SimNode n) {
        if (n.up) {
            long now = n.local();
            dispatch(n, n.cache.tick(now));
            dispatch(n, n.home.tick(now));
        }
        if (time < end) {
            schedule(TICK, () -> tick(n));
        }
    }

    private void heartbeat(SimNode n) {
        if (n.up && !n.registryCut && !n.deregistered) {
            n.lastHeartbeat = time;
            dispatch(n, n.home.extendAuthority(n.local(), n.view, n.local() + AUTHORITY));
        }
        if (time < end) {
            schedule(HEARTBEAT, () -> heartbeat(n));
        }
    }

    private void trace(String key, Object what) {
        if (traced != null && (key == null || key.equals(traced))) {
            System.out.println(time / 1000 + "us " + what);
        }
    }

    private void dispatch(SimNode n, List<Effect> effects) {
        for (Effect e : effects) {
            if (!(e instanceof Send)) {
                trace(e instanceof Completed ? null : keyOf(e), n.id + " effect " + e);
            }
            if (e instanceof Send s) {
                send(n, s.to(), s.message());
            } else if (e instanceof ReadMemory || e instanceof WriteMemory || e instanceof ReadPlain) {
                count(e instanceof ReadMemory ? "memory reads" : e instanceof ReadPlain ? "cold reads from memory"
                        : "memory writes");
                toMemory(n, e);
            } else if (e instanceof Completed c) {
                completed(n, c);
            } else if (e instanceof WriteLost l) {
                count("write-backs lost");
                losses.add(new Loss(n.id, l.key(), ++stamp));
            }
        }
    }

    private static String keyOf(Effect e) {
        if (e instanceof ReadMemory r) {
            return r.key();
        }
        if (e instanceof ReadPlain r) {
            return r.key();
        }
        if (e instanceof WriteMemory w) {
            return w.key();
        }
        if (e instanceof WriteLost l) {
            return l.key();
        }
        return null;
    }

    private int index(String node) {
        return Integer.parseInt(node.substring(1));
    }

    private void send(SimNode from, String to, CoherenceMessage message) {
        count("messages");
        int a = index(from.id);
        int b = index(to);
        if (cutUntil[a][b] > time || (config.faults() && !finale && random.nextDouble() < 0.03)) {
            count("messages dropped");
            return;
        }
        int copies = config.faults() && !finale && random.nextDouble() < 0.02 ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = random.nextDouble() < 0.05 ? uniform(10 * MS, 80 * MS) : uniform(MS / 5, 3 * MS);
            schedule(delay, () -> deliver(from.id, nodes[b], a, message));
        }
    }

    private void deliver(String from, SimNode to, int a, CoherenceMessage message) {
        if (!to.up || cutUntil[a][index(to.id)] > time) {
            return;
        }
        if (traced != null && (message.key() == null || message.key().equals(traced))) {
            trace(message.key(), from + " -> " + to.id + " " + message + " [" + (message instanceof CoherenceMessage.ToHome
                    ? to.home.state(traced) : to.cache.state(traced, to.local())) + "]");
        }
        long now = to.local();
        if (message instanceof CoherenceMessage.ToHome h) {
            dispatch(to, to.home.onMessage(now, from, h));
        } else {
            dispatch(to, to.cache.onMessage(now, from, (CoherenceMessage.ToNode) message));
        }
    }

    private void toMemory(SimNode n, Effect request) {
        long incarnation = n.incarnation;
        schedule(uniform(MS / 5, 2 * MS), () -> {
            if ((!n.up || n.incarnation != incarnation) && random.nextBoolean()) {
                return; // the node crashed before its request left
            }
            boolean fail = config.faults() && !finale && random.nextDouble() < 0.02;
            boolean apply = !fail || random.nextBoolean();
            MemoryResult result;
            if (request instanceof ReadMemory r) {
                Versioned data = apply ? memory.read(r.key(), r.fence()) : null;
                result = fail ? new MemoryResult.ReadFailed(r.read(), r.key()) : new MemoryResult.ReadDone(r.read(), r.key(), data);
            } else if (request instanceof ReadPlain r) {
                result = fail ? new MemoryResult.ReadFailed(r.read(), r.key())
                        : new MemoryResult.ReadDone(r.read(), r.key(), memory.get(r.key()));
            } else {
                WriteMemory w = (WriteMemory) request;
                WriteOutcome outcome = apply ? memory.write(w.key(), w.data(), w.fence()) : null;
                result = new MemoryResult.WriteDone(w.write(), w.key(), fail ? WriteOutcome.FAILED : outcome);
            }
            if (fail) {
                count("memory failures");
            }
            schedule(uniform(MS / 5, 2 * MS), () -> {
                if (n.up && n.incarnation == incarnation) {
                    long now = n.local();
                    dispatch(n, request instanceof ReadMemory ? n.home.onMemory(now, result) : n.cache.onMemory(now, result));
                }
            });
        });
    }

    // ---------------------------------------------------------------- clients

    private void client(SimNode n) {
        if (!n.up || finale) {
            return;
        }
        String key = keys[random.nextInt(keys.length)];
        long id = ++opSeq;
        double p = random.nextDouble();
        Op op;
        Rec rec = null;
        if (p < 0.45 && random.nextBoolean()) {
            // Half the reads try the node's readable copies first, as the adapter's hit path does.
            ReadableCopies.Copy copy = n.cache.readable().read(key, n.local());
            if (copy != null) {
                Versioned hit = copy.data();
                Rec r = new Rec(id, n.id, key, Kind.GET, ++stamp, null);
                trace(key, n.id + " reads #" + id + " from its readable copy: " + hit);
                history.ops.add(r);
                r.completed = ++stamp;
                r.result = new OpResult.Read(hit);
                count("reads of readable copies");
                schedule(uniform(5 * MS, 50 * MS), () -> client(n));
                return;
            }
        }
        if (p < 0.45) {
            op = new Op.Get(key);
            rec = new Rec(id, n.id, key, Kind.GET, ++stamp, null);
        } else if (p < 0.62) {
            byte[] v = ("p" + id).getBytes(StandardCharsets.US_ASCII);
            op = new Op.Put(key, v);
            rec = new Rec(id, n.id, key, Kind.PUT, ++stamp, v);
        } else if (p < 0.67) {
            byte[] v = ("a" + id).getBytes(StandardCharsets.US_ASCII);
            op = new Op.PutIfAbsent(key, v);
            rec = new Rec(id, n.id, key, Kind.PUT_IF_ABSENT, ++stamp, v);
        } else if (p < 0.72) {
            op = new Op.Remove(key);
            rec = new Rec(id, n.id, key, Kind.REMOVE, ++stamp, null);
        } else if (p < 0.86) {
            Rec r = new Rec(id, n.id, key, Kind.COMPUTE, ++stamp, null);
            op = new Op.Compute(key, current -> {
                String read = current.map(History::tokenOf).orElse("-");
                byte[] v = ("c" + id + "|" + read).getBytes(StandardCharsets.US_ASCII);
                r.written = v;
                return Optional.of(v);
            });
            rec = r;
        } else if (p < 0.88) {
            op = new Op.Compute(key, current -> {
                throw new IllegalStateException("the function refuses");
            });
        } else if (p < 0.94) {
            op = new Op.Invalidate(key);
        } else if (p < 0.97) {
            op = new Op.InvalidateAll();
        } else {
            op = new Op.Flush();
        }
        trace(key, n.id + " submits #" + id + " " + op);
        if (rec != null) {
            history.ops.add(rec);
            n.open.put(id, rec);
        }
        count("operations");
        dispatch(n, n.cache.submit(n.local(), id, op));
        schedule(uniform(5 * MS, 50 * MS), () -> client(n));
    }

    private void completed(SimNode n, Completed c) {
        Rec rec = n.open.remove(c.op());
        if (rec == null) {
            if (c.result() instanceof OpResult.Failed) {
                count("operations failed");
            }
            return;
        }
        if (c.result() instanceof OpResult.Failed f && f.cause() instanceof CacheUnavailableException) {
            if (f.cause().getMessage().contains("was given up")) {
                // A stopping cache promises that it did not take effect: out of the history, so that a read of
                // its value would be a read of a value nobody wrote.
                history.ops.remove(rec);
                count("operations given up");
                return;
            }
            count("operations failed");
            return; // outcome unknown: stays pending
        }
        rec.completed = ++stamp;
        rec.result = c.result();
        count("operations completed");
        if (c.result() instanceof OpResult.Wrote && config.mode() == WriteMode.WRITE_BACK) {
            rec.fence = n.cache.line(rec.key, n.local()).orElseThrow().grant();
        }
    }

    // ---------------------------------------------------------------- faults and homes

    private void fault() {
        if (finale) {
            return;
        }
        double p = random.nextDouble();
        SimNode n = nodes[random.nextInt(nodes.length)];
        if (p < 0.35) {
            partition(n, nodes[random.nextInt(nodes.length)], true);
        } else if (p < 0.5) {
            partition(n, nodes[random.nextInt(nodes.length)], false);
        } else if (p < 0.7) {
            crash(n);
        } else if (p < 0.85) {
            cutFromRegistry(n);
        } else if (p < 0.92) {
            stop(n);
        }
        schedule(uniform(50 * MS, 250 * MS), this::fault);
    }

    private void partition(SimNode a, SimNode b, boolean bothWays) {
        if (a == b) {
            return;
        }
        long until = time + uniform(30 * MS, 500 * MS);
        cutUntil[index(a.id)][index(b.id)] = Math.max(cutUntil[index(a.id)][index(b.id)], until);
        if (bothWays) {
            cutUntil[index(b.id)][index(a.id)] = Math.max(cutUntil[index(b.id)][index(a.id)], until);
        }
        count(bothWays ? "partitions" : "one-way cuts");
    }

    private void crash(SimNode n) {
        if (!n.up) {
            return;
        }
        count("crashes");
        trace(null, n.id + " crashes");
        n.cache.transitions().forEach((t, c) -> transitions.merge(t, c, Long::sum));
        long at = ++stamp;
        for (String key : keys) {
            losses.add(new Loss(n.id, key, at));
        }
        n.up = false;
        n.open.clear();
        n.cache = null;
        n.home = null;
        schedule(uniform(100 * MS, 500 * MS), () -> restart(n));
        // A crashed home grants nothing more: its keys move once the registry notices.
        schedule(uniform(50 * MS, 150 * MS), () -> moveKeysFrom(n));
    }

    /**
     * A planned stop of a node (its bundle stops): its cache gives up what waits and drops its copies, writing
     * modified ones back, as the cache client does; 20-200 ms later the node goes down as in a crash (which also
     * covers a write-back the stop had no time to finish) and restarts.
     */
    private void stop(SimNode n) {
        if (!n.up) {
            return;
        }
        count("stops");
        trace(null, n.id + " stops");
        dispatch(n, n.cache.abandonWaiting(n.local()));
        dispatch(n, n.cache.submit(n.local(), ++opSeq, new Op.InvalidateAll()));
        long incarnation = n.incarnation;
        schedule(uniform(20 * MS, 200 * MS), () -> {
            if (n.incarnation == incarnation) {
                crash(n);
            }
        });
    }

    private void restart(SimNode n) {
        if (n.up) {
            return;
        }
        count("restarts");
        trace(null, n.id + " restarts");
        n.up = true;
        n.incarnation++;
        n.registryCut = false;
        n.deregistered = false;
        n.cutGeneration++;
        n.boot();
        n.view = rings.size();
        n.lastHeartbeat = time;
        // A restarted directory knows nothing of the grants it made before: everything it homes is new.
        dispatch(n, n.home.assume(n.local(), n.view, n.local() + AUTHORITY, homes(n, n.view), key -> true));
        schedule(uniform(MS, 20 * MS), () -> client(n));
    }

    private void cutFromRegistry(SimNode n) {
        if (!n.up || n.registryCut) {
            return;
        }
        count("registry cuts");
        n.registryCut = true;
        long generation = ++n.cutGeneration;
        if (random.nextBoolean()) {
            for (SimNode other : nodes) {
                if (other != n && random.nextBoolean()) {
                    partition(n, other, true);
                }
            }
        }
        // Its registration expires after the last heartbeat; its authority has ended before that.
        schedule(Math.max(0, n.lastHeartbeat + REGISTRATION - time), () -> {
            if (n.registryCut && n.cutGeneration == generation) {
                n.deregistered = true;
                moveKeysFrom(n);
            }
        });
        schedule(uniform(100 * MS, 700 * MS), () -> {
            if (n.up && n.cutGeneration == generation) {
                healRegistry(n);
            }
        });
    }

    private void healRegistry(SimNode n) {
        n.registryCut = false;
        if (n.deregistered || n.view < rings.size()) {
            n.deregistered = false;
            learn(n);
        }
    }

    /** Publishes a new epoch in which a failed node's keys have other homes. */
    private void moveKeysFrom(SimNode failed) {
        String[] latest = rings.get(rings.size() - 1);
        boolean homesAny = Arrays.asList(latest).contains(failed.id);
        if (!homesAny || (failed.up && !failed.registryCut && !failed.deregistered)) {
            return;
        }
        List<SimNode> eligible = new ArrayList<>();
        for (SimNode n : nodes) {
            if (n != failed && n.up && !n.registryCut && !n.deregistered) {
                eligible.add(n);
            }
        }
        if (eligible.isEmpty()) {
            schedule(50 * MS, () -> moveKeysFrom(failed));
            return;
        }
        String[] next = latest.clone();
        for (int k = 0; k < next.length; k++) {
            if (next[k].equals(failed.id)) {
                next[k] = eligible.get(random.nextInt(eligible.size())).id;
            }
        }
        rings.add(next);
        count("home epochs");
        trace(null, "epoch " + rings.size() + ": " + Arrays.toString(next));
        for (SimNode n : nodes) {
            schedule(uniform(MS, 60 * MS), () -> learn(n));
        }
    }

    /** A node reads the registry and takes up the latest epoch. */
    private void learn(SimNode n) {
        long target = rings.size();
        if (!n.up || n.registryCut || n.deregistered || target <= n.view) {
            return;
        }
        long from = n.view;
        n.view = target;
        n.lastHeartbeat = time;
        Predicate<String> newly = key -> {
            for (long e = from; e <= target; e++) {
                if (!homeOf(e, key).equals(n.id)) {
                    return true;
                }
            }
            return false;
        };
        trace(null, n.id + " learns epoch " + target);
        dispatch(n, n.home.assume(n.local(), target, n.local() + AUTHORITY, homes(n, target), newly));
    }

    private String homeOf(long epoch, String key) {
        return rings.get((int) epoch - 1)[Integer.parseInt(key.substring(1))];
    }

    private Predicate<String> homes(SimNode n, long epoch) {
        String[] ring = rings.get((int) epoch - 1);
        return key -> ring[Integer.parseInt(key.substring(1))].equals(n.id);
    }

    // ---------------------------------------------------------------- finale and checks

    private void startFinale() {
        finale = true;
        for (long[] row : cutUntil) {
            Arrays.fill(row, 0);
        }
        for (SimNode n : nodes) {
            if (!n.up) {
                restart(n);
            } else if (n.registryCut || n.deregistered) {
                n.cutGeneration++;
                healRegistry(n);
            }
        }
        schedule(700 * MS, () -> {
            for (SimNode n : nodes) {
                dispatch(n, n.cache.submit(n.local(), ++opSeq, new Op.InvalidateAll()));
            }
        });
        schedule(1_000 * MS, () -> {
            SimNode reader = nodes[random.nextInt(nodes.length)];
            for (String key : keys) {
                long id = ++opSeq;
                Rec rec = new Rec(id, reader.id, key, Kind.GET, ++stamp, null);
                history.ops.add(rec);
                finalReads.add(rec);
                reader.open.put(id, rec);
                dispatch(reader, reader.cache.submit(reader.local(), id, new Op.Get(key)));
            }
        });
    }

    private void checkSingleWriter() {
        for (String key : keys) {
            int owners = 0;
            int sharers = 0;
            for (SimNode n : nodes) {
                if (n.up) {
                    MesiState rights = n.cache.rights(key, n.local());
                    if (rights.exclusive()) {
                        owners++;
                    } else if (rights == MesiState.SHARED) {
                        sharers++;
                    }
                }
            }
            if (owners > 1 || (owners == 1 && sharers > 0)) {
                StringBuilder holders = new StringBuilder();
                for (SimNode n : nodes) {
                    if (n.up) {
                        holders.append("\n  ").append(n.id).append(": ").append(n.cache.line(key, n.local()))
                                .append(" local time ").append(n.local());
                    }
                }
                violation = "single writer violated for " + key + " at " + time / 1000 + " us: " + owners
                        + " owners, " + sharers + " sharers" + holders;
                return;
            }
        }
    }

    private String finalChecks() {
        for (Rec r : finalReads) {
            if (!(r.result instanceof OpResult.Read)) {
                return "the final read " + r + " did not complete after every fault had healed";
            }
        }
        Map<String, List<Rec>> byKey = new TreeMap<>();
        for (Rec r : history.ops) {
            byKey.computeIfAbsent(r.key, k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Rec>> e : byKey.entrySet()) {
            String key = e.getKey();
            List<Rec> ops = e.getValue();
            Set<Rec> lost = new HashSet<>();
            for (Rec r : ops) {
                if (r.result instanceof OpResult.Wrote w && !reachedMemory(r, w.current())) {
                    if (config.mode() == WriteMode.WRITE_THROUGH) {
                        return "acknowledged write " + r + " is not in main memory";
                    }
                    lost.add(r);
                }
            }
            Map<Rec, Long> lostAt = new HashMap<>();
            for (Rec r : lost) {
                Optional<Loss> loss = losses.stream()
                        .filter(l -> l.node().equals(r.node) && l.key().equals(key) && l.stamp() > r.completed)
                        .min(Comparator.comparingLong(Loss::stamp));
                if (loss.isEmpty()) {
                    return "write " + r + " never reached main memory, but its node neither crashed nor lost a write-back";
                }
                lostAt.put(r, loss.get().stamp());
            }
            counters.merge("writes lost (write-back)", (long) lost.size(), Long::sum);
            List<Rec> kept = new ArrayList<>();
            for (Rec r : ops) {
                if (!lost.contains(r) && !observesLost(r, lostAt)) {
                    kept.add(r);
                }
            }
            Optional<String> linearizable = RegisterChecker.check(key, kept);
            if (linearizable.isPresent()) {
                return linearizable.get();
            }
        }
        return null;
    }

    private boolean reachedMemory(Rec r, Versioned written) {
        for (FakeMemory.Applied a : memory.log()) {
            if (!a.key().equals(r.key)) {
                continue;
            }
            if (config.mode() == WriteMode.WRITE_THROUGH) {
                if (a.data().equals(written)) {
                    return true;
                }
            } else if (a.fence().equals(r.fence) && a.data().version() >= written.version()) {
                return true; // written back, itself or under a later version of the same copy
            }
        }
        return false;
    }

    /**
     * Tells whether an operation saw a lost write: only the writer's node can have, from the copy that was
     * lost, so between the write and the loss.
     */
    private static boolean observesLost(Rec r, Map<Rec, Long> lostAt) {
        Versioned seen = r.result instanceof OpResult.Read read ? read.data()
                : r.result instanceof OpResult.Wrote w ? w.previous() : null;
        if (seen == null) {
            return false;
        }
        for (Map.Entry<Rec, Long> e : lostAt.entrySet()) {
            Rec l = e.getKey();
            if (l.node.equals(r.node) && r.invoked > l.invoked && r.completed < e.getValue()
                    && ((OpResult.Wrote) l.result).current().equals(seen)) {
                return true;
            }
        }
        return false;
    }
}
