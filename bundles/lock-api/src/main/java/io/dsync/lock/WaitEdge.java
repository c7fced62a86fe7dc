package io.dsync.lock;

import java.io.Serializable;

/**
 * One edge of the wait-for graph: session {@code waiter} waits for lock {@code lockName} in
 * {@code requestedMode}, and session {@code holder} holds that lock in a conflicting mode.
 *
 * @param waiter the waiting session
 * @param lockName the lock it waits for
 * @param requestedMode the mode it requested
 * @param holder a session holding {@code lockName} in a mode incompatible with {@code requestedMode}
 *     (equal to {@code waiter} when a session waits for a lock it holds itself)
 * @serial exclude
 */
public record WaitEdge(SessionId waiter, String lockName, LockMode requestedMode, SessionId holder)
        implements Serializable {

    /**
     * Validates the edge.
     *
     * @param waiter the waiting session
     * @param lockName the lock it waits for
     * @param requestedMode the mode it requested
     * @param holder a session holding {@code lockName} in an incompatible mode
     * @throws NullPointerException if any component is {@code null}
     * @throws InvalidLockRequestException if {@code lockName} is not a valid lock name
     */
    public WaitEdge {
        if (waiter == null) {
            throw new NullPointerException("waiter");
        }
        LockRequest.requireValidName(lockName);
        if (requestedMode == null) {
            throw new NullPointerException("requestedMode");
        }
        if (holder == null) {
            throw new NullPointerException("holder");
        }
    }

    /**
     * Renders the edge as {@code waiter -[MODE 'lock']-> holder}.
     *
     * @return a human-readable representation
     */
    @Override
    public String toString() {
        return waiter + " -[" + requestedMode + " '" + lockName + "']-> " + holder;
    }
}
