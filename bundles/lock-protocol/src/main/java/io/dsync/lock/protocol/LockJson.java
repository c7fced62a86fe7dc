package io.dsync.lock.protocol;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.dsync.lock.LockHandle;
import io.dsync.lock.LockHolder;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * The JSON shapes of the lock HTTP APIs (the client's {@code /lock/...} on every node, the server's
 * {@code /lock/replica} on lock nodes), as maps and lists for any JSON writer: the same shape whichever bundle answers.
 * Keys are stable; times are ISO-8601 strings. Stateless.
 */
public final class LockJson {

    private LockJson() {
    }

    /**
     * A grant as its holder sees it.
     *
     * @param h the handle
     * @return {@code {name, mode, session, fencingToken, holdCount, leaseMs}}
     */
    public static Map<String, Object> handle(LockHandle h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", h.name());
        m.put("mode", h.mode().name());
        m.put("session", h.sessionId().value());
        m.put("fencingToken", h.fencingToken());
        m.put("holdCount", h.holdCount());
        m.put("leaseMs", h.lease().toMillis());
        return m;
    }

    /**
     * A lock's status.
     *
     * @param s the status
     * @return {@code {name, lastFencingToken, holders, waiters}}
     */
    public static Map<String, Object> status(LockStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("lastFencingToken", s.lastFencingToken());
        m.put("holders", s.holders().stream().map(LockJson::holder).toList());
        m.put("waiters", s.waiters().stream().map(LockJson::waiter).toList());
        return m;
    }

    private static Map<String, Object> holder(LockHolder h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", h.sessionId().value());
        m.put("mode", h.mode().name());
        m.put("fencingToken", h.fencingToken());
        m.put("holdCount", h.holdCount());
        m.put("leaseExpiresAt", h.leaseExpiresAt().toString());
        return m;
    }

    private static Map<String, Object> waiter(LockWaiter w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", w.sessionId().value());
        m.put("mode", w.mode().name());
        m.put("upgrade", w.upgrade());
        m.put("enqueuedAt", w.enqueuedAt().toString());
        m.put("waitDeadline", w.waitDeadline().toString());
        return m;
    }

    private static Map<String, Object> edge(WaitEdge e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("waiter", e.waiter().value());
        m.put("lock", e.lockName());
        m.put("mode", e.requestedMode().name());
        m.put("holder", e.holder().value());
        return m;
    }

    /**
     * A wait-for cycle.
     *
     * @param c the cycle
     * @return its edges in order, each {@code {waiter, lock, mode, holder}}
     */
    public static List<Map<String, Object>> cycle(WaitForCycle c) {
        return c.edges().stream().map(LockJson::edge).toList();
    }

    /**
     * The lock table view.
     *
     * @param t the view
     * @return {@code {appliedIndex, logTime, sessions, lockCount, locks, waitFor, deadlocks}}
     */
    public static Map<String, Object> table(LockTableView t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("appliedIndex", t.appliedIndex());
        m.put("logTime", t.logTime().equals(Instant.EPOCH) ? null : t.logTime().toString());
        m.put("sessions", t.sessions());
        m.put("lockCount", t.lockCount());
        m.put("locks", t.locks().stream().map(LockJson::status).toList());
        m.put("waitFor", t.waitFor().stream().map(LockJson::edge).toList());
        m.put("deadlocks", t.deadlocks().stream().map(d -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("index", d.index());
            x.put("at", d.at().toString());
            x.put("lock", d.lockName());
            x.put("victim", d.victim().value());
            x.put("cycle", cycle(d.cycle()));
            return x;
        }).toList());
        return m;
    }
}
