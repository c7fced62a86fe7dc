package io.dsync.lock.core;

/**
 * Why a command was rejected, or why a queued request ended without a grant. Every reason maps to
 * exactly one failure of the {@code io.dsync.lock} API, named below, so that the adapter can complete
 * the caller's future precisely.
 */
public enum RejectReason {

    /**
     * An argument violates a limit of the API (lock name, lease, wait timeout, TTL, token, client id).
     * Clients validate eagerly, so this only reaches the log from a buggy or incompatible client; maps
     * to {@link io.dsync.lock.InvalidLockRequestException}.
     */
    INVALID,

    /**
     * The session is not open: it never existed, was closed, or ended so long ago that it is no
     * longer remembered. Maps to {@link IllegalStateException} for a session the client closed, and
     * to {@link io.dsync.lock.LeaseExpiredException} otherwise.
     */
    UNKNOWN_SESSION,

    /**
     * The session expired, before the command or while the request waited; maps to
     * {@link io.dsync.lock.LeaseExpiredException} without a lock name.
     */
    SESSION_EXPIRED,

    /**
     * The handle does not designate a grant the session holds (never held, fully released, or the
     * token of an earlier grant), or an upgrade lost its shared hold by a release while it waited;
     * maps to {@link io.dsync.lock.LockNotHeldException}.
     */
    NOT_HELD,

    /**
     * The grant designated by the handle ended because its lock lease expired; maps to
     * {@link io.dsync.lock.LeaseExpiredException} naming the lock.
     */
    LEASE_EXPIRED,

    /**
     * Waiting would have closed a cycle of the wait-for graph; the rejected request is the victim and
     * the {@link Outcome.Rejected#cycle() cycle} starts with its wait. Maps to
     * {@link io.dsync.lock.DeadlockException}.
     */
    DEADLOCK,

    /**
     * The wait timeout elapsed (or was zero) before the request could be granted; maps to
     * {@link io.dsync.lock.LockTimeoutException}.
     */
    TIMEOUT,

    /**
     * A try-acquire found the lock not grantable at once; maps to an empty
     * {@link java.util.Optional} from {@code tryAcquire}.
     */
    NOT_GRANTABLE,

    /**
     * A {@link LockCommand.CancelWait} named a call that is neither waiting nor remembered as
     * completed; nothing was withdrawn.
     */
    NOT_WAITING
}
