package io.dsync.lock.core;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;

/**
 * The mutable hold of one session on one lock. Owned by a {@link LockTable}; mutated only by the
 * single thread applying commands.
 */
final class Hold {

    /** The holding session. */
    final SessionId sessionId;

    /** The held mode; changes on upgrade and downgrade. */
    LockMode mode;

    /** The fencing token of the grant; changes on upgrade only. */
    long token;

    /** The reentrant hold count, at least 1 while the hold exists. */
    int holdCount;

    /** The lease of the grant in milliseconds, as last requested or renewed. */
    long leaseMillis;

    /** When the lease ends, on the log's clock. */
    long leaseExpiresAt;

    /**
     * Creates a hold.
     *
     * @param sessionId the holding session
     * @param mode the held mode
     * @param token the fencing token
     * @param holdCount the hold count
     * @param leaseMillis the lease
     * @param leaseExpiresAt the lease expiry
     */
    Hold(SessionId sessionId, LockMode mode, long token, int holdCount, long leaseMillis, long leaseExpiresAt) {
        this.sessionId = sessionId;
        this.mode = mode;
        this.token = token;
        this.holdCount = holdCount;
        this.leaseMillis = leaseMillis;
        this.leaseExpiresAt = leaseExpiresAt;
    }

    /**
     * Snapshots the hold.
     *
     * @param lockName the name of the lock held
     * @return the immutable grant
     */
    Grant toGrant(String lockName) {
        return new Grant(lockName, sessionId, mode, token, holdCount, leaseMillis, leaseExpiresAt);
    }
}
