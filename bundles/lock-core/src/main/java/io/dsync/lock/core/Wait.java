package io.dsync.lock.core;

import io.dsync.lock.LockMode;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;

import java.time.Instant;

/**
 * A queued request: an acquisition in a lock's FIFO queue, or the pending upgrade of a lock. Identified
 * by {@code (sessionId, callId)}.
 *
 * @param sessionId the waiting session
 * @param callId the call id of the request
 * @param lockName the lock
 * @param mode the requested mode ({@link LockMode#EXCLUSIVE} for an upgrade)
 * @param upgrade whether this is an upgrade of a shared hold of the same session
 * @param leaseMillis the lease the grant will get (for an upgrade: unused, the hold keeps its lease)
 * @param enqueuedAt when the request was queued, on the log's clock
 * @param deadline when the request times out, on the log's clock
 */
record Wait(SessionId sessionId, long callId, String lockName, LockMode mode, boolean upgrade, long leaseMillis,
        long enqueuedAt, long deadline) {

    /**
     * Returns the deadline-index key of the request.
     *
     * @return the key
     */
    CallKey key() {
        return new CallKey(sessionId.value(), callId);
    }

    /**
     * Converts the request to the waiter entry of a {@link io.dsync.lock.LockStatus}.
     *
     * @return the waiter
     */
    LockWaiter toWaiter() {
        return new LockWaiter(sessionId, mode, upgrade, Instant.ofEpochMilli(enqueuedAt),
                Instant.ofEpochMilli(deadline));
    }

    /**
     * Describes the request for messages, e.g. {@code "EXCLUSIVE lock 'a'"} or
     * {@code "upgrade of lock 'a'"}.
     *
     * @return the description
     */
    String describe() {
        return upgrade ? "upgrade of lock '" + lockName + "'" : mode + " lock '" + lockName + "'";
    }

    /**
     * Key of a request in a deadline index: session id, then call id.
     *
     * @param session the session id value
     * @param callId the call id
     */
    record CallKey(String session, long callId) implements Comparable<CallKey> {

        @Override
        public int compareTo(CallKey o) {
            int c = session.compareTo(o.session);
            return c != 0 ? c : Long.compare(callId, o.callId);
        }
    }
}
