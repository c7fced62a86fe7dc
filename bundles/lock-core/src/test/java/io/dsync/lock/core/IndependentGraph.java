package io.dsync.lock.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;

/**
 * A second, deliberately naive implementation of the wait-for rule, computed only from the public
 * {@link LockStatus} views (holders, waiters in order, upgrade flags), so that tests can check the
 * machine's graph and its deadlock reports against something it does not share code with.
 */
final class IndependentGraph {

    private IndependentGraph() {
    }

    /** Both shared is the only compatible pair. */
    private static boolean conflict(LockMode x, LockMode y) {
        return !(x == LockMode.SHARED && y == LockMode.SHARED);
    }

    /** Same-session entries block only if they do not cover the request. */
    private static boolean sameSessionBlocks(LockMode existing, LockMode requested) {
        return existing == LockMode.SHARED && requested == LockMode.EXCLUSIVE;
    }

    static Set<WaitEdge> edges(List<LockStatus> locks) {
        Set<WaitEdge> edges = new LinkedHashSet<>();
        for (LockStatus status : locks) {
            List<LockWaiter> waiters = status.waiters();
            LockWaiter upgrade = !waiters.isEmpty() && waiters.get(0).upgrade() ? waiters.get(0) : null;
            List<LockWaiter> queue = upgrade == null ? waiters : waiters.subList(1, waiters.size());
            if (upgrade != null) {
                for (LockHolder h : status.holders()) {
                    if (!h.sessionId().equals(upgrade.sessionId())) {
                        edges.add(new WaitEdge(upgrade.sessionId(), status.name(), LockMode.EXCLUSIVE, h.sessionId()));
                    }
                }
            }
            for (int i = 0; i < queue.size(); i++) {
                edges.addAll(requestEdges(status, queue.subList(0, i), upgrade, queue.get(i).sessionId(),
                        queue.get(i).mode()));
            }
        }
        return edges;
    }

    /** The edges a new acquisition would have if it were queued now. */
    static Set<WaitEdge> wouldBeAcquireEdges(LockStatus status, SessionId s, LockMode mode) {
        List<LockWaiter> waiters = status.waiters();
        LockWaiter upgrade = !waiters.isEmpty() && waiters.get(0).upgrade() ? waiters.get(0) : null;
        List<LockWaiter> queue = upgrade == null ? waiters : waiters.subList(1, waiters.size());
        return requestEdges(status, queue, upgrade, s, mode);
    }

    /** The edges an upgrade would have if it were queued now. */
    static Set<WaitEdge> wouldBeUpgradeEdges(LockStatus status, SessionId s) {
        Set<WaitEdge> edges = new LinkedHashSet<>();
        for (LockHolder h : status.holders()) {
            if (!h.sessionId().equals(s)) {
                edges.add(new WaitEdge(s, status.name(), LockMode.EXCLUSIVE, h.sessionId()));
            }
        }
        return edges;
    }

    private static Set<WaitEdge> requestEdges(LockStatus status, List<LockWaiter> ahead, LockWaiter upgrade,
            SessionId s, LockMode mode) {
        Set<WaitEdge> edges = new LinkedHashSet<>();
        for (LockHolder h : status.holders()) {
            boolean blocks = h.sessionId().equals(s) ? sameSessionBlocks(h.mode(), mode) : conflict(h.mode(), mode);
            if (blocks) {
                edges.add(new WaitEdge(s, status.name(), mode, h.sessionId()));
            }
        }
        if (upgrade != null && !upgrade.sessionId().equals(s)) {
            edges.add(new WaitEdge(s, status.name(), mode, upgrade.sessionId()));
        }
        for (LockWaiter w : ahead) {
            boolean blocks = w.sessionId().equals(s) ? sameSessionBlocks(w.mode(), mode) : conflict(w.mode(), mode);
            if (blocks) {
                edges.add(new WaitEdge(s, status.name(), mode, w.sessionId()));
            }
        }
        return edges;
    }

    /** Plain recursive DFS over sessions: is there any cycle? */
    static boolean hasCycle(Set<WaitEdge> edges) {
        Map<SessionId, List<SessionId>> next = new HashMap<>();
        for (WaitEdge e : edges) {
            next.computeIfAbsent(e.waiter(), k -> new ArrayList<>()).add(e.holder());
        }
        Set<SessionId> done = new HashSet<>();
        Set<SessionId> onPath = new HashSet<>();
        for (SessionId start : next.keySet()) {
            if (dfs(start, next, done, onPath)) {
                return true;
            }
        }
        return false;
    }

    private static boolean dfs(SessionId node, Map<SessionId, List<SessionId>> next, Set<SessionId> done,
            Set<SessionId> onPath) {
        if (onPath.contains(node)) {
            return true;
        }
        if (!done.add(node)) {
            return false;
        }
        onPath.add(node);
        for (SessionId n : next.getOrDefault(node, List.of())) {
            if (dfs(n, next, done, onPath)) {
                return true;
            }
        }
        onPath.remove(node);
        return false;
    }
}
