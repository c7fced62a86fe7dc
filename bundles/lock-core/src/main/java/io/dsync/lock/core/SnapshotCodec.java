package io.dsync.lock.core;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The records that only a {@link LockStateMachine} snapshot holds: queued requests and the end causes
 * of ended sessions. Every value inside them, and every other value of a snapshot (strings, counts,
 * session ids, holds, outcomes...), is encoded by {@link LockValueCodec}, the format shared with the
 * wire. The layout of the whole snapshot is documented on {@link LockStateMachine#snapshot()}.
 * Stateless.
 */
final class SnapshotCodec {

    private SnapshotCodec() {
    }

    /**
     * Writes a queued request; its lock name is implied by the table it belongs to.
     *
     * @param out the output
     * @param wait the request
     * @throws IOException if writing fails
     */
    static void writeWait(DataOutput out, Wait wait) throws IOException {
        LockValueCodec.writeSessionId(out, wait.sessionId());
        out.writeLong(wait.callId());
        LockValueCodec.writeMode(out, wait.mode());
        out.writeBoolean(wait.upgrade());
        out.writeLong(wait.leaseMillis());
        out.writeLong(wait.enqueuedAt());
        out.writeLong(wait.deadline());
    }

    /**
     * Reads a queued request.
     *
     * @param in the input
     * @param lockName the lock it waits for
     * @return the request
     * @throws IOException if reading fails or the data is invalid
     */
    static Wait readWait(DataInput in, String lockName) throws IOException {
        return new Wait(LockValueCodec.readSessionId(in), in.readLong(), lockName, LockValueCodec.readMode(in),
                in.readBoolean(), in.readLong(), in.readLong(), in.readLong());
    }

    /**
     * Reads the end cause of an ended session, written by
     * {@link LockValueCodec#writeEndCause(DataOutput, Effect.EndCause)}: a session ends by expiry or
     * by closing, never by the expiry of a lease.
     *
     * @param in the input
     * @param sessionId the ended session, for the error message
     * @return the cause
     * @throws IOException if reading fails or the cause is unknown or not one of a session
     */
    static Effect.EndCause readSessionEndCause(DataInput in, String sessionId) throws IOException {
        Effect.EndCause cause = LockValueCodec.readEndCause(in);
        if (cause == Effect.EndCause.LEASE_EXPIRED) {
            throw new IOException("session " + sessionId + " cannot have ended by " + cause);
        }
        return cause;
    }
}
