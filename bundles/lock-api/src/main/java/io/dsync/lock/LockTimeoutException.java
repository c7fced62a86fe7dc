package io.dsync.lock;

import java.time.Duration;

/**
 * The wait timeout of an {@linkplain LockSession#acquire acquire} or {@linkplain LockSession#upgrade
 * upgrade} elapsed before the lock could be granted.
 * <p>
 * The request has been withdrawn from the wait queue: the lock was not granted (for an upgrade, the
 * session still holds the lock in {@link LockMode#SHARED} mode, unchanged). Retrying is safe.
 */
public class LockTimeoutException extends LockException {

    private static final long serialVersionUID = 1L;

    /** The lock that could not be acquired. */
    private final String lockName;

    /** The requested mode. */
    private final LockMode mode;

    /** The wait timeout that elapsed. */
    private final Duration waitTimeout;

    /**
     * Creates the exception.
     *
     * @param lockName the lock that could not be acquired
     * @param mode the requested mode
     * @param waitTimeout the wait timeout that elapsed
     */
    public LockTimeoutException(String lockName, LockMode mode, Duration waitTimeout) {
        super("timed out after " + Durations.human(waitTimeout) + " waiting for " + mode + " lock '" + lockName + "'");
        this.lockName = lockName;
        this.mode = mode;
        this.waitTimeout = waitTimeout;
    }

    /**
     * Returns the name of the lock that could not be acquired.
     *
     * @return the lock name
     */
    public String lockName() {
        return lockName;
    }

    /**
     * Returns the requested mode.
     *
     * @return the mode that was requested
     */
    public LockMode mode() {
        return mode;
    }

    /**
     * Returns the wait timeout that elapsed.
     *
     * @return the wait timeout of the request
     */
    public Duration waitTimeout() {
        return waitTimeout;
    }
}
