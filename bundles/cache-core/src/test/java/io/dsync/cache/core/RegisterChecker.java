package io.dsync.cache.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.dsync.cache.core.History.Kind;
import io.dsync.cache.core.History.Rec;

/**
 * Linearizability of one key's history, as a read/write register with unique written values. The
 * system's versions propose the order of the writes; the check is that this order, each read's
 * reads-from (named by the value it returned) and real time are consistent:
 * <ol>
 *   <li>every version belongs to at most one write, and every value read (with its version) was
 *       written with that version, or is the initial absent value at version 0;</li>
 *   <li>each write replaced the value of the write just before it in version order (its result names
 *       the replaced value), and a compute computed from that value;</li>
 *   <li>the graph with edges write(v) → write(next version), write(v) → each read of v → write(next
 *       version), and a → b whenever a completed before b was invoked, has no cycle.</li>
 * </ol>
 * That is exactly linearizability for a register whose write order is given (Gibbons and Korach). An
 * operation that did not complete (crash, timeout) may or may not have taken effect: a write that
 * nobody observed is left out; one whose value was read takes the version it was read with. A read
 * that did not complete is left out.
 */
final class RegisterChecker {

    private RegisterChecker() {
    }

    /**
     * Checks one key's operations.
     *
     * @param key the key
     * @param ops its operations (reads, and writes that took or may have taken effect)
     * @return a description of the first violation found, or empty
     */
    static Optional<String> check(String key, List<Rec> ops) {
        Map<Long, Rec> writes = new TreeMap<>();
        Map<String, Rec> pendingByToken = new HashMap<>();
        List<Rec> pendingRemoves = new ArrayList<>();
        Map<Rec, Long> versionOf = new IdentityHashMap<>();
        for (Rec r : ops) {
            if (r.result instanceof OpResult.Wrote w) {
                Rec other = writes.put(w.current().version(), r);
                if (other != null) {
                    return Optional.of("two writes of key " + key + " have version " + w.current().version() + ": "
                            + other + " and " + r);
                }
                versionOf.put(r, w.current().version());
            } else if (r.kind != Kind.GET && !r.done()) {
                if (r.written != null) {
                    pendingByToken.put(History.tokenOf(r.written), r);
                } else if (r.kind == Kind.REMOVE) {
                    pendingRemoves.add(r);
                }
            }
        }
        // Observations: what reads returned, and what each write replaced.
        record Observation(Rec by, Versioned seen, boolean replaced) {
        }
        List<Observation> observations = new ArrayList<>();
        for (Rec r : ops) {
            if (r.result instanceof OpResult.Read read) {
                observations.add(new Observation(r, read.data(), false));
            } else if (r.result instanceof OpResult.Wrote w) {
                observations.add(new Observation(r, w.previous(), true));
                if (w.previous().version() + 1 != w.current().version()) {
                    return Optional.of("write " + r + " did not write the version after the one it replaced");
                }
            }
        }
        observations.sort((a, b) -> Long.compare(a.by().completed, b.by().completed));
        for (Observation o : observations) {
            long v = o.seen().version();
            if (v == 0) {
                if (o.seen().present()) {
                    return Optional.of(o.by() + " saw a value at version 0");
                }
                continue;
            }
            Rec w = writes.get(v);
            if (w == null) {
                w = resolvePending(o.seen(), o.by(), pendingByToken, pendingRemoves);
                if (w == null) {
                    return Optional.of(o.by() + " saw " + o.seen() + ", which no operation wrote (key " + key + ")");
                }
                Long had = versionOf.get(w);
                if (had != null && had != v) {
                    return Optional.of(w + " was seen at versions " + had + " and " + v);
                }
                Rec other = writes.put(v, w);
                if (other != null && other != w) {
                    return Optional.of("two writes of key " + key + " have version " + v + ": " + other + " and " + w);
                }
                versionOf.put(w, v);
            }
            if (!Arrays.equals(valueOf(w), o.seen().value())) {
                return Optional.of(o.by() + " saw " + o.seen() + " but version " + v + " was written by " + w);
            }
        }
        for (Map.Entry<Long, Rec> e : writes.entrySet()) {
            Rec w = e.getValue();
            if (w.kind == Kind.COMPUTE && w.written != null) {
                Rec before = writes.get(e.getKey() - 1);
                String expected = before == null ? "-" : tokenOrDash(before);
                if (e.getKey() - 1 > 0 && before == null) {
                    continue; // the write before it was never observed: nothing to compare with
                }
                if (!History.readTokenOf(w.written).equals(expected)) {
                    return Optional.of("compute " + w + " read " + History.readTokenOf(w.written) + " but version "
                            + (e.getKey() - 1) + " was written by " + before);
                }
            }
        }
        return acyclic(key, writes, observations.stream().filter(o -> !o.replaced()).map(o -> o.by()).toList(),
                observations.stream().filter(o -> !o.replaced()).map(o -> o.seen().version()).toList());
    }

    private static Rec resolvePending(Versioned seen, Rec by, Map<String, Rec> pendingByToken, List<Rec> removes) {
        if (seen.present()) {
            return pendingByToken.get(History.tokenOf(seen.value()));
        }
        for (Rec r : removes) {
            if (r.invoked < by.completed) {
                removes.remove(r);
                return r;
            }
        }
        return null;
    }

    private static byte[] valueOf(Rec w) {
        if (w.result instanceof OpResult.Wrote wrote) {
            return wrote.current().value();
        }
        return w.written;
    }

    private static String tokenOrDash(Rec w) {
        return History.tokenOf(valueOf(w));
    }

    /** The graph check (step 3). */
    private static Optional<String> acyclic(String key, Map<Long, Rec> writes, List<Rec> reads, List<Long> readVersions) {
        List<Rec> nodes = new ArrayList<>();
        Rec initial = new Rec(0, "-", key, Kind.PUT, Long.MIN_VALUE, null);
        initial.completed = Long.MIN_VALUE;
        nodes.add(initial);
        List<Long> versions = new ArrayList<>(writes.keySet());
        Map<Long, Rec> byVersion = new HashMap<>(writes);
        byVersion.put(0L, initial);
        versions.add(0, 0L);
        nodes.addAll(writes.values());
        Set<Rec> seen = new HashSet<>(nodes);
        for (Rec r : reads) {
            if (seen.add(r)) {
                nodes.add(r);
            }
        }
        Map<Rec, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i), i);
        }
        List<Set<Integer>> edges = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            edges.add(new HashSet<>());
        }
        for (int i = 0; i + 1 < versions.size(); i++) {
            edges.get(index.get(byVersion.get(versions.get(i)))).add(index.get(byVersion.get(versions.get(i + 1))));
        }
        for (int i = 0; i < reads.size(); i++) {
            long v = readVersions.get(i);
            int r = index.get(reads.get(i));
            edges.get(index.get(byVersion.get(v))).add(r);
            int at = versions.indexOf(v);
            if (at + 1 < versions.size()) {
                edges.get(r).add(index.get(byVersion.get(versions.get(at + 1))));
            }
        }
        for (int a = 0; a < nodes.size(); a++) {
            Rec x = nodes.get(a);
            if (!x.done()) {
                continue;
            }
            for (int b = 0; b < nodes.size(); b++) {
                if (a != b && x.completed < nodes.get(b).invoked) {
                    edges.get(a).add(b);
                }
            }
        }
        int[] indegree = new int[nodes.size()];
        for (Set<Integer> out : edges) {
            for (int b : out) {
                indegree[b]++;
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (indegree[i] == 0) {
                ready.add(i);
            }
        }
        int done = 0;
        while (!ready.isEmpty()) {
            int a = ready.poll();
            done++;
            for (int b : edges.get(a)) {
                if (--indegree[b] == 0) {
                    ready.add(b);
                }
            }
        }
        if (done == nodes.size()) {
            return Optional.empty();
        }
        return Optional.of("no linearization of key " + key + ": cycle through " + cycle(nodes, edges, indegree));
    }

    /**
     * Finds one cycle among the nodes the topological sort left over, for the message: each of them has a
     * predecessor among them, so walking predecessors must come back to a node already visited.
     */
    private static List<String> cycle(List<Rec> nodes, List<Set<Integer>> edges, int[] indegree) {
        List<List<Integer>> predecessors = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            predecessors.add(new ArrayList<>());
        }
        for (int a = 0; a < nodes.size(); a++) {
            for (int b : edges.get(a)) {
                if (indegree[a] > 0 && indegree[b] > 0) {
                    predecessors.get(b).add(a);
                }
            }
        }
        int n = 0;
        while (indegree[n] == 0) {
            n++;
        }
        List<Integer> path = new ArrayList<>();
        Map<Integer, Integer> at = new HashMap<>();
        while (!at.containsKey(n)) {
            at.put(n, path.size());
            path.add(n);
            n = predecessors.get(n).get(0);
        }
        List<String> out = new ArrayList<>();
        for (int i = path.size() - 1; i >= at.get(n); i--) {
            out.add(nodes.get(path.get(i)).toString());
        }
        return out;
    }
}
