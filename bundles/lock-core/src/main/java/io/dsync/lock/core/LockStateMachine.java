package io.dsync.lock.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.dsync.lock.InvalidLockRequestException;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockSession;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * The replicated lock state machine: applies committed {@link LockCommand}s in log order and answers
 * each with an {@link ApplyResult}. It implements the contract of the {@code io.dsync.lock} package;
 * what follows are the decisions the API leaves to the implementation.
 *
 * <h2>Determinism</h2>
 * The result of {@link #apply(long, long, LockCommand)} and the resulting state depend only on the
 * previous state and the arguments. Time is an input: each entry carries the leader's clock at
 * proposal ({@code logTimeMillis}); the machine's clock is the maximum of the entry times seen so far
 * (so it never runs backwards across leader changes), and before executing any command the machine
 * applies every expiry that clock makes due, in deadline order (ties: wait timeouts, then leases, then
 * sessions; then by key). No replica clock, hash order, identity or randomness is consulted: maps whose
 * order is observable are sorted or insertion-ordered, and the snapshot preserves every such order.
 * Replicas must use equal {@link Limits}.
 *
 * <h2>Grants and fencing tokens</h2>
 * Waiters are served as documented on the API: FIFO, consecutive shared requests at the head granted
 * together, no barging past a waiting exclusive request, upgrades granted as soon as their session is
 * the only holder. Every new grant, including an upgrade, takes the token
 * {@code max(logIndex, previousToken + 1)} from one counter shared by all locks: the log index of the
 * entry that made the grant, unless one entry makes several grants (a shared batch, or grants to
 * several locks), in which case the following ones count up from it. Tokens are therefore strictly
 * increasing per lock (even globally) across leader changes and restarts, without a per-lock counter.
 * Reentrant acquisitions, renewals and downgrades keep the token.
 *
 * <h2>Deadlocks</h2>
 * A request that cannot be granted is checked against the {@linkplain WaitForGraph wait-for graph}
 * before it is queued; if queueing it would close a cycle, it is rejected with
 * {@link RejectReason#DEADLOCK} and the shortest such cycle, starting with its own wait. The victim is
 * always the request that closes the cycle; nothing else is aborted. Because the graph includes waits
 * for earlier queued requests and for pending upgrades, releases, grants and expiries never create a
 * cycle, so queueing is the only point where one can appear. Requests with a zero wait timeout never
 * wait and fail with {@link RejectReason#TIMEOUT} instead; try-acquisitions answer
 * {@link RejectReason#NOT_GRANTABLE}. An exclusive acquisition by a session holding the lock shared is
 * a one-edge deadlock (acquisitions never upgrade implicitly).
 * <p>
 * The one exception to "the victim closes the cycle" is a cycle through the locks of several lock groups, each with
 * its own state machine: no group sees it whole, so none refuses the request that closed it. A detector outside
 * reads every group's graph, finds the cycle ({@link CrossGroupDeadlocks}) and commits a
 * {@link LockCommand.BreakDeadlock} to the victim's group, which fails the victim's waiting request exactly as a
 * request refused here would have failed: with {@link RejectReason#DEADLOCK} and that cycle.
 *
 * <h2>Idempotency</h2>
 * A session remembers the final outcome of its last {@link Limits#completedCallsPerSession()} calls
 * that changed the state (grants, releases, renewals, up/downgrades, and queued requests once they end),
 * plus every call still waiting. Once its client sends {@link LockCommand.Settle} (the lowest call id whose answer
 * it may still need), the session instead keeps every outcome from that mark on, up to
 * {@link Limits#settledSessionCalls()} of them, and forgets those below it: a retry is answered from memory however
 * many other calls of the session completed while it was under way, and a call below the mark that the session does
 * not remember is refused ({@link RejectReason#INVALID}) rather than applied a second time. A command whose call id is remembered returns the remembered outcome
 * (for a waiting call: {@link Outcome.Queued} with its current position) and changes nothing, so a
 * retry never grants or releases twice. Commands rejected directly change nothing and are not
 * remembered: a retry simply evaluates them again, which is equivalent because the first attempt had
 * no effect. Everything a session remembers is dropped when it ends. Ended sessions are remembered
 * ({@link Limits#endedSessions()} of them) so that late commands get {@link RejectReason#SESSION_EXPIRED}
 * and their ids are never reopened; the last {@link Limits#lostGrantsPerSession()} grants a session
 * lost to lease expiry are remembered to answer {@link RejectReason#LEASE_EXPIRED} rather than
 * {@link RejectReason#NOT_HELD}.
 *
 * <h2>Memory</h2>
 * A free lock keeps its entry (its largest token, for {@link LockStatus#lastFencingToken()}) until
 * {@link Limits#freeLocks()} other locks have become free after it; then it is forgotten, and its token folds into
 * one bound that {@link #status(String)} reports for every unknown lock. Tokens come from one counter for all locks,
 * so forgetting a lock never lets a later grant of it have a smaller token. Memory is therefore bounded by the locks
 * in use plus that many free ones, however many distinct names clients use.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe, by design: a Raft state machine applies entries one at a time. All methods,
 * including the read views and {@link #snapshot()}, must be called by the applying thread or under a
 * lock held by it. The values returned are immutable.
 */
public final class LockStateMachine {

    /**
     * Bounds of the memory kept for idempotency and diagnostics. Part of the replicated behaviour: all
     * replicas must use equal limits.
     *
     * @param completedCallsPerSession how many completed call outcomes a session remembers; a client
     *     must not retry a call after this many later calls of its session have completed
     * @param lostGrantsPerSession how many grants lost to lease expiry a session remembers (one per
     *     lock, the latest)
     * @param endedSessions how many ended sessions are remembered, cluster-wide
     * @param freeLocks how many free locks (neither held nor waited for) keep their entry, cluster-wide; the
     *     lock that has been free the longest is forgotten first
     * @param settledSessionCalls how many completed call outcomes a session whose client sends
     *     {@link LockCommand.Settle} marks keeps at most (the oldest go first): a bound for a client that leaves one
     *     call unsettled while making this many others, at least {@code completedCallsPerSession}
     */
    public record Limits(int completedCallsPerSession, int lostGrantsPerSession, int endedSessions, int freeLocks,
            int settledSessionCalls) {

        /** Free locks remembered by default. */
        public static final int DEFAULT_FREE_LOCKS = 100_000;

        /** Completed calls a session with settle marks keeps at most, by default. */
        public static final int DEFAULT_SETTLED_SESSION_CALLS = 8192;

        /**
         * 256 calls (8192 with settle marks) and 64 lost grants per session, 4096 ended sessions,
         * {@value #DEFAULT_FREE_LOCKS} free locks.
         */
        public static final Limits DEFAULT = new Limits(256, 64, 4096, DEFAULT_FREE_LOCKS);

        /**
         * Validates the limits.
         *
         * @param completedCallsPerSession completed call outcomes remembered per session
         * @param lostGrantsPerSession lost grants remembered per session
         * @param endedSessions ended sessions remembered
         * @param freeLocks free locks remembered
         * @throws IllegalArgumentException if a limit is less than 1
         */
        public Limits {
            if (completedCallsPerSession < 1 || lostGrantsPerSession < 1 || endedSessions < 1 || freeLocks < 1
                    || settledSessionCalls < completedCallsPerSession) {
                throw new IllegalArgumentException("limits must be at least 1 (settled calls at least completed "
                        + "calls), were " + completedCallsPerSession + ", " + lostGrantsPerSession + ", "
                        + endedSessions + ", " + freeLocks + ", " + settledSessionCalls);
            }
        }

        /**
         * Limits that keep at most {@value #DEFAULT_SETTLED_SESSION_CALLS} outcomes for a session with settle marks
         * (or {@code completedCallsPerSession}, if more).
         *
         * @param completedCallsPerSession completed call outcomes remembered per session
         * @param lostGrantsPerSession lost grants remembered per session
         * @param endedSessions ended sessions remembered
         * @param freeLocks free locks remembered
         */
        public Limits(int completedCallsPerSession, int lostGrantsPerSession, int endedSessions, int freeLocks) {
            this(completedCallsPerSession, lostGrantsPerSession, endedSessions, freeLocks,
                    Math.max(completedCallsPerSession, DEFAULT_SETTLED_SESSION_CALLS));
        }

        /**
         * Limits that remember {@value #DEFAULT_FREE_LOCKS} free locks.
         *
         * @param completedCallsPerSession completed call outcomes remembered per session
         * @param lostGrantsPerSession lost grants remembered per session
         * @param endedSessions ended sessions remembered
         */
        public Limits(int completedCallsPerSession, int lostGrantsPerSession, int endedSessions) {
            this(completedCallsPerSession, lostGrantsPerSession, endedSessions, DEFAULT_FREE_LOCKS);
        }
    }

    /** The memory bounds. */
    final Limits limits;

    /** Live sessions by id. */
    final TreeMap<String, Session> sessions = new TreeMap<>();

    /** Ended sessions and how they ended, oldest first; bounded. */
    final LinkedHashMap<String, Effect.EndCause> endedSessions = new LinkedHashMap<>();

    /** The locks held or waited for, and the most recently freed ones, by name. */
    final TreeMap<String, LockTable> locks = new TreeMap<>();

    /** The names of the free locks in {@link #locks}, in the order they became free; bounded. */
    final LinkedHashSet<String> freeLocks = new LinkedHashSet<>();

    /** The largest token of the free locks forgotten so far, 0 if none. */
    long forgottenToken;

    /** Locks that lost a holder or waiter while the current entry was applied; may have become free. */
    private final List<String> loosened = new ArrayList<>();

    /** Session expiries. Derived from {@link #sessions}. */
    private final DeadlineIndex<String> sessionDeadlines = new DeadlineIndex<>();

    /** Lease expiries. Derived from the holders of {@link #locks}. */
    private final DeadlineIndex<HoldKey> leaseDeadlines = new DeadlineIndex<>();

    /** Wait timeouts. Derived from the waiters of {@link #locks}. */
    private final DeadlineIndex<Wait.CallKey> waitDeadlines = new DeadlineIndex<>();

    /** The log clock: the largest entry time applied so far. */
    long clock = Long.MIN_VALUE;

    /** The largest fencing token issued, for all locks. */
    long lastToken;

    /** The index of the entry being applied; only meaningful during {@link #apply}. */
    private long logIndex;

    /**
     * A gap in the log clock longer than this means the group committed nothing in between (while sessions are live,
     * a leader proposes a tick whenever it would otherwise leave a shorter gap), or 0 when gaps are not treated as
     * outages.
     */
    final long outageGapMillis;

    /** Creates an empty state machine with {@link Limits#DEFAULT} that does not treat clock gaps as outages. */
    public LockStateMachine() {
        this(Limits.DEFAULT);
    }

    /**
     * Creates an empty state machine that does not treat clock gaps as outages.
     *
     * @param limits the memory bounds, equal on all replicas
     * @throws NullPointerException if {@code limits} is {@code null}
     */
    public LockStateMachine(Limits limits) {
        this(limits, 0);
    }

    /**
     * Creates an empty state machine with a grace period after outages.
     * <p>
     * When an entry's time is more than {@code outageGapMillis} after the clock, nothing was committed in between:
     * there was no leader, or no majority, or every member was down. Sessions could not be kept alive nor leases
     * renewed then, so the gap does not count against them: every live session's expiry and every hold's lease move
     * forward by the gap before the expiries due are applied (a grace period, like Chubby's after a master
     * failover). Wait timeouts are not moved (waiting clients keep their own deadlines). This only ever keeps
     * sessions and holds longer than their clients assume, so it cannot break mutual exclusion.
     *
     * @param limits the memory bounds, equal on all replicas
     * @param outageGapMillis the longest gap between entries that is not an outage, equal on all replicas; 0 to
     *     let gaps count against sessions
     * @throws NullPointerException if {@code limits} is {@code null}
     * @throws IllegalArgumentException if {@code outageGapMillis} is negative
     */
    public LockStateMachine(Limits limits, long outageGapMillis) {
        this.limits = Objects.requireNonNull(limits, "limits");
        if (outageGapMillis < 0) {
            throw new IllegalArgumentException("outageGapMillis must not be negative, was " + outageGapMillis);
        }
        this.outageGapMillis = outageGapMillis;
    }

    /**
     * Applies one command of a committed log entry.
     * <p>
     * First advances the clock to {@code logTimeMillis} (if later) and applies the expiries it makes
     * due, reported as effects; then executes the command. Never throws for any command content:
     * invalid arguments and unknown sessions are answered with {@link Outcome.Rejected}.
     *
     * @param logIndex the Raft index of the entry; never decreases from call to call, as Raft applies
     *     entries in order (the commands of one entry share its index)
     * @param logTimeMillis the leader's clock when it proposed the entry, in epoch milliseconds
     * @param command the command of the entry
     * @return the outcome of the command and its effects
     * @throws NullPointerException if {@code command} is {@code null}
     */
    public ApplyResult apply(long logIndex, long logTimeMillis, LockCommand command) {
        Objects.requireNonNull(command, "command");
        this.logIndex = logIndex;
        if (outageGapMillis > 0 && clock != Long.MIN_VALUE && logTimeMillis - clock > outageGapMillis) {
            graceAfterOutage(logTimeMillis - clock);
        }
        clock = Math.max(clock, logTimeMillis);
        List<Effect> effects = new ArrayList<>();
        expireDue(effects);
        Outcome outcome;
        if (command instanceof LockCommand.Acquire c) {
            outcome = acquire(c);
        } else if (command instanceof LockCommand.Release c) {
            outcome = release(c, effects);
        } else if (command instanceof LockCommand.Renew c) {
            outcome = renew(c);
        } else if (command instanceof LockCommand.Upgrade c) {
            outcome = upgrade(c);
        } else if (command instanceof LockCommand.Downgrade c) {
            outcome = downgrade(c, effects);
        } else if (command instanceof LockCommand.CancelWait c) {
            outcome = cancelWait(c, effects);
        } else if (command instanceof LockCommand.OpenSession c) {
            outcome = openSession(c);
        } else if (command instanceof LockCommand.KeepAlive c) {
            outcome = keepAlive(c);
        } else if (command instanceof LockCommand.Settle c) {
            outcome = settle(c);
        } else if (command instanceof LockCommand.CloseSession c) {
            outcome = closeSession(c, effects);
        } else if (command instanceof LockCommand.BreakDeadlock c) {
            outcome = breakDeadlock(c, effects);
        } else if (command instanceof LockCommand.Tick) {
            outcome = new Outcome.Done();
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
        forgetFreeLocks();
        return new ApplyResult(outcome, effects);
    }

    /**
     * Moves the locks that became free while applying the entry to the end of {@link #freeLocks}, then forgets the
     * locks free the longest beyond {@link Limits#freeLocks()}: their largest token goes into {@link #forgottenToken}.
     */
    private void forgetFreeLocks() {
        for (String name : loosened) {
            LockTable table = locks.get(name);
            if (table != null && table.isIdle()) {
                freeLocks.remove(name);
                freeLocks.add(name);
            }
        }
        loosened.clear();
        for (java.util.Iterator<String> it = freeLocks.iterator(); freeLocks.size() > limits.freeLocks();) {
            String name = it.next();
            it.remove();
            forgottenToken = Math.max(forgottenToken, locks.remove(name).lastToken());
        }
    }

    // ---------------------------------------------------------------- sessions

    /** Opens a session, or answers a retry of the same open. */
    private Outcome openSession(LockCommand.OpenSession c) {
        Outcome.Rejected invalid = firstInvalid(checkTtl(c.ttlMillis()), checkClientId(c.clientId()));
        if (invalid != null) {
            return invalid;
        }
        String id = c.sessionId().value();
        Session existing = sessions.get(id);
        if (existing != null) {
            if (existing.clientId.equals(c.clientId()) && existing.ttlMillis == c.ttlMillis()) {
                return new Outcome.SessionLive(existing.id, existing.expiresAt);
            }
            return Outcome.Rejected.of(RejectReason.INVALID, "session id " + id + " is already in use by client '"
                    + existing.clientId + "' with ttl " + Duration.ofMillis(existing.ttlMillis));
        }
        if (endedSessions.containsKey(id)) {
            return absent(c.sessionId());
        }
        Session session = new Session(c.sessionId(), c.clientId(), c.ttlMillis(), plus(clock, c.ttlMillis()));
        sessions.put(id, session);
        sessionDeadlines.put(id, session.expiresAt);
        return new Outcome.SessionLive(session.id, session.expiresAt);
    }

    /** Moves every live session's expiry, and the lease of every hold, forward by an outage's length. */
    private void graceAfterOutage(long outageMillis) {
        for (Session s : sessions.values()) {
            s.expiresAt = plus(s.expiresAt, outageMillis);
            sessionDeadlines.put(s.id.value(), s.expiresAt);
            for (String name : s.held) {
                Hold hold = locks.get(name).holder(s.id);
                hold.leaseExpiresAt = plus(hold.leaseExpiresAt, outageMillis);
                leaseDeadlines.put(new HoldKey(name, s.id.value()), hold.leaseExpiresAt);
            }
        }
    }

    /** Restarts the session's TTL at the current log time. */
    private Outcome keepAlive(LockCommand.KeepAlive c) {
        Session s = session(c.sessionId());
        if (s == null) {
            return absent(c.sessionId());
        }
        s.expiresAt = plus(clock, s.ttlMillis);
        sessionDeadlines.put(s.id.value(), s.expiresAt);
        return new Outcome.SessionLive(s.id, s.expiresAt);
    }

    /** Forgets the outcomes of the calls below a session's new settle mark. */
    private Outcome settle(LockCommand.Settle c) {
        Session s = session(c.sessionId());
        if (s == null) {
            return absent(c.sessionId());
        }
        s.settle(c.belowCallId());
        return new Outcome.Done();
    }

    /** Ends a session on its owner's request; idempotent while the closed session is remembered. */
    private Outcome closeSession(LockCommand.CloseSession c, List<Effect> effects) {
        Session s = session(c.sessionId());
        if (s == null) {
            return endedSessions.get(c.sessionId().value()) == Effect.EndCause.SESSION_CLOSED ? new Outcome.Done()
                    : absent(c.sessionId());
        }
        endSession(s, Effect.EndCause.SESSION_CLOSED, effects);
        return new Outcome.Done();
    }

    /**
     * Ends a session: withdraws its waits, drops its holds, then grants what that unblocked.
     *
     * @param s the session
     * @param cause {@link Effect.EndCause#SESSION_CLOSED} or {@link Effect.EndCause#SESSION_EXPIRED}
     * @param effects collects the effects
     */
    private void endSession(Session s, Effect.EndCause cause, List<Effect> effects) {
        String id = s.id.value();
        sessions.remove(id);
        sessionDeadlines.remove(id);
        endedSessions.remove(id);
        endedSessions.put(id, cause);
        Session.trim(endedSessions, limits.endedSessions());
        effects.add(new Effect.SessionEnded(s.id, cause));
        Set<String> touched = new TreeSet<>();
        for (Wait wait : List.copyOf(s.pending.values())) {
            removeWait(s, wait);
            touched.add(wait.lockName());
            Outcome outcome = cause == Effect.EndCause.SESSION_CLOSED ? new Outcome.Cancelled()
                    : Outcome.Rejected.of(RejectReason.SESSION_EXPIRED,
                            "session " + id + " expired while waiting for " + wait.describe());
            effects.add(new Effect.WaitCompleted(s.id, wait.callId(), outcome));
        }
        for (String name : s.held) {
            Hold hold = locks.get(name).removeHolder(s.id);
            loosened.add(name);
            leaseDeadlines.remove(new HoldKey(name, id));
            effects.add(new Effect.GrantEnded(hold.toGrant(name), cause));
            touched.add(name);
        }
        s.held.clear();
        for (String name : touched) {
            grantWaiters(name, effects);
        }
    }

    // ---------------------------------------------------------------- lock commands

    /**
     * Reentrant grant, immediate grant, or (after the deadlock check) a queued wait; try and
     * zero-timeout requests never wait.
     */
    private Outcome acquire(LockCommand.Acquire c) {
        Outcome early = screen(firstInvalid(checkName(c.lockName()), checkLease(c.leaseMillis()),
                c.tryOnly() ? null : checkWaitTimeout(c.waitTimeoutMillis())), c.sessionId(), c.callId());
        if (early != null) {
            return early;
        }
        Session s = session(c.sessionId());
        String name = c.lockName();
        LockTable table = locks.get(name);
        if (table != null && table.isIdle()) {
            freeLocks.remove(name); // in use again, granted below
        }
        Hold own = table == null ? null : table.holder(s.id);
        if (own != null) {
            if (own.mode.covers(c.mode())) {
                if (own.holdCount == Integer.MAX_VALUE) {
                    return Outcome.Rejected.of(RejectReason.INVALID, "session " + s.id + " already holds lock '"
                            + name + "' " + Integer.MAX_VALUE + " times");
                }
                Grant grant = table.reenter(own, c.leaseMillis(), clock);
                leaseDeadlines.put(new HoldKey(name, s.id.value()), own.leaseExpiresAt);
                return remember(s, c.callId(), new Outcome.Granted(grant));
            }
            if (c.tryOnly()) {
                return Outcome.Rejected.of(RejectReason.NOT_GRANTABLE, "session " + s.id + " holds lock '" + name
                        + "' in SHARED mode; acquisitions never upgrade, use upgrade");
            }
            return Outcome.Rejected.deadlock(
                    new WaitForCycle(List.of(new WaitEdge(s.id, name, c.mode(), s.id))));
        }
        if (table == null || table.grantableNow(c.mode())) {
            if (table == null) {
                table = new LockTable(name, 0);
                locks.put(name, table);
            }
            Hold hold = table.grant(s.id, c.mode(), nextToken(), c.leaseMillis(), plus(clock, c.leaseMillis()));
            s.held.add(name);
            leaseDeadlines.put(new HoldKey(name, s.id.value()), hold.leaseExpiresAt);
            return remember(s, c.callId(), new Outcome.Granted(hold.toGrant(name)));
        }
        if (c.tryOnly()) {
            return Outcome.Rejected.of(RejectReason.NOT_GRANTABLE, c.mode() + " lock '" + name
                    + "' is not grantable at once: " + describe(table));
        }
        if (c.waitTimeoutMillis() == 0) {
            return timeout(Duration.ZERO, c.mode() + " lock '" + name + "'");
        }
        List<WaitEdge> edges = table.requestEdges(s.id, c.mode(), table.queue().size());
        Optional<WaitForCycle> cycle = WaitForGraph.findCycle(edges, this::outEdges);
        if (cycle.isPresent()) {
            return Outcome.Rejected.deadlock(cycle.get());
        }
        Wait wait = new Wait(s.id, c.callId(), name, c.mode(), false, c.leaseMillis(), clock,
                plus(clock, c.waitTimeoutMillis()));
        return enqueue(s, table, wait);
    }

    /** Releases one hold; at zero the lock is left, a pending upgrade of the session withdrawn and waiters granted. */
    private Outcome release(LockCommand.Release c, List<Effect> effects) {
        Outcome early = screen(firstInvalid(checkName(c.lockName()), checkToken(c.fencingToken())), c.sessionId(), c.callId());
        if (early != null) {
            return early;
        }
        Session s = session(c.sessionId());
        String name = c.lockName();
        Hold hold = heldGrant(s, name, c.fencingToken());
        if (hold == null) {
            return notHeld(s, name, c.fencingToken());
        }
        hold.holdCount--;
        if (hold.holdCount == 0) {
            LockTable table = locks.get(name);
            table.removeHolder(s.id);
            loosened.add(name);
            s.held.remove(name);
            leaseDeadlines.remove(new HoldKey(name, s.id.value()));
            Wait upgrade = table.upgrade();
            if (upgrade != null && upgrade.sessionId().equals(s.id)) {
                finishWait(s, upgrade, Outcome.Rejected.of(RejectReason.NOT_HELD, "session " + s.id
                        + " released its shared hold of lock '" + name + "' while upgrading it"), effects);
            }
            grantWaiters(name, effects);
        }
        return remember(s, c.callId(), new Outcome.Released(hold.holdCount));
    }

    /** Sets the lease of a grant to end {@code leaseMillis} after the current log time. */
    private Outcome renew(LockCommand.Renew c) {
        Outcome early = screen(firstInvalid(checkName(c.lockName()), checkToken(c.fencingToken()),
                checkLease(c.leaseMillis())), c.sessionId(), c.callId());
        if (early != null) {
            return early;
        }
        Session s = session(c.sessionId());
        Hold hold = heldGrant(s, c.lockName(), c.fencingToken());
        if (hold == null) {
            return notHeld(s, c.lockName(), c.fencingToken());
        }
        hold.leaseMillis = c.leaseMillis();
        hold.leaseExpiresAt = plus(clock, c.leaseMillis());
        leaseDeadlines.put(new HoldKey(c.lockName(), s.id.value()), hold.leaseExpiresAt);
        return remember(s, c.callId(), new Outcome.Granted(hold.toGrant(c.lockName())));
    }

    /** Upgrades at once when the session is the only holder, else waits for the others after the deadlock check. */
    private Outcome upgrade(LockCommand.Upgrade c) {
        Outcome early = screen(firstInvalid(checkName(c.lockName()), checkToken(c.fencingToken()),
                checkWaitTimeout(c.waitTimeoutMillis())), c.sessionId(), c.callId());
        if (early != null) {
            return early;
        }
        Session s = session(c.sessionId());
        String name = c.lockName();
        Hold hold = heldGrant(s, name, c.fencingToken());
        if (hold == null) {
            return notHeld(s, name, c.fencingToken());
        }
        LockTable table = locks.get(name);
        if (hold.mode == LockMode.EXCLUSIVE) {
            return remember(s, c.callId(), new Outcome.Granted(hold.toGrant(name)));
        }
        Wait pending = table.upgrade();
        if (pending != null && pending.sessionId().equals(s.id)) {
            return Outcome.Rejected.of(RejectReason.INVALID, "session " + s.id + " is already upgrading lock '"
                    + name + "' (call " + pending.callId() + ")");
        }
        if (table.holders().size() == 1) {
            table.upgradeHold(hold, nextToken());
            return remember(s, c.callId(), new Outcome.Granted(hold.toGrant(name)));
        }
        if (c.waitTimeoutMillis() == 0) {
            return timeout(Duration.ZERO, "upgrade of lock '" + name + "'");
        }
        Optional<WaitForCycle> cycle = WaitForGraph.findCycle(table.upgradeEdges(s.id), this::outEdges);
        if (cycle.isPresent()) {
            return Outcome.Rejected.deadlock(cycle.get());
        }
        // Unreachable: a pending upgrade of another holder waits for this session, so the check above
        // found that cycle. Kept so that a broken invariant fails loudly instead of losing a request.
        if (pending != null) {
            throw new IllegalStateException("upgrade of lock '" + name + "' by " + s.id
                    + " passed the deadlock check although " + pending.sessionId() + " is upgrading");
        }
        Wait wait = new Wait(s.id, c.callId(), name, LockMode.EXCLUSIVE, true, hold.leaseMillis, clock,
                plus(clock, c.waitTimeoutMillis()));
        return enqueue(s, table, wait);
    }

    /** Downgrades an exclusive hold, keeping token and count, and grants the shared requests at the head. */
    private Outcome downgrade(LockCommand.Downgrade c, List<Effect> effects) {
        Outcome early = screen(firstInvalid(checkName(c.lockName()), checkToken(c.fencingToken())), c.sessionId(), c.callId());
        if (early != null) {
            return early;
        }
        Session s = session(c.sessionId());
        Hold hold = heldGrant(s, c.lockName(), c.fencingToken());
        if (hold == null) {
            return notHeld(s, c.lockName(), c.fencingToken());
        }
        boolean changed = hold.mode == LockMode.EXCLUSIVE;
        hold.mode = LockMode.SHARED;
        Outcome outcome = remember(s, c.callId(), new Outcome.Granted(hold.toGrant(c.lockName())));
        if (changed) {
            grantWaiters(c.lockName(), effects);
        }
        return outcome;
    }

    /** Withdraws a waiting call, or answers the outcome the call already has. */
    private Outcome cancelWait(LockCommand.CancelWait c, List<Effect> effects) {
        Session s = session(c.sessionId());
        if (s == null) {
            return absent(c.sessionId());
        }
        Wait wait = s.pending.get(c.callId());
        if (wait != null) {
            // Answered by this command's own outcome, so not reported as an effect as well.
            return withdraw(s, wait, new Outcome.Cancelled(), false, effects);
        }
        Outcome done = s.completed.get(c.callId());
        if (done != null) {
            return done;
        }
        return Outcome.Rejected.of(RejectReason.NOT_WAITING, "session " + s.id + " has no waiting call "
                + c.callId());
    }

    /**
     * Fails the victim's wait for the lock as a deadlock (a cycle across lock groups, found outside this table), then
     * grants what its leaving made grantable: the path of a withdrawn wait, with the outcome a deadlock refused here
     * gives. Only a wait that still has the cycle's first edge is failed; nothing changes if there is none (the victim
     * was granted, cancelled, timed out, ended, or now waits for another holder, so the cycle seen is gone).
     */
    private Outcome breakDeadlock(LockCommand.BreakDeadlock c, List<Effect> effects) {
        WaitEdge victimEdge = c.cycle().edges().get(0);
        Outcome.Rejected invalid = firstInvalid(checkName(c.lockName()),
                victimEdge.waiter().equals(c.victim()) && victimEdge.lockName().equals(c.lockName()) ? null
                        : "the cycle of a deadlock to break must start with the wait of session " + c.victim()
                                + " for lock '" + c.lockName() + "', not with " + victimEdge);
        if (invalid != null) {
            return invalid;
        }
        Session s = session(c.victim());
        Wait wait = s == null ? null : c.callId() != 0 ? s.pending.get(c.callId()) : firstWait(s, victimEdge);
        if (wait != null && hasEdge(wait, victimEdge)) {
            withdraw(s, wait, Outcome.Rejected.deadlock(c.cycle()), true, effects);
        }
        return new Outcome.Done();
    }

    private boolean hasEdge(Wait wait, WaitEdge edge) {
        return wait.lockName().equals(edge.lockName()) && locks.get(edge.lockName()).edgesOf(wait).contains(edge);
    }

    /**
     * The session's waiting call with a wait-for edge, the one with the smallest call id if several have it (so the
     * same on every replica).
     */
    private Wait firstWait(Session s, WaitEdge edge) {
        for (Wait wait : s.pending.values()) {
            if (hasEdge(wait, edge)) {
                return wait;
            }
        }
        return null;
    }

    /** Whether a call of a session waits with a wait-for edge (for tests). */
    boolean waitsWith(SessionId sessionId, long callId, WaitEdge edge) {
        Session s = session(sessionId);
        Wait wait = s == null ? null : s.pending.get(callId);
        return wait != null && hasEdge(wait, edge);
    }

    /**
     * Returns the call of a wait-for edge: the waiting call of the edge's waiter for the edge's lock that has the
     * edge (the smallest call id if several have it), which a {@link LockCommand.BreakDeadlock} of that edge names.
     *
     * @param edge the edge
     * @return the call id, or 0 when no call of the waiter has that edge now
     */
    public long waitingCall(WaitEdge edge) {
        Session s = session(edge.waiter());
        Wait wait = s == null ? null : firstWait(s, edge);
        return wait == null ? 0 : wait.callId();
    }

    // ---------------------------------------------------------------- expiry

    /**
     * Applies every expiry due at the current clock, earliest first.
     *
     * @param effects collects the effects
     */
    private void expireDue(List<Effect> effects) {
        while (true) {
            long waits = waitDeadlines.firstDeadline();
            long leases = leaseDeadlines.firstDeadline();
            long ends = sessionDeadlines.firstDeadline();
            long first = Math.min(waits, Math.min(leases, ends));
            if (first == Long.MAX_VALUE || first > clock) {
                return;
            }
            // At equal instants a wait times out before a lease or session ends: a deadline is exclusive.
            if (waits == first) {
                Wait.CallKey key = waitDeadlines.firstKey();
                Session s = sessions.get(key.session());
                Wait wait = s.pending.get(key.callId());
                withdraw(s, wait, timeout(Duration.ofMillis(wait.deadline() - wait.enqueuedAt()), wait.describe()),
                        true, effects);
            } else if (leases == first) {
                expireLease(leaseDeadlines.firstKey(), effects);
            } else {
                endSession(sessions.get(sessionDeadlines.firstKey()), Effect.EndCause.SESSION_EXPIRED, effects);
            }
        }
    }

    /**
     * Ends a hold whose lease elapsed, with the upgrade it may have pending.
     *
     * @param key the hold
     * @param effects collects the effects
     */
    private void expireLease(HoldKey key, List<Effect> effects) {
        String name = key.lockName();
        LockTable table = locks.get(name);
        Session s = sessions.get(key.session());
        Hold hold = table.removeHolder(s.id);
        loosened.add(name);
        leaseDeadlines.remove(key);
        s.held.remove(name);
        s.lost(name, hold.token, limits.lostGrantsPerSession());
        effects.add(new Effect.GrantEnded(hold.toGrant(name), Effect.EndCause.LEASE_EXPIRED));
        Wait upgrade = table.upgrade();
        if (upgrade != null && upgrade.sessionId().equals(s.id)) {
            finishWait(s, upgrade, Outcome.Rejected.of(RejectReason.LEASE_EXPIRED, "the lease of lock '" + name
                    + "' (token " + hold.token + ") of session " + s.id + " expired while upgrading it"), effects);
        }
        grantWaiters(name, effects);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Queues a request and registers it with its session.
     *
     * @param s the session
     * @param table the lock
     * @param wait the request
     * @return the {@link Outcome.Queued} outcome
     */
    private Outcome enqueue(Session s, LockTable table, Wait wait) {
        table.enqueue(wait);
        s.pending.put(wait.callId(), wait);
        waitDeadlines.put(wait.key(), wait.deadline());
        return new Outcome.Queued(table.position(wait));
    }

    /**
     * Removes a waiting request from its lock, its session and the timeout index.
     *
     * @param s the session
     * @param wait the request
     */
    private void removeWait(Session s, Wait wait) {
        locks.get(wait.lockName()).dequeue(wait);
        loosened.add(wait.lockName());
        s.pending.remove(wait.callId());
        waitDeadlines.remove(wait.key());
    }

    /**
     * Ends a waiting request without a grant: removes it, remembers and reports its outcome.
     *
     * @param s the session
     * @param wait the request
     * @param outcome its final outcome
     * @param effects collects the effects
     */
    private void finishWait(Session s, Wait wait, Outcome outcome, List<Effect> effects) {
        removeWait(s, wait);
        remember(s, wait.callId(), outcome);
        effects.add(new Effect.WaitCompleted(s.id, wait.callId(), outcome));
    }

    /**
     * Ends a waiting request without a grant while the lock's holders stay, then grants what its leaving made
     * grantable: the one path of a wait that is withdrawn ({@link LockCommand.CancelWait}), times out or is failed by
     * {@link LockCommand.BreakDeadlock}.
     *
     * @param s the session
     * @param wait the request
     * @param outcome its final outcome, remembered for the call
     * @param reported whether the outcome is reported as an {@link Effect.WaitCompleted} (not when the command that
     *     ends the wait answers it itself)
     * @param effects collects the effects: the wait's completion, then the grants
     * @return {@code outcome}
     */
    private Outcome withdraw(Session s, Wait wait, Outcome outcome, boolean reported, List<Effect> effects) {
        if (reported) {
            finishWait(s, wait, outcome, effects);
        } else {
            removeWait(s, wait);
            remember(s, wait.callId(), outcome);
        }
        grantWaiters(wait.lockName(), effects);
        return outcome;
    }

    /**
     * Grants what the lock's grant rule allows now and reports the grants.
     *
     * @param name the lock
     * @param effects collects the effects
     */
    private void grantWaiters(String name, List<Effect> effects) {
        LockTable table = locks.get(name);
        for (LockTable.Promotion promotion : table.grantWaiters(clock, this::nextToken)) {
            Wait wait = promotion.request();
            Session s = sessions.get(wait.sessionId().value());
            s.pending.remove(wait.callId());
            waitDeadlines.remove(wait.key());
            s.held.add(name);
            leaseDeadlines.put(new HoldKey(name, s.id.value()), table.holder(s.id).leaseExpiresAt);
            Outcome outcome = remember(s, wait.callId(), new Outcome.Granted(promotion.grant()));
            effects.add(new Effect.WaitCompleted(s.id, wait.callId(), outcome));
        }
    }

    /**
     * Issues the next fencing token: the current log index, or one more than the previous token if
     * this entry already issued one.
     *
     * @return the token
     */
    private long nextToken() {
        lastToken = Math.max(logIndex, lastToken + 1);
        return lastToken;
    }

    /**
     * Returns the existing out-edges of a session: the edges of all its waiting requests.
     *
     * @param sessionId the session
     * @return its edges, in call id order
     */
    private List<WaitEdge> outEdges(SessionId sessionId) {
        Session s = sessions.get(sessionId.value());
        if (s == null || s.pending.isEmpty()) {
            return List.of();
        }
        List<WaitEdge> edges = new ArrayList<>();
        for (Wait wait : s.pending.values()) {
            edges.addAll(locks.get(wait.lockName()).edgesOf(wait));
        }
        return edges;
    }

    private Session session(SessionId id) {
        return sessions.get(id.value());
    }

    private Outcome remember(Session s, long callId, Outcome outcome) {
        s.complete(callId, outcome, s.settledBelow > 0 ? limits.settledSessionCalls()
                : limits.completedCallsPerSession());
        return outcome;
    }

    /**
     * What every session command checks first: its fields, that its session is live, and whether it is a retry.
     *
     * @return the outcome to answer at once, or {@code null} when the command is to be carried out
     */
    private Outcome screen(Outcome.Rejected invalid, SessionId sessionId, long callId) {
        if (invalid != null) {
            return invalid;
        }
        Session s = session(sessionId);
        if (s == null) {
            return absent(sessionId);
        }
        return prior(s, callId);
    }

    /**
     * Returns what a session remembers about a call.
     *
     * @param s the session
     * @param callId the call id
     * @return the remembered final outcome, {@link Outcome.Queued} if the call waits, a rejection for a call below
     *     the session's settle mark that it does not remember, or {@code null}
     */
    private Outcome prior(Session s, long callId) {
        Outcome done = s.completed.get(callId);
        if (done != null) {
            return done;
        }
        Wait wait = s.pending.get(callId);
        if (wait != null) {
            return new Outcome.Queued(locks.get(wait.lockName()).position(wait));
        }
        if (callId < s.settledBelow) {
            return Outcome.Rejected.of(RejectReason.INVALID, "call " + callId + " of session " + s.id
                    + " is below the session's settle mark " + s.settledBelow + ": its client said it had the answer");
        }
        return null;
    }

    private Hold heldGrant(Session s, String name, long token) {
        LockTable table = locks.get(name);
        Hold hold = table == null ? null : table.holder(s.id);
        return hold != null && hold.token == token ? hold : null;
    }

    private Outcome.Rejected notHeld(Session s, String name, long token) {
        Long lost = s.lostGrants.get(name);
        if (lost != null && lost == token) {
            return Outcome.Rejected.of(RejectReason.LEASE_EXPIRED, "the lease of lock '" + name + "' (token "
                    + token + ") of session " + s.id + " has expired");
        }
        LockTable table = locks.get(name);
        Hold hold = table == null ? null : table.holder(s.id);
        if (hold != null) {
            return Outcome.Rejected.of(RejectReason.NOT_HELD, "session " + s.id + " holds lock '" + name
                    + "' with token " + hold.token + ", not " + token + " (a handle of another grant)");
        }
        return Outcome.Rejected.of(RejectReason.NOT_HELD, "session " + s.id + " does not hold lock '" + name
                + "' (token " + token + ")");
    }

    private Outcome.Rejected absent(SessionId id) {
        Effect.EndCause ended = endedSessions.get(id.value());
        if (ended == Effect.EndCause.SESSION_EXPIRED) {
            return Outcome.Rejected.of(RejectReason.SESSION_EXPIRED, "session " + id + " has expired");
        }
        if (ended == Effect.EndCause.SESSION_CLOSED) {
            return Outcome.Rejected.of(RejectReason.UNKNOWN_SESSION, "session " + id + " was closed");
        }
        return Outcome.Rejected.of(RejectReason.UNKNOWN_SESSION, "unknown session " + id);
    }

    /** The wait as people write it ({@code 5s}, {@code 1m30s}: ISO 8601 without "PT"), like the API's messages. */
    private static Outcome.Rejected timeout(Duration waited, String what) {
        return Outcome.Rejected.of(RejectReason.TIMEOUT, "timed out after "
                + waited.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + " waiting for " + what);
    }

    private static String describe(LockTable table) {
        List<String> holders = new ArrayList<>();
        for (Hold hold : table.holders()) {
            holders.add(hold.sessionId + " (" + hold.mode + ")");
        }
        int waiting = table.queue().size() + (table.upgrade() == null ? 0 : 1);
        return "held by " + holders + ", " + waiting + " request(s) waiting";
    }

    /**
     * Adds two non-negative-biased times without overflow.
     *
     * @param time an instant or a duration in milliseconds
     * @param millis a duration in milliseconds
     * @return the sum, saturated to {@link Long#MIN_VALUE}/{@link Long#MAX_VALUE}
     */
    static long plus(long time, long millis) {
        long sum = time + millis;
        if (((time ^ sum) & (millis ^ sum)) < 0) {
            return millis > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return sum;
    }

    // ---------------------------------------------------------------- validation

    private static Outcome.Rejected firstInvalid(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                return Outcome.Rejected.of(RejectReason.INVALID, problem);
            }
        }
        return null;
    }

    private static String checkName(String name) {
        return violation(() -> LockRequest.requireValidName(name));
    }

    private static String checkLease(long millis) {
        return violation(() -> LockRequest.requireValidLease(Duration.ofMillis(millis)));
    }

    private static String checkWaitTimeout(long millis) {
        return violation(() -> LockRequest.requireValidWaitTimeout(Duration.ofMillis(millis)));
    }

    private static String checkTtl(long millis) {
        return violation(() -> LockSession.requireValidTtl(Duration.ofMillis(millis)));
    }

    /** Runs one of lock-api's validators: {@code null} when the value is valid, else the validator's message. */
    private static String violation(Runnable validator) {
        try {
            validator.run();
            return null;
        } catch (InvalidLockRequestException e) {
            return e.getMessage();
        }
    }

    private static String checkToken(long token) {
        return token > 0 ? null : "fencingToken must be positive, was " + token;
    }

    private static String checkClientId(String clientId) {
        if (clientId.isEmpty() || clientId.length() > LockCommand.OpenSession.MAX_CLIENT_ID_LENGTH) {
            return "client id must have 1 to " + LockCommand.OpenSession.MAX_CLIENT_ID_LENGTH
                    + " characters, had " + clientId.length();
        }
        for (int i = 0; i < clientId.length(); i++) {
            if (Character.isISOControl(clientId.charAt(i))) {
                return String.format("client id must not contain control characters, found U+%04X at index %d",
                        (int) clientId.charAt(i), i);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- read views

    /**
     * Returns the state of a lock. Linearizable when called on the leader after confirming its
     * leadership (the adapter's job); this method only reads the applied state.
     *
     * @param lockName the lock name
     * @return its status; a lock that is not known (never granted, or free so long that it was forgotten) is free
     *     with the largest token of the forgotten locks as its last token (0 if none was forgotten), which no grant
     *     of this name ever exceeded
     * @throws InvalidLockRequestException if {@code lockName} is not a valid lock name
     * @throws NullPointerException if {@code lockName} is {@code null}
     */
    public LockStatus status(String lockName) {
        LockRequest.requireValidName(lockName);
        LockTable table = locks.get(lockName);
        return table == null ? new LockStatus(lockName, List.of(), List.of(), forgottenToken) : table.status();
    }

    /**
     * Returns the locks that are held or waited for.
     *
     * @return their statuses, sorted by name
     */
    public List<LockStatus> locks() {
        List<LockStatus> statuses = new ArrayList<>();
        for (LockTable table : locks.values()) {
            if (!table.isIdle()) {
                statuses.add(table.status());
            }
        }
        return List.copyOf(statuses);
    }

    /**
     * Returns the current wait-for graph. It never contains a cycle.
     *
     * @return the graph, edges ordered by lock name, then pending upgrade, then queue order
     */
    public WaitForGraph waitForGraph() {
        List<WaitEdge> edges = new ArrayList<>();
        for (LockTable table : locks.values()) {
            if (table.upgrade() != null) {
                edges.addAll(table.edgesOf(table.upgrade()));
            }
            for (Wait wait : table.queue()) {
                edges.addAll(table.edgesOf(wait));
            }
        }
        return new WaitForGraph(edges);
    }

    /**
     * Returns the log clock: the largest entry time applied so far.
     *
     * @return the clock in epoch milliseconds, {@link Long#MIN_VALUE} before the first entry
     */
    public long clockMillis() {
        return clock;
    }

    /**
     * Returns the earliest log time at which an entry would expire something: a wait's timeout, a grant's lease or a
     * session's TTL. Until the log clock reaches it, an entry without a command (a tick) changes nothing, so a leader
     * need not propose one before then.
     *
     * @return the deadline in epoch milliseconds, {@link Long#MAX_VALUE} when nothing can expire (no session)
     */
    public long nextDeadlineMillis() {
        return Math.min(waitDeadlines.firstDeadline(),
                Math.min(leaseDeadlines.firstDeadline(), sessionDeadlines.firstDeadline()));
    }

    /**
     * Returns whether any session is live (then something can expire, and a gap of more than the outage threshold
     * between entries would count as an outage, see {@link #LockStateMachine(Limits, long)}).
     *
     * @return whether a session is live
     */
    public boolean hasSessions() {
        return !sessions.isEmpty();
    }

    /**
     * Returns the ids of the live sessions.
     *
     * @return the ids, sorted
     */
    public List<SessionId> sessions() {
        List<SessionId> ids = new ArrayList<>(sessions.size());
        for (Session s : sessions.values()) {
            ids.add(s.id);
        }
        return List.copyOf(ids);
    }

    /**
     * Returns the final outcome the state machine remembers for a call: what a client that waited for a queued acquire
     * or upgrade asks (its long-poll), the same outcome a retry of the call's command would get, without applying
     * anything. Constant time.
     *
     * @param sessionId the session of the call
     * @param callId the call id
     * @return the outcome, or empty while the call waits ({@link #isWaiting}) or when it is not known: never made,
     *     forgotten (more than {@link Limits#completedCallsPerSession()} later calls of the session completed), or its
     *     session ended; re-submitting the original command then answers its current state (e.g.
     *     {@link RejectReason#SESSION_EXPIRED})
     */
    public Optional<Outcome> completedCall(SessionId sessionId, long callId) {
        Session s = sessions.get(sessionId.value());
        return s == null ? Optional.empty() : Optional.ofNullable(s.completed.get(callId));
    }

    /**
     * Returns whether a call waits: an acquire or upgrade answered {@link Outcome.Queued} and not resolved yet.
     * Constant time.
     *
     * @param sessionId the session of the call
     * @param callId the call id
     * @return whether it waits
     */
    public boolean isWaiting(SessionId sessionId, long callId) {
        Session s = sessions.get(sessionId.value());
        return s != null && s.pending.containsKey(callId);
    }

    /**
     * Returns the number of calls waiting in the table: acquires and upgrades answered {@link Outcome.Queued} and not
     * resolved yet. Constant time.
     *
     * @return the waiting calls of every session
     */
    public int waitingCalls() {
        return waitDeadlines.size(); // every waiting call has a wait timeout; a zero timeout never waits
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * Serializes the whole state in the layout of {@link SnapshotCodec}. Equal states give equal bytes, so snapshots
     * can be compared to check that replicas agree.
     *
     * @return the snapshot
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeSnapshot(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Writes the snapshot of {@link #snapshot()} to a stream, which is not closed.
     *
     * @param stream the stream
     * @throws IOException if writing fails
     */
    public void writeSnapshot(OutputStream stream) throws IOException {
        SnapshotCodec.write(this, new DataOutputStream(stream));
    }

    /**
     * Replaces the whole state by a snapshot of {@link #snapshot()}. The limits of this instance are
     * kept. On failure the state is unchanged.
     *
     * @param snapshot the snapshot
     * @throws IllegalArgumentException if the snapshot is malformed, of an unknown version or
     *     inconsistent
     */
    public void restore(byte[] snapshot) {
        try {
            restore(new ByteArrayInputStream(snapshot));
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid lock state snapshot: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the whole state by a snapshot read from a stream, which is not closed: one written by
     * {@link #writeSnapshot(OutputStream)} in any version {@link SnapshotCodec} reads. On failure the state is
     * unchanged.
     *
     * @param stream the stream
     * @throws IOException if reading fails, or the snapshot is malformed, of an unknown version or
     *     inconsistent
     */
    public void restore(InputStream stream) throws IOException {
        LockStateMachine read = new LockStateMachine(limits, outageGapMillis);
        SnapshotCodec.read(new DataInputStream(stream), read);
        sessions.clear();
        sessions.putAll(read.sessions);
        endedSessions.clear();
        endedSessions.putAll(read.endedSessions);
        locks.clear();
        locks.putAll(read.locks);
        freeLocks.clear();
        freeLocks.addAll(read.freeLocks);
        forgottenToken = read.forgottenToken;
        loosened.clear();
        clock = read.clock;
        lastToken = read.lastToken;
        rebuildIndexes();
    }

    /**
     * Adds a hold read from a snapshot to its lock and its session.
     *
     * @throws IOException if the session is unknown or holds the lock already
     */
    void restoreHold(LockTable table, Hold hold) throws IOException {
        Session s = sessionOf(hold.sessionId, table.name());
        if (table.holder(hold.sessionId) != null || !s.held.add(table.name())) {
            throw new IOException("session " + hold.sessionId + " holds lock '" + table.name() + "' twice");
        }
        table.restoreHold(hold);
    }

    private Session sessionOf(SessionId id, String lockName) throws IOException {
        Session s = sessions.get(id.value());
        if (s == null) {
            throw new IOException("lock '" + lockName + "' refers to unknown session " + id);
        }
        return s;
    }

    /**
     * Adds a waiting request read from a snapshot to its lock and its session.
     *
     * @throws IOException if the session is unknown, the request is in the wrong place or waits twice
     */
    void restoreWait(LockTable table, Wait wait, boolean upgrade) throws IOException {
        Session s = sessionOf(wait.sessionId(), table.name());
        if (wait.upgrade() != upgrade) {
            throw new IOException("request " + wait + " is in the wrong place of lock '" + table.name() + "'");
        }
        if (s.pending.put(wait.callId(), wait) != null) {
            throw new IOException("session " + s.id + " waits twice with call " + wait.callId());
        }
        table.enqueue(wait);
    }

    private void rebuildIndexes() {
        sessionDeadlines.clear();
        leaseDeadlines.clear();
        waitDeadlines.clear();
        for (Session s : sessions.values()) {
            sessionDeadlines.put(s.id.value(), s.expiresAt);
            for (Wait wait : s.pending.values()) {
                waitDeadlines.put(wait.key(), wait.deadline());
            }
        }
        for (LockTable table : locks.values()) {
            for (Hold hold : table.holders()) {
                leaseDeadlines.put(new HoldKey(table.name(), hold.sessionId.value()), hold.leaseExpiresAt);
            }
        }
    }
}
