package io.dsync.lock;

import java.time.Duration;

/**
 * No Raft majority could be reached within the service's configured quorum timeout.
 * <p>
 * Operations never hang because of a partition: any operation that needs a Raft commit or a
 * linearizable read fails with this exception after at most the quorum timeout (for waiting
 * operations: after the quorum timeout has elapsed without contact to a majority, independently of
 * the wait timeout).
 * <p>
 * <strong>The outcome of a mutating operation is unknown</strong>: it may still be committed later.
 * The session compensates for the cases that matter: a lock granted for an acquire that failed with
 * this exception is released by the session as soon as it learns about the grant, and a release that
 * failed with this exception is re-sent until it is committed or the session ends. A caller that
 * received this exception from {@code acquire} therefore must not assume it holds the lock, and a
 * caller that received it from {@code release} must not assume the lock is still held.
 */
public class NoQuorumException extends LockException {

    private static final long serialVersionUID = 1L;

    /** The quorum timeout that elapsed. */
    private final Duration quorumTimeout;

    /**
     * Creates the exception.
     *
     * @param quorumTimeout the quorum timeout that elapsed
     * @param message the detail message, describing the operation and the reachable members if known
     */
    public NoQuorumException(Duration quorumTimeout, String message) {
        super(message);
        this.quorumTimeout = quorumTimeout;
    }

    /**
     * Returns the quorum timeout that elapsed without reaching a majority.
     *
     * @return the configured quorum timeout
     */
    public Duration quorumTimeout() {
        return quorumTimeout;
    }
}
