package io.dsync.lock;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A linearizable snapshot of one lock: its holders, its FIFO wait queue and the largest fencing token
 * issued for its name, as returned by {@link LockService#status(String)}.
 * <p>
 * The snapshot reflects the replicated state at a single point in time between the invocation and
 * the completion of the {@code status} call; it may be outdated as soon as it is returned. It is
 * intended for diagnostics and administration, not for deciding whether to access a resource (use
 * fencing tokens for that).
 *
 * @param name the lock name
 * @param holders the current holders, in grant order; empty if the lock is free. Either all holders
 *     hold the lock in {@link LockMode#SHARED} mode, or there is exactly one holder in
 *     {@link LockMode#EXCLUSIVE} mode
 * @param waiters the queued requests in FIFO order of arrival, which is the order in which they
 *     are granted; the only exception are upgrades, which are granted as soon as their session is
 *     the only holder
 * @param lastFencingToken a token no grant of this name ever exceeded: for a lock in use or recently free, the
 *     largest fencing token issued for it; for a lock never granted, or free so long that the service forgot it
 *     (the service keeps a bounded number of free locks), an upper bound (0 if nothing was ever forgotten).
 *     Tokens of future grants will be larger
 */
public record LockStatus(String name, List<LockHolder> holders, List<LockWaiter> waiters, long lastFencingToken) {

    /**
     * Validates the snapshot and makes immutable copies of the lists.
     *
     * @param name the lock name
     * @param holders the current holders
     * @param waiters the queued requests in the order in which they will be considered
     * @param lastFencingToken a bound of the fencing tokens issued for this name
     * @throws NullPointerException if a component or a list element is {@code null}
     * @throws InvalidLockRequestException if {@code name} is not a valid lock name, the holders are
     *     inconsistent (an exclusive holder next to another holder, a session listed twice),
     *     {@code lastFencingToken} is negative or smaller than a holder's token, or an upgrade waiter
     *     is not a shared holder
     */
    public LockStatus {
        LockRequest.requireValidName(name);
        holders = List.copyOf(holders);
        waiters = List.copyOf(waiters);
        if (lastFencingToken < 0) {
            throw new InvalidLockRequestException("lastFencingToken",
                    "lastFencingToken must not be negative, was " + lastFencingToken);
        }
        Set<SessionId> seenHolders = new HashSet<>();
        for (LockHolder holder : holders) {
            if (holder.mode() == LockMode.EXCLUSIVE && holders.size() > 1) {
                throw new InvalidLockRequestException("holders", "lock '" + name + "' has an EXCLUSIVE holder "
                        + holder.sessionId() + " and must then have exactly 1 holder, had " + holders.size());
            }
            if (!seenHolders.add(holder.sessionId())) {
                throw new InvalidLockRequestException("holders",
                        "session " + holder.sessionId() + " is listed more than once as holder of '" + name + "'");
            }
            if (holder.fencingToken() > lastFencingToken) {
                throw new InvalidLockRequestException("lastFencingToken", "lastFencingToken " + lastFencingToken
                        + " is smaller than the token " + holder.fencingToken() + " of holder " + holder.sessionId());
            }
        }
        for (LockWaiter waiter : waiters) {
            if (waiter.upgrade() && (!seenHolders.contains(waiter.sessionId()) || !isShared(holders))) {
                throw new InvalidLockRequestException("waiters", "upgrade waiter " + waiter.sessionId()
                        + " does not hold '" + name + "' in SHARED mode");
            }
        }
    }

    /**
     * Tells whether the lock is free, i.e. has no holder.
     *
     * @return {@code true} if {@link #holders()} is empty
     */
    public boolean isFree() {
        return holders.isEmpty();
    }

    /**
     * Returns the mode in which the lock is currently held.
     *
     * @return the mode of the holders, or empty if the lock is free
     */
    public Optional<LockMode> mode() {
        return holders.isEmpty() ? Optional.empty() : Optional.of(holders.get(0).mode());
    }

    /**
     * Tells whether all holders of a non-empty list hold in shared mode.
     *
     * @param holders the holders
     * @return {@code true} if the list is non-empty and its first holder is shared
     */
    private static boolean isShared(List<LockHolder> holders) {
        return !holders.isEmpty() && holders.get(0).mode() == LockMode.SHARED;
    }
}
