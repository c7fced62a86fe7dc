package io.dsync.lock;

/**
 * The handle passed to {@code release}, {@code renew}, {@code upgrade} or {@code downgrade} does not
 * designate a grant that the session currently holds: the lock was already fully released (hold
 * count reached zero), the handle belongs to another session, or the handle's
 * {@linkplain LockHandle#fencingToken() fencing token} belongs to an earlier grant of the same lock.
 * <p>
 * The operation had no effect. If the grant ended because its lock lease or its session expired, the
 * more specific {@link LeaseExpiredException} is thrown instead, because then the holder may have
 * used the lock after it was lost.
 */
public class LockNotHeldException extends LockException {

    private static final long serialVersionUID = 1L;

    /** The lock name of the handle. */
    private final String lockName;

    /** The session of the handle. */
    private final SessionId sessionId;

    /** The fencing token of the handle. */
    private final long fencingToken;

    /**
     * Creates the exception.
     *
     * @param lockName the lock name of the handle
     * @param sessionId the session of the handle
     * @param fencingToken the fencing token of the handle
     * @param message the detail message, explaining why the grant is not held
     */
    public LockNotHeldException(String lockName, SessionId sessionId, long fencingToken, String message) {
        super(message);
        this.lockName = lockName;
        this.sessionId = sessionId;
        this.fencingToken = fencingToken;
    }

    /**
     * Returns the lock name of the handle.
     *
     * @return the lock name
     */
    public String lockName() {
        return lockName;
    }

    /**
     * Returns the session of the handle.
     *
     * @return the session id
     */
    public SessionId sessionId() {
        return sessionId;
    }

    /**
     * Returns the fencing token of the handle.
     *
     * @return the fencing token of the grant the caller believed it held
     */
    public long fencingToken() {
        return fencingToken;
    }
}
