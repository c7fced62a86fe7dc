package io.dsync.console.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the Locks view draws the wait-for graph: sessions in a column on the left, locks in a column on the right,
 * each sorted by name; an arc from a waiting session to the lock it waits for, and from a lock to each session that
 * holds it. Arcs and vertices on a cycle of the wait-for graph (a session waiting, through locks, for itself: a
 * deadlock) are marked. The lock group breaks a deadlock at the request that would close it, so a live cycle is rare;
 * the marking is there for the moment one is seen, and for a member that reports one.
 *
 * <p>Big tables are cut, deterministically: locks someone waits for first, then the others, each by name, up to
 * {@code maxLocks}; the sessions of the locks drawn, by name, up to {@code maxSessions}. The layout says how many were
 * left out. Pure function of its input; thread-safe.
 */
final class WaitForLayout {

    /** Width of the drawing in pixels. */
    static final int WIDTH = 760;
    static final int SESSION_X = 150;
    static final int LOCK_X = 560;
    static final int TOP = 30;
    static final int ROW = 28;

    /** What a vertex stands for. */
    enum Kind { SESSION, LOCK }

    /** What an arc stands for: a session waits for a lock, or a lock is held by a session. */
    enum ArcKind { WAIT, HOLD }

    /** A vertex at ({@code x}, {@code y}), its centre. */
    record Vertex(Kind kind, String name, int x, int y, boolean inCycle) {
    }

    /** An arc between a session and a lock (direction by {@code kind}); {@code mode} is the mode held or wanted. */
    record Arc(ArcKind kind, String session, String lock, String mode, boolean inCycle) {
    }

    /** The drawing: its size, its vertices and arcs, and how much did not fit. */
    record Layout(int width, int height, List<Vertex> vertices, List<Arc> arcs, int locksLeftOut, int sessionsLeftOut) {
        Layout {
            vertices = List.copyOf(vertices);
            arcs = List.copyOf(arcs);
        }

        /** @return the vertex of a session or lock, or {@code null} when it is not drawn */
        Vertex vertex(Kind kind, String name) {
            return vertices.stream().filter(v -> v.kind == kind && v.name.equals(name)).findFirst().orElse(null);
        }
    }

    private WaitForLayout() {
    }

    /**
     * @param table the lock table
     * @param maxLocks how many locks to draw at most
     * @param maxSessions how many sessions to draw at most
     * @return the layout
     */
    static Layout layout(LockTableSnapshot table, int maxLocks, int maxSessions) {
        List<LockTableSnapshot.Lock> ordered = new ArrayList<>(table.locks());
        ordered.sort((a, b) -> {
            boolean aw = !a.waiters().isEmpty();
            boolean bw = !b.waiters().isEmpty();
            return aw != bw ? (aw ? -1 : 1) : a.name().compareTo(b.name());
        });
        List<LockTableSnapshot.Lock> drawn = ordered.subList(0, Math.min(maxLocks, ordered.size()));
        List<LockTableSnapshot.Lock> locks = new ArrayList<>(drawn);
        locks.sort((a, b) -> a.name().compareTo(b.name()));

        TreeSet<String> allSessions = new TreeSet<>();
        for (LockTableSnapshot.Lock l : locks) {
            l.holders().forEach(h -> allSessions.add(h.session()));
            l.waiters().forEach(w -> allSessions.add(w.session()));
        }
        List<String> sessions = new ArrayList<>(allSessions).subList(0, Math.min(maxSessions, allSessions.size()));
        Set<String> sessionSet = new HashSet<>(sessions);

        Set<String> cycleSessions = new HashSet<>();
        Set<String> cycleArcs = new HashSet<>();
        cycles(table.waitFor(), cycleSessions, cycleArcs);

        List<Vertex> vertices = new ArrayList<>();
        for (int i = 0; i < sessions.size(); i++) {
            String s = sessions.get(i);
            vertices.add(new Vertex(Kind.SESSION, s, SESSION_X, TOP + i * ROW, cycleSessions.contains(s)));
        }
        List<Arc> arcs = new ArrayList<>();
        for (int i = 0; i < locks.size(); i++) {
            LockTableSnapshot.Lock l = locks.get(i);
            boolean lockInCycle = false;
            for (LockTableSnapshot.Holder h : l.holders()) {
                if (sessionSet.contains(h.session())) {
                    boolean c = cycleArcs.contains(arcKey(ArcKind.HOLD, h.session(), l.name()));
                    lockInCycle |= c;
                    arcs.add(new Arc(ArcKind.HOLD, h.session(), l.name(), h.mode(), c));
                }
            }
            for (LockTableSnapshot.Waiter w : l.waiters()) {
                if (sessionSet.contains(w.session())) {
                    boolean c = cycleArcs.contains(arcKey(ArcKind.WAIT, w.session(), l.name()));
                    lockInCycle |= c;
                    arcs.add(new Arc(ArcKind.WAIT, w.session(), l.name(), w.mode(), c));
                }
            }
            vertices.add(new Vertex(Kind.LOCK, l.name(), LOCK_X, TOP + i * ROW, lockInCycle));
        }
        int rows = Math.max(1, Math.max(sessions.size(), locks.size()));
        return new Layout(WIDTH, TOP * 2 + (rows - 1) * ROW, vertices, arcs,
                table.lockCount() - locks.size(), allSessions.size() - sessions.size());
    }

    private static String arcKey(ArcKind kind, String session, String lock) {
        return kind + "\u0000" + session + "\u0000" + lock;
    }

    /**
     * Finds the edges of the wait-for graph (waiter to holder, through a lock) that lie on a cycle: those whose two
     * sessions are in one strongly connected component (Tarjan), or that loop on one session.
     */
    private static void cycles(List<LockTableSnapshot.Edge> edges, Set<String> cycleSessions, Set<String> cycleArcs) {
        Map<String, List<String>> next = new TreeMap<>();
        for (LockTableSnapshot.Edge e : edges) {
            next.computeIfAbsent(e.waiter(), k -> new ArrayList<>()).add(e.holder());
            next.computeIfAbsent(e.holder(), k -> new ArrayList<>());
        }
        Map<String, Integer> component = components(next);
        Map<Integer, Integer> sizes = new HashMap<>();
        component.values().forEach(c -> sizes.merge(c, 1, Integer::sum));
        for (LockTableSnapshot.Edge e : edges) {
            int c = component.get(e.waiter());
            boolean onCycle = e.waiter().equals(e.holder()) || (c == component.get(e.holder()) && sizes.get(c) > 1);
            if (onCycle) {
                cycleSessions.add(e.waiter());
                cycleSessions.add(e.holder());
                cycleArcs.add(arcKey(ArcKind.WAIT, e.waiter(), e.lock()));
                cycleArcs.add(arcKey(ArcKind.HOLD, e.holder(), e.lock()));
            }
        }
    }

    /** Tarjan's strongly connected components, iteratively (a long chain of waiters must not overflow the stack). */
    private static Map<String, Integer> components(Map<String, List<String>> next) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Map<String, Integer> component = new LinkedHashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        int[] counter = {0};
        int components = 0;
        for (String root : next.keySet()) {
            if (index.containsKey(root)) {
                continue;
            }
            Deque<Object[]> work = new ArrayDeque<>(); // {vertex, position in its successor list}
            work.push(new Object[] {root, 0});
            index.put(root, counter[0]);
            low.put(root, counter[0]++);
            stack.push(root);
            onStack.add(root);
            while (!work.isEmpty()) {
                Object[] frame = work.peek();
                String v = (String) frame[0];
                int i = (Integer) frame[1];
                List<String> succ = next.get(v);
                if (i < succ.size()) {
                    frame[1] = i + 1;
                    String w = succ.get(i);
                    if (!index.containsKey(w)) {
                        index.put(w, counter[0]);
                        low.put(w, counter[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, 0});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                } else {
                    work.pop();
                    if (!work.isEmpty()) {
                        String parent = (String) work.peek()[0];
                        low.put(parent, Math.min(low.get(parent), low.get(v)));
                    }
                    if (low.get(v).equals(index.get(v))) {
                        String w;
                        do {
                            w = stack.pop();
                            onStack.remove(w);
                            component.put(w, components);
                        } while (!w.equals(v));
                        components++;
                    }
                }
            }
        }
        return component;
    }
}
