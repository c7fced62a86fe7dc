package io.dsync.lock;

import java.util.Optional;

/**
 * A lease ended before the operation could complete: either the lease of a single lock (it was not
 * {@linkplain LockSession#renew renewed} in time) or the whole session (its heartbeats did not reach
 * a Raft majority within its TTL).
 * <p>
 * <strong>The holder must immediately stop using the affected fencing tokens</strong>: the lock may
 * already have been granted to another session with a larger token, and resources that follow the
 * fencing contract will reject the old one. Work done under the lost lock must be considered
 * unprotected.
 * <p>
 * Raised by every operation on a handle whose lock lease or session has expired, by operations on an
 * expired session, and by a pending {@code acquire} or {@code upgrade} whose session expires while it
 * waits. {@link LockSession#whenEnded()} completes exceptionally with this exception when the session
 * expires.
 */
public class LeaseExpiredException extends LockException {

    private static final long serialVersionUID = 1L;

    /** The session concerned. */
    private final SessionId sessionId;

    /** The lock whose lease expired, or {@code null} if the whole session expired. */
    private final String lockName;

    /**
     * Creates the exception.
     *
     * @param sessionId the session concerned
     * @param lockName the lock whose own lease expired, or {@code null} if the whole session expired
     * @param message the detail message
     */
    public LeaseExpiredException(SessionId sessionId, String lockName, String message) {
        super(message);
        this.sessionId = sessionId;
        this.lockName = lockName;
    }

    /**
     * Returns the session concerned.
     *
     * @return the session id
     */
    public SessionId sessionId() {
        return sessionId;
    }

    /**
     * Returns the lock whose own lease expired.
     *
     * @return the lock name, or empty if the whole session expired (all its locks are lost)
     */
    public Optional<String> lockName() {
        return Optional.ofNullable(lockName);
    }
}
