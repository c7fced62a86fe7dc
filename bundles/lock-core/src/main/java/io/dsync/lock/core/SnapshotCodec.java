package io.dsync.lock.core;

import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 * Encoding of the values that make up a {@link LockStateMachine} snapshot, with
 * {@link DataOutputStream}: no Java serialization, explicit tags instead of enum ordinals for the
 * API's enums, strings as length-prefixed UTF-8. The layout of the whole snapshot is documented on
 * {@link LockStateMachine#snapshot()}. Stateless.
 */
final class SnapshotCodec {

    /** Upper bound of a string in a snapshot, in bytes; anything larger is corruption. */
    private static final int MAX_STRING_BYTES = 1 << 20;

    /** Upper bound of a collection size in a snapshot; anything larger is corruption. */
    static final int MAX_COUNT = 1 << 28;

    private SnapshotCodec() {
    }

    /**
     * Writes a string as its UTF-8 length and bytes.
     *
     * @param out the stream
     * @param s the string
     * @throws IOException if writing fails
     */
    static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /**
     * Reads a string written by {@link #writeString}.
     *
     * @param in the stream
     * @return the string
     * @throws IOException if reading fails or the length is out of range
     */
    static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new IOException("string length out of range: " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Reads a collection size.
     *
     * @param in the stream
     * @return the size
     * @throws IOException if reading fails or the size is out of range
     */
    static int readCount(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > MAX_COUNT) {
            throw new IOException("count out of range: " + count);
        }
        return count;
    }

    /**
     * Writes a session id.
     *
     * @param out the stream
     * @param id the id
     * @throws IOException if writing fails
     */
    static void writeSession(DataOutputStream out, SessionId id) throws IOException {
        writeString(out, id.value());
    }

    /**
     * Reads a session id.
     *
     * @param in the stream
     * @return the id
     * @throws IOException if reading fails or the id is invalid
     */
    static SessionId readSession(DataInputStream in) throws IOException {
        String value = readString(in);
        try {
            return new SessionId(value);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid session id in snapshot: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a mode as a stable tag (0 shared, 1 exclusive).
     *
     * @param out the stream
     * @param mode the mode
     * @throws IOException if writing fails
     */
    static void writeMode(DataOutputStream out, LockMode mode) throws IOException {
        out.writeByte(mode == LockMode.SHARED ? 0 : 1);
    }

    /**
     * Reads a mode.
     *
     * @param in the stream
     * @return the mode
     * @throws IOException if reading fails or the tag is unknown
     */
    static LockMode readMode(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case 0 -> LockMode.SHARED;
            case 1 -> LockMode.EXCLUSIVE;
            default -> throw new IOException("unknown lock mode tag " + tag);
        };
    }

    /**
     * Writes a queued request; its lock name is implied by the table it belongs to.
     *
     * @param out the stream
     * @param wait the request
     * @throws IOException if writing fails
     */
    static void writeWait(DataOutputStream out, Wait wait) throws IOException {
        writeSession(out, wait.sessionId());
        out.writeLong(wait.callId());
        writeMode(out, wait.mode());
        out.writeBoolean(wait.upgrade());
        out.writeLong(wait.leaseMillis());
        out.writeLong(wait.enqueuedAt());
        out.writeLong(wait.deadline());
    }

    /**
     * Reads a queued request.
     *
     * @param in the stream
     * @param lockName the lock it waits for
     * @return the request
     * @throws IOException if reading fails
     */
    static Wait readWait(DataInputStream in, String lockName) throws IOException {
        return new Wait(readSession(in), in.readLong(), lockName, readMode(in), in.readBoolean(), in.readLong(),
                in.readLong(), in.readLong());
    }

    /**
     * Writes a hold; its lock name is implied by the table it belongs to.
     *
     * @param out the stream
     * @param hold the hold
     * @throws IOException if writing fails
     */
    static void writeHold(DataOutputStream out, Hold hold) throws IOException {
        writeSession(out, hold.sessionId);
        writeMode(out, hold.mode);
        out.writeLong(hold.token);
        out.writeInt(hold.holdCount);
        out.writeLong(hold.leaseMillis);
        out.writeLong(hold.leaseExpiresAt);
    }

    /**
     * Reads a hold.
     *
     * @param in the stream
     * @return the hold
     * @throws IOException if reading fails or the hold is inconsistent
     */
    static Hold readHold(DataInputStream in) throws IOException {
        Hold hold = new Hold(readSession(in), readMode(in), in.readLong(), in.readInt(), in.readLong(), in.readLong());
        if (hold.token <= 0 || hold.holdCount < 1) {
            throw new IOException("invalid hold in snapshot: token " + hold.token + ", count " + hold.holdCount);
        }
        return hold;
    }

    /**
     * Writes a grant.
     *
     * @param out the stream
     * @param grant the grant
     * @throws IOException if writing fails
     */
    static void writeGrant(DataOutputStream out, Grant grant) throws IOException {
        writeString(out, grant.lockName());
        writeHold(out, new Hold(grant.sessionId(), grant.mode(), grant.fencingToken(), grant.holdCount(),
                grant.leaseMillis(), grant.leaseExpiresAtMillis()));
    }

    /**
     * Reads a grant.
     *
     * @param in the stream
     * @return the grant
     * @throws IOException if reading fails
     */
    static Grant readGrant(DataInputStream in) throws IOException {
        String lockName = readString(in);
        return readHold(in).toGrant(lockName);
    }

    /**
     * Writes an outcome as a tag byte and its fields.
     *
     * @param out the stream
     * @param outcome the outcome
     * @throws IOException if writing fails
     */
    static void writeOutcome(DataOutputStream out, Outcome outcome) throws IOException {
        if (outcome instanceof Outcome.Granted g) {
            out.writeByte(1);
            writeGrant(out, g.grant());
        } else if (outcome instanceof Outcome.Queued q) {
            out.writeByte(2);
            out.writeInt(q.position());
        } else if (outcome instanceof Outcome.Released r) {
            out.writeByte(3);
            out.writeInt(r.remainingHoldCount());
        } else if (outcome instanceof Outcome.SessionLive s) {
            out.writeByte(4);
            writeSession(out, s.sessionId());
            out.writeLong(s.expiresAtMillis());
        } else if (outcome instanceof Outcome.Cancelled) {
            out.writeByte(5);
        } else if (outcome instanceof Outcome.Done) {
            out.writeByte(6);
        } else if (outcome instanceof Outcome.Rejected r) {
            out.writeByte(7);
            writeString(out, r.reason().name());
            writeString(out, r.message());
            List<WaitEdge> edges = r.cycle().map(WaitForCycle::edges).orElse(List.of());
            out.writeInt(edges.size());
            for (WaitEdge edge : edges) {
                writeSession(out, edge.waiter());
                writeString(out, edge.lockName());
                writeMode(out, edge.requestedMode());
                writeSession(out, edge.holder());
            }
        } else {
            throw new IllegalArgumentException("unknown outcome " + outcome);
        }
    }

    /**
     * Reads an outcome.
     *
     * @param in the stream
     * @return the outcome
     * @throws IOException if reading fails or the data is invalid
     */
    static Outcome readOutcome(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        try {
            switch (tag) {
                case 1:
                    return new Outcome.Granted(readGrant(in));
                case 2:
                    return new Outcome.Queued(in.readInt());
                case 3:
                    return new Outcome.Released(in.readInt());
                case 4:
                    return new Outcome.SessionLive(readSession(in), in.readLong());
                case 5:
                    return new Outcome.Cancelled();
                case 6:
                    return new Outcome.Done();
                case 7:
                    RejectReason reason = RejectReason.valueOf(readString(in));
                    String message = readString(in);
                    int count = readCount(in);
                    List<WaitEdge> edges = new ArrayList<>(Math.min(count, 1024));
                    for (int i = 0; i < count; i++) {
                        edges.add(new WaitEdge(readSession(in), readString(in), readMode(in), readSession(in)));
                    }
                    Optional<WaitForCycle> cycle = edges.isEmpty() ? Optional.empty()
                            : Optional.of(new WaitForCycle(edges));
                    return new Outcome.Rejected(reason, message, cycle);
                default:
                    throw new IOException("unknown outcome tag " + tag);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid outcome in snapshot: " + e.getMessage(), e);
        }
    }
}
