package io.dsync.lock.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;

/**
 * The state of one lock: its holders in grant order, at most one pending upgrade, its FIFO queue and
 * the largest fencing token it has issued.
 * <p>
 * <strong>Grant rule.</strong> A pending upgrade is granted as soon as its session is the only holder;
 * while it is pending nothing else is granted. Otherwise the head of the queue is granted when its mode
 * is compatible with every holder, and so on down the queue: consecutive shared requests are granted
 * together, an exclusive request stops the batch, and nothing behind a request that cannot be granted
 * overtakes it (no barging, so writers do not starve). When a session obtains a hold, its own queued
 * requests that the hold {@linkplain LockMode#covers covers} become reentrant grants at once.
 * Invariants after every command: the head of the queue and the pending upgrade are not grantable; a
 * session never both holds the lock and has a request in its queue.
 * <p>
 * <strong>Wait-for rule</strong> (the edges of {@link WaitForGraph}): a pending upgrade of {@code u}
 * waits for every other holder. A queued request of session {@code s} in mode {@code m} waits for every
 * holder whose mode is incompatible with {@code m}, for the upgrading session if there is one, and for
 * every session with an earlier queued request whose mode is incompatible with {@code m}, because FIFO
 * order will not grant {@code s} before that request. Same-session entries count only where they truly
 * block: a hold or earlier request of {@code s} itself yields a (self) edge only if its mode does not
 * cover {@code m}. Waiting for earlier requests, not only for holders, makes every cycle appear at the
 * moment a request is queued; grants, releases and expiries only ever remove edges.
 * <p>
 * Not thread-safe; owned by {@link LockStateMachine}.
 */
final class LockTable {

    /**
     * A request that became a grant.
     *
     * @param request the request, now removed from the queue or the upgrade slot
     * @param grant the hold right after this grant
     */
    record Promotion(Wait request, Grant grant) {
    }

    /** The lock name. */
    private final String name;

    /** The largest fencing token issued for this lock, 0 if never granted. */
    private long lastToken;

    /** The holders, in grant order. */
    private final LinkedHashMap<SessionId, Hold> holders = new LinkedHashMap<>();

    /** The pending upgrade, or {@code null}. */
    private Wait upgrade;

    /** The queued acquisitions, in FIFO order. */
    private final ArrayList<Wait> queue = new ArrayList<>();

    /**
     * Creates the table of a free lock.
     *
     * @param name the lock name
     * @param lastToken the largest token issued so far for it
     */
    LockTable(String name, long lastToken) {
        this.name = name;
        this.lastToken = lastToken;
    }

    /**
     * Returns the lock name.
     *
     * @return the name
     */
    String name() {
        return name;
    }

    /**
     * Returns the largest token issued for this lock.
     *
     * @return the token, 0 if never granted
     */
    long lastToken() {
        return lastToken;
    }

    /**
     * Tells whether the lock has neither holders nor waiters.
     *
     * @return {@code true} if idle
     */
    boolean isIdle() {
        return holders.isEmpty() && upgrade == null && queue.isEmpty();
    }

    /**
     * Returns the hold of a session.
     *
     * @param sessionId the session
     * @return its hold, or {@code null}
     */
    Hold holder(SessionId sessionId) {
        return holders.get(sessionId);
    }

    /**
     * Returns the holds in grant order.
     *
     * @return an unmodifiable view
     */
    Collection<Hold> holders() {
        return Collections.unmodifiableCollection(holders.values());
    }

    /**
     * Returns the pending upgrade.
     *
     * @return the upgrade, or {@code null}
     */
    Wait upgrade() {
        return upgrade;
    }

    /**
     * Returns the queue.
     *
     * @return an unmodifiable view, in FIFO order
     */
    List<Wait> queue() {
        return Collections.unmodifiableList(queue);
    }

    /**
     * Tells whether a new request of a session that does not hold the lock would be granted at once:
     * nothing is pending and the mode is compatible with every holder.
     *
     * @param mode the requested mode
     * @return {@code true} if grantable at once
     */
    boolean grantableNow(LockMode mode) {
        return upgrade == null && queue.isEmpty() && compatibleWithHolders(mode);
    }

    /**
     * Adds a new hold of a session that does not hold the lock.
     *
     * @param sessionId the session
     * @param mode the mode
     * @param token the new fencing token, larger than every token issued before
     * @param leaseMillis the lease
     * @param leaseExpiresAt the lease expiry
     * @return the hold
     */
    Hold grant(SessionId sessionId, LockMode mode, long token, long leaseMillis, long leaseExpiresAt) {
        Hold hold = new Hold(sessionId, mode, token, 1, leaseMillis, leaseExpiresAt);
        holders.put(sessionId, hold);
        lastToken = token;
        return hold;
    }

    /**
     * Turns a shared hold into an exclusive one with a new token.
     *
     * @param hold the hold, a holder of this lock
     * @param token the new fencing token
     */
    void upgradeHold(Hold hold, long token) {
        hold.mode = LockMode.EXCLUSIVE;
        hold.token = token;
        lastToken = token;
    }

    /**
     * Removes the hold of a session.
     *
     * @param sessionId the session
     * @return the removed hold, or {@code null} if it held nothing
     */
    Hold removeHolder(SessionId sessionId) {
        return holders.remove(sessionId);
    }

    /**
     * Appends a request to the queue, or sets it as the pending upgrade.
     *
     * @param wait the request
     * @throws IllegalStateException if it is an upgrade and another upgrade is pending
     */
    void enqueue(Wait wait) {
        if (wait.upgrade()) {
            if (upgrade != null) {
                throw new IllegalStateException("lock '" + name + "' already has a pending upgrade of " + upgrade);
            }
            upgrade = wait;
        } else {
            queue.add(wait);
        }
    }

    /**
     * Removes a request from the queue or the upgrade slot.
     *
     * @param wait the request
     */
    void dequeue(Wait wait) {
        if (wait.equals(upgrade)) {
            upgrade = null;
        } else if (!queue.remove(wait)) {
            throw new IllegalStateException("request " + wait + " is not queued on lock '" + name + "'");
        }
    }

    /**
     * Returns the position of a request in {@link LockStatus#waiters()}.
     *
     * @param wait a queued request or the pending upgrade
     * @return its index
     */
    int position(Wait wait) {
        if (wait.equals(upgrade)) {
            return 0;
        }
        return queue.indexOf(wait) + (upgrade == null ? 0 : 1);
    }

    /**
     * Grants what the grant rule allows now. Called after every change that can unblock the lock:
     * a release, a downgrade, the end of a hold or the removal of a request.
     *
     * @param now the current log time, when granted leases start
     * @param tokens supplies a new, larger fencing token per new grant
     * @return the promoted requests in grant order
     */
    List<Promotion> grantWaiters(long now, LongSupplier tokens) {
        List<Promotion> promoted = new ArrayList<>();
        if (upgrade != null) {
            Hold hold = holders.get(upgrade.sessionId());
            if (hold != null && holders.size() == 1) {
                upgradeHold(hold, tokens.getAsLong());
                promoted.add(new Promotion(upgrade, hold.toGrant(name)));
                upgrade = null;
            }
            return promoted;
        }
        while (!queue.isEmpty()) {
            Wait head = queue.get(0);
            Hold own = holders.get(head.sessionId());
            if (own != null) {
                // Unreachable by the invariants (covered requests are promoted with the hold); kept as a guard.
                if (!own.mode.covers(head.mode())) {
                    throw new IllegalStateException("invariant violated: " + head + " queued behind its own "
                            + own.mode + " hold of lock '" + name + "'");
                }
                queue.remove(0);
                promoted.add(new Promotion(head, reenter(own, head, now)));
                continue;
            }
            if (!compatibleWithHolders(head.mode())) {
                break;
            }
            queue.remove(0);
            Hold hold = grant(head.sessionId(), head.mode(), tokens.getAsLong(), head.leaseMillis(),
                    LockStateMachine.plus(now, head.leaseMillis()));
            promoted.add(new Promotion(head, hold.toGrant(name)));
            for (Iterator<Wait> it = queue.iterator(); it.hasNext();) {
                Wait later = it.next();
                if (later.sessionId().equals(head.sessionId()) && hold.mode.covers(later.mode())) {
                    it.remove();
                    promoted.add(new Promotion(later, reenter(hold, later, now)));
                }
            }
        }
        return promoted;
    }

    /**
     * Applies a reentrant acquisition to a hold: one more hold, lease extended to the later expiry.
     *
     * @param hold the hold
     * @param request the request (mode covered by the hold)
     * @param now the current log time
     * @return the hold after the acquisition
     */
    Grant reenter(Hold hold, Wait request, long now) {
        return reenter(hold, request.leaseMillis(), now);
    }

    /**
     * Applies a reentrant acquisition to a hold: one more hold, lease extended to the later expiry.
     *
     * @param hold the hold
     * @param leaseMillis the lease of the new acquisition
     * @param now the current log time
     * @return the hold after the acquisition
     */
    Grant reenter(Hold hold, long leaseMillis, long now) {
        hold.holdCount++;
        long expiry = LockStateMachine.plus(now, leaseMillis);
        if (expiry > hold.leaseExpiresAt) {
            hold.leaseExpiresAt = expiry;
            hold.leaseMillis = leaseMillis;
        }
        return hold.toGrant(name);
    }

    /**
     * Returns the wait-for edges of a queued request or of the pending upgrade.
     *
     * @param wait the request
     * @return its edges, see the class documentation
     */
    List<WaitEdge> edgesOf(Wait wait) {
        if (wait.upgrade()) {
            return upgradeEdges(wait.sessionId());
        }
        int index = queue.indexOf(wait);
        if (index < 0) {
            throw new IllegalStateException("request " + wait + " is not queued on lock '" + name + "'");
        }
        return requestEdges(wait.sessionId(), wait.mode(), index);
    }

    /**
     * Returns the edges an upgrade of a session would have: one per other holder.
     *
     * @param sessionId the upgrading session
     * @return the edges
     */
    List<WaitEdge> upgradeEdges(SessionId sessionId) {
        List<WaitEdge> edges = new ArrayList<>();
        for (Hold hold : holders.values()) {
            if (!hold.sessionId.equals(sessionId)) {
                edges.add(new WaitEdge(sessionId, name, LockMode.EXCLUSIVE, hold.sessionId));
            }
        }
        return edges;
    }

    /**
     * Returns the edges of a request queued after the first {@code ahead} requests of the queue; with
     * {@code ahead == queue().size()}, the edges a new request would have.
     *
     * @param sessionId the requesting session
     * @param mode the requested mode
     * @param ahead how many queued requests are before it
     * @return the edges without duplicates, holders first, in a deterministic order
     */
    List<WaitEdge> requestEdges(SessionId sessionId, LockMode mode, int ahead) {
        Set<WaitEdge> edges = new LinkedHashSet<>();
        for (Hold hold : holders.values()) {
            if (blocks(hold.sessionId, hold.mode, sessionId, mode)) {
                edges.add(new WaitEdge(sessionId, name, mode, hold.sessionId));
            }
        }
        if (upgrade != null && !upgrade.sessionId().equals(sessionId)) {
            edges.add(new WaitEdge(sessionId, name, mode, upgrade.sessionId()));
        }
        for (int i = 0; i < ahead; i++) {
            Wait earlier = queue.get(i);
            if (blocks(earlier.sessionId(), earlier.mode(), sessionId, mode)) {
                edges.add(new WaitEdge(sessionId, name, mode, earlier.sessionId()));
            }
        }
        return new ArrayList<>(edges);
    }

    /**
     * Tells whether a hold or earlier request {@code (other, otherMode)} keeps a request
     * {@code (session, mode)} waiting: for another session, when the modes are incompatible; for the
     * same session, when {@code otherMode} does not cover {@code mode}.
     *
     * @param other the session of the hold or earlier request
     * @param otherMode its mode
     * @param session the requesting session
     * @param mode the requested mode
     * @return {@code true} if the request waits for {@code other}
     */
    private static boolean blocks(SessionId other, LockMode otherMode, SessionId session, LockMode mode) {
        return other.equals(session) ? !otherMode.covers(mode) : !mode.isCompatibleWith(otherMode);
    }

    /**
     * Tells whether a mode is compatible with every holder.
     *
     * @param mode the mode
     * @return {@code true} if compatible with all holders (or there are none)
     */
    private boolean compatibleWithHolders(LockMode mode) {
        for (Hold hold : holders.values()) {
            if (!mode.isCompatibleWith(hold.mode)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Snapshots the lock for the API.
     *
     * @return the status
     */
    LockStatus status() {
        List<LockHolder> holderList = new ArrayList<>(holders.size());
        for (Hold hold : holders.values()) {
            holderList.add(hold.toGrant(name).toHolder());
        }
        List<LockWaiter> waiterList = new ArrayList<>(queue.size() + 1);
        if (upgrade != null) {
            waiterList.add(upgrade.toWaiter());
        }
        for (Wait wait : queue) {
            waiterList.add(wait.toWaiter());
        }
        return new LockStatus(name, holderList, waiterList, lastToken);
    }

    /**
     * Restores a hold read from a snapshot, in grant order.
     *
     * @param hold the hold
     */
    void restoreHold(Hold hold) {
        holders.put(hold.sessionId, hold);
    }
}
