package io.dsync.lock.core;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;

/**
 * The binary format of lock values, shared by the {@linkplain LockStateMachine#snapshot() snapshots}
 * of the state machine and the wire format of the Raft adapter, so that a value is encoded the same
 * way wherever it is stored or sent. Each of those formats owns its framing and its version; this
 * class owns only the encoding of the values inside them, and a change to it changes both formats
 * (and requires a new version of each).
 * <p>
 * The encoding is {@link DataOutput} big-endian, without Java serialization:
 * <ul>
 * <li><b>string</b>: an int byte length {@code n} ({@code 0 <= n <= }{@value #MAX_STRING_BYTES})
 * and {@code n} bytes of UTF-8;</li>
 * <li><b>count</b> (a collection size): an int, at most a bound given by the reader
 * ({@value #MAX_COUNT} unless stated otherwise);</li>
 * <li><b>{@link LockMode}</b>: a byte, 0 shared, 1 exclusive;</li>
 * <li><b>{@link SessionId}</b>: its value as a string;</li>
 * <li><b>{@link RejectReason}</b>: a byte, 0 {@code INVALID}, 1 {@code UNKNOWN_SESSION}, 2
 * {@code SESSION_EXPIRED}, 3 {@code NOT_HELD}, 4 {@code LEASE_EXPIRED}, 5 {@code DEADLOCK}, 6
 * {@code TIMEOUT}, 7 {@code NOT_GRANTABLE}, 8 {@code NOT_WAITING};</li>
 * <li><b>{@link Effect.EndCause}</b>: a byte, 0 {@code LEASE_EXPIRED}, 1 {@code SESSION_EXPIRED}, 2
 * {@code SESSION_CLOSED};</li>
 * <li><b>{@link Grant}</b>: lock name (string), session id, mode, fencing token (long), hold count
 * (int), lease (long milliseconds), lease expiry (long epoch milliseconds);</li>
 * <li><b>{@link WaitEdge}</b>: waiter (session id), lock name (string), requested mode, holder
 * (session id);</li>
 * <li><b>{@link WaitForCycle}</b>: a count of edges, then the edges in order;</li>
 * <li><b>{@link Outcome}</b>: a tag byte and the fields of the variant: 1 {@code Granted} (grant), 2
 * {@code Queued} (position, int), 3 {@code Released} (remaining hold count, int), 4
 * {@code SessionLive} (session id, expiry as long epoch milliseconds), 5 {@code Cancelled}, 6
 * {@code Done}, 7 {@code Rejected} (reason, message as string, a boolean telling whether a cycle
 * follows, the cycle).</li>
 * </ul>
 * Enum constants have explicit codes fixed here, never their ordinals: reordering an enum does not
 * change the format, and a new constant does not compile until it is given a new code (codes are
 * appended, never reused).
 * <p>
 * Readers validate what they read: bounds of lengths and counts, tags and codes, and the invariants
 * of the decoded records (a valid session id, a positive fencing token, a well-formed cycle...).
 * Malformed input fails with an {@link IOException} ({@link java.io.EOFException} when truncated),
 * never with an unchecked exception, so callers translate one exception type to their own.
 * <p>
 * Stateless and thread-safe.
 */
public final class LockValueCodec {

    /** Upper bound of an encoded string, in bytes; a longer length is corrupt input. */
    public static final int MAX_STRING_BYTES = 1 << 20;

    /** Default upper bound of a count read by {@link #readCount(DataInput)}; a larger one is corrupt input. */
    public static final int MAX_COUNT = 1 << 28;

    private static final int OUTCOME_GRANTED = 1;
    private static final int OUTCOME_QUEUED = 2;
    private static final int OUTCOME_RELEASED = 3;
    private static final int OUTCOME_SESSION_LIVE = 4;
    private static final int OUTCOME_CANCELLED = 5;
    private static final int OUTCOME_DONE = 6;
    private static final int OUTCOME_REJECTED = 7;

    private LockValueCodec() {
    }

    // ---------------------------------------------------------------- strings and counts

    /**
     * Writes a string as its UTF-8 byte length and bytes.
     *
     * @param out the output
     * @param s the string
     * @throws IOException if writing fails
     */
    public static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /**
     * Reads a string written by {@link #writeString(DataOutput, String)}.
     *
     * @param in the input
     * @return the string
     * @throws IOException if reading fails or the length is out of range
     */
    public static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new IOException("string length " + length + " out of range 0.." + MAX_STRING_BYTES);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Writes a collection size.
     *
     * @param out the output
     * @param count the size
     * @throws IOException if writing fails
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public static void writeCount(DataOutput out, int count) throws IOException {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        out.writeInt(count);
    }

    /**
     * Reads a collection size of at most {@value #MAX_COUNT}.
     *
     * @param in the input
     * @return the size
     * @throws IOException if reading fails or the size is out of range
     */
    public static int readCount(DataInput in) throws IOException {
        return readCount(in, MAX_COUNT);
    }

    /**
     * Reads a collection size of at most {@code max}.
     *
     * @param in the input
     * @param max the largest acceptable size
     * @return the size
     * @throws IOException if reading fails or the size is out of range
     */
    public static int readCount(DataInput in, int max) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > max) {
            throw new IOException("count " + count + " out of range 0.." + max);
        }
        return count;
    }

    // ---------------------------------------------------------------- enums

    /**
     * Writes a lock mode as its byte code.
     *
     * @param out the output
     * @param mode the mode
     * @throws IOException if writing fails
     */
    public static void writeMode(DataOutput out, LockMode mode) throws IOException {
        out.writeByte(switch (mode) {
            case SHARED -> 0;
            case EXCLUSIVE -> 1;
        });
    }

    /**
     * Reads a lock mode.
     *
     * @param in the input
     * @return the mode
     * @throws IOException if reading fails or the code is unknown
     */
    public static LockMode readMode(DataInput in) throws IOException {
        int code = in.readUnsignedByte();
        return switch (code) {
            case 0 -> LockMode.SHARED;
            case 1 -> LockMode.EXCLUSIVE;
            default -> throw new IOException("unknown lock mode code " + code);
        };
    }

    /**
     * Writes a reject reason as its byte code.
     *
     * @param out the output
     * @param reason the reason
     * @throws IOException if writing fails
     */
    public static void writeRejectReason(DataOutput out, RejectReason reason) throws IOException {
        out.writeByte(switch (reason) {
            case INVALID -> 0;
            case UNKNOWN_SESSION -> 1;
            case SESSION_EXPIRED -> 2;
            case NOT_HELD -> 3;
            case LEASE_EXPIRED -> 4;
            case DEADLOCK -> 5;
            case TIMEOUT -> 6;
            case NOT_GRANTABLE -> 7;
            case NOT_WAITING -> 8;
        });
    }

    /**
     * Reads a reject reason.
     *
     * @param in the input
     * @return the reason
     * @throws IOException if reading fails or the code is unknown
     */
    public static RejectReason readRejectReason(DataInput in) throws IOException {
        int code = in.readUnsignedByte();
        return switch (code) {
            case 0 -> RejectReason.INVALID;
            case 1 -> RejectReason.UNKNOWN_SESSION;
            case 2 -> RejectReason.SESSION_EXPIRED;
            case 3 -> RejectReason.NOT_HELD;
            case 4 -> RejectReason.LEASE_EXPIRED;
            case 5 -> RejectReason.DEADLOCK;
            case 6 -> RejectReason.TIMEOUT;
            case 7 -> RejectReason.NOT_GRANTABLE;
            case 8 -> RejectReason.NOT_WAITING;
            default -> throw new IOException("unknown reject reason code " + code);
        };
    }

    /**
     * Writes an end cause as its byte code.
     *
     * @param out the output
     * @param cause the cause
     * @throws IOException if writing fails
     */
    public static void writeEndCause(DataOutput out, Effect.EndCause cause) throws IOException {
        out.writeByte(switch (cause) {
            case LEASE_EXPIRED -> 0;
            case SESSION_EXPIRED -> 1;
            case SESSION_CLOSED -> 2;
        });
    }

    /**
     * Reads an end cause.
     *
     * @param in the input
     * @return the cause
     * @throws IOException if reading fails or the code is unknown
     */
    public static Effect.EndCause readEndCause(DataInput in) throws IOException {
        int code = in.readUnsignedByte();
        return switch (code) {
            case 0 -> Effect.EndCause.LEASE_EXPIRED;
            case 1 -> Effect.EndCause.SESSION_EXPIRED;
            case 2 -> Effect.EndCause.SESSION_CLOSED;
            default -> throw new IOException("unknown end cause code " + code);
        };
    }

    // ---------------------------------------------------------------- records

    /**
     * Writes a session id.
     *
     * @param out the output
     * @param id the id
     * @throws IOException if writing fails
     */
    public static void writeSessionId(DataOutput out, SessionId id) throws IOException {
        writeString(out, id.value());
    }

    /**
     * Reads a session id.
     *
     * @param in the input
     * @return the id
     * @throws IOException if reading fails or the id is invalid
     */
    public static SessionId readSessionId(DataInput in) throws IOException {
        String value = readString(in);
        try {
            return new SessionId(value);
        } catch (IllegalArgumentException e) {
            throw invalid("session id", e);
        }
    }

    /**
     * Writes a grant.
     *
     * @param out the output
     * @param grant the grant
     * @throws IOException if writing fails
     */
    public static void writeGrant(DataOutput out, Grant grant) throws IOException {
        writeString(out, grant.lockName());
        writeHold(out, new Hold(grant.sessionId(), grant.mode(), grant.fencingToken(), grant.holdCount(),
                grant.leaseMillis(), grant.leaseExpiresAtMillis()));
    }

    /**
     * Reads a grant.
     *
     * @param in the input
     * @return the grant
     * @throws IOException if reading fails or the grant is invalid
     */
    public static Grant readGrant(DataInput in) throws IOException {
        String lockName = readString(in);
        return readHold(in).toGrant(lockName);
    }

    /**
     * Writes a hold: a {@link Grant} without its lock name, which the caller implies (the snapshot
     * stores the holders of a lock under the lock).
     *
     * @param out the output
     * @param hold the hold
     * @throws IOException if writing fails
     */
    static void writeHold(DataOutput out, Hold hold) throws IOException {
        writeSessionId(out, hold.sessionId);
        writeMode(out, hold.mode);
        out.writeLong(hold.token);
        out.writeInt(hold.holdCount);
        out.writeLong(hold.leaseMillis);
        out.writeLong(hold.leaseExpiresAt);
    }

    /**
     * Reads a hold written by {@link #writeHold(DataOutput, Hold)}.
     *
     * @param in the input
     * @return the hold
     * @throws IOException if reading fails or the hold is invalid
     */
    static Hold readHold(DataInput in) throws IOException {
        Hold hold = new Hold(readSessionId(in), readMode(in), in.readLong(), in.readInt(), in.readLong(),
                in.readLong());
        if (hold.token <= 0 || hold.holdCount < 1) {
            throw new IOException("invalid grant: fencing token " + hold.token + ", hold count " + hold.holdCount);
        }
        return hold;
    }

    /**
     * Writes a wait-for edge.
     *
     * @param out the output
     * @param edge the edge
     * @throws IOException if writing fails
     */
    public static void writeWaitEdge(DataOutput out, WaitEdge edge) throws IOException {
        writeSessionId(out, edge.waiter());
        writeString(out, edge.lockName());
        writeMode(out, edge.requestedMode());
        writeSessionId(out, edge.holder());
    }

    /**
     * Reads a wait-for edge.
     *
     * @param in the input
     * @return the edge
     * @throws IOException if reading fails or the edge is invalid
     */
    public static WaitEdge readWaitEdge(DataInput in) throws IOException {
        SessionId waiter = readSessionId(in);
        String lockName = readString(in);
        LockMode mode = readMode(in);
        SessionId holder = readSessionId(in);
        try {
            return new WaitEdge(waiter, lockName, mode, holder);
        } catch (IllegalArgumentException e) {
            throw invalid("wait-for edge", e);
        }
    }

    /**
     * Writes a wait-for cycle.
     *
     * @param out the output
     * @param cycle the cycle
     * @throws IOException if writing fails
     */
    public static void writeCycle(DataOutput out, WaitForCycle cycle) throws IOException {
        List<WaitEdge> edges = cycle.edges();
        writeCount(out, edges.size());
        for (WaitEdge edge : edges) {
            writeWaitEdge(out, edge);
        }
    }

    /**
     * Reads a wait-for cycle.
     *
     * @param in the input
     * @return the cycle
     * @throws IOException if reading fails or the edges do not form a cycle
     */
    public static WaitForCycle readCycle(DataInput in) throws IOException {
        int count = readCount(in);
        List<WaitEdge> edges = new ArrayList<>(Math.min(count, 64));
        for (int i = 0; i < count; i++) {
            edges.add(readWaitEdge(in));
        }
        try {
            return new WaitForCycle(edges);
        } catch (IllegalArgumentException e) {
            throw invalid("wait-for cycle", e);
        }
    }

    /**
     * Writes an outcome as its tag byte and fields.
     *
     * @param out the output
     * @param outcome the outcome
     * @throws IOException if writing fails
     */
    public static void writeOutcome(DataOutput out, Outcome outcome) throws IOException {
        if (outcome instanceof Outcome.Granted o) {
            out.writeByte(OUTCOME_GRANTED);
            writeGrant(out, o.grant());
        } else if (outcome instanceof Outcome.Queued o) {
            out.writeByte(OUTCOME_QUEUED);
            out.writeInt(o.position());
        } else if (outcome instanceof Outcome.Released o) {
            out.writeByte(OUTCOME_RELEASED);
            out.writeInt(o.remainingHoldCount());
        } else if (outcome instanceof Outcome.SessionLive o) {
            out.writeByte(OUTCOME_SESSION_LIVE);
            writeSessionId(out, o.sessionId());
            out.writeLong(o.expiresAtMillis());
        } else if (outcome instanceof Outcome.Cancelled) {
            out.writeByte(OUTCOME_CANCELLED);
        } else if (outcome instanceof Outcome.Done) {
            out.writeByte(OUTCOME_DONE);
        } else if (outcome instanceof Outcome.Rejected o) {
            out.writeByte(OUTCOME_REJECTED);
            writeRejectReason(out, o.reason());
            writeString(out, o.message());
            out.writeBoolean(o.cycle().isPresent());
            if (o.cycle().isPresent()) {
                writeCycle(out, o.cycle().get());
            }
        } else {
            throw new IllegalArgumentException("unknown outcome type " + outcome.getClass().getName());
        }
    }

    /**
     * Reads an outcome.
     *
     * @param in the input
     * @return the outcome
     * @throws IOException if reading fails, the tag is unknown or the outcome is invalid
     */
    public static Outcome readOutcome(DataInput in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case OUTCOME_GRANTED:
                return new Outcome.Granted(readGrant(in));
            case OUTCOME_QUEUED:
                return new Outcome.Queued(in.readInt());
            case OUTCOME_RELEASED:
                return new Outcome.Released(in.readInt());
            case OUTCOME_SESSION_LIVE:
                return new Outcome.SessionLive(readSessionId(in), in.readLong());
            case OUTCOME_CANCELLED:
                return new Outcome.Cancelled();
            case OUTCOME_DONE:
                return new Outcome.Done();
            case OUTCOME_REJECTED:
                RejectReason reason = readRejectReason(in);
                String message = readString(in);
                Optional<WaitForCycle> cycle = in.readBoolean() ? Optional.of(readCycle(in)) : Optional.empty();
                try {
                    return new Outcome.Rejected(reason, message, cycle);
                } catch (IllegalArgumentException e) {
                    throw invalid("rejection", e);
                }
            default:
                throw new IOException("unknown outcome tag " + tag);
        }
    }

    private static IOException invalid(String what, IllegalArgumentException e) {
        return new IOException("invalid " + what + ": " + e.getMessage(), e);
    }
}
