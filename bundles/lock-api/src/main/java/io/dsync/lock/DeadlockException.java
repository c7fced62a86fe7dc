package io.dsync.lock;

/**
 * The request would have closed a cycle in the cluster-wide wait-for graph, so it was rejected
 * instead of being queued.
 * <p>
 * The victim is always the session whose request closes the cycle: {@code cycle().edges().get(0)}
 * is the rejected wait of the caller's session, the following edges are the waits already queued.
 * The rejected request had no effect: the caller's session keeps every lock it already holds, so to
 * break the deadlock it must release some of them (typically all locks of the failed unit of work)
 * before retrying. The other sessions of the cycle are not affected.
 * <p>
 * A cycle of a single edge means the session waits for itself: it requested a lock in
 * {@link LockMode#EXCLUSIVE} mode through {@code acquire} while it holds that lock in
 * {@link LockMode#SHARED} mode. Acquisitions never upgrade implicitly; use
 * {@link LockSession#upgrade} instead.
 */
public class DeadlockException extends LockException {

    private static final long serialVersionUID = 1L;

    /** The detected cycle, starting with the rejected wait. */
    private final WaitForCycle cycle;

    /**
     * Creates the exception.
     *
     * @param cycle the detected cycle; its first edge is the rejected wait of the victim session
     */
    public DeadlockException(WaitForCycle cycle) {
        super("deadlock detected, request rejected: " + cycle);
        this.cycle = cycle;
    }

    /**
     * Returns the detected cycle.
     *
     * @return the cycle, starting with the rejected wait of the caller's session
     */
    public WaitForCycle cycle() {
        return cycle;
    }
}
