package io.dsync.lock.core;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

import io.dsync.lock.SessionId;

/**
 * The snapshot format of a {@link LockStateMachine}: the one place that writes and reads it, in every version a
 * replica may find on disk (the lock server stores exactly these bytes as its snapshot file). Values inside it (strings, counts, session ids, modes, holds, outcomes, cycles...) are
 * encoded by {@link LockValueCodec}, the format shared with the wire; this class fixes the layout.
 *
 * <h2>Layout (version {@value #VERSION})</h2>
 * {@link DataOutputStream} big-endian: magic {@code "DSLK"}, version; clock, last token; sessions (count, then id,
 * client id, TTL, expiry, lost grants as (lock, token), completed calls as (call id, outcome), settle mark); ended sessions (count,
 * then id and end cause); locks (count, then name, last token, holders in grant order as holds, optional pending
 * upgrade, queue in FIFO order, each request as session id, call id, mode, upgrade flag, lease, enqueued at,
 * deadline); free locks (count, then names in the order they became free); the forgotten locks' largest token; magic
 * again. Indexes and the per-session views of
 * holds and waits are derived and rebuilt on restore.
 *
 * <h2>Older versions read</h2>
 * <ul>
 *   <li>3: no settle marks (read as 0: no {@link LockCommand.Settle} seen).</li>
 *   <li>2: as 3, and no order of the free locks (read in name order) and no forgotten token.</li>
 *   <li>A lock server snapshot file of dsync 0.1 (magic {@code "DSRS"}, version 1): a version 2 or 3 state
 *       machine snapshot wrapped with the server's own copy of the waiting calls and of recent call outcomes. Both
 *       copies are derivable from the state machine, which now answers them itself
 *       ({@link LockStateMachine#completedCall}, {@link LockStateMachine#isWaiting}), so they are skipped.</li>
 * </ul>
 * Stateless.
 */
final class SnapshotCodec {

    /** First and last int of a snapshot: "DSLK". */
    static final int MAGIC = 0x44534C4B;

    /** The layout written. */
    static final int VERSION = 4;

    /** First and last int of the lock server's snapshot file of dsync 0.1: "DSRS". */
    private static final int SERVER_FILE_MAGIC = 0x44535253;

    private SnapshotCodec() {
    }

    /**
     * Writes the whole state of a machine.
     *
     * @param m the machine
     * @param out the output, flushed at the end and not closed
     * @throws IOException if writing fails
     */
    static void write(LockStateMachine m, DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(m.clock);
        out.writeLong(m.lastToken);
        LockValueCodec.writeCount(out, m.sessions.size());
        for (Session s : m.sessions.values()) {
            LockValueCodec.writeSessionId(out, s.id);
            LockValueCodec.writeString(out, s.clientId);
            out.writeLong(s.ttlMillis);
            out.writeLong(s.expiresAt);
            LockValueCodec.writeCount(out, s.lostGrants.size());
            for (Map.Entry<String, Long> lost : s.lostGrants.entrySet()) {
                LockValueCodec.writeString(out, lost.getKey());
                out.writeLong(lost.getValue());
            }
            LockValueCodec.writeCount(out, s.completed.size());
            for (Map.Entry<Long, Outcome> done : s.completed.entrySet()) {
                out.writeLong(done.getKey());
                LockValueCodec.writeOutcome(out, done.getValue());
            }
            out.writeLong(s.settledBelow);
        }
        LockValueCodec.writeCount(out, m.endedSessions.size());
        for (Map.Entry<String, Effect.EndCause> ended : m.endedSessions.entrySet()) {
            LockValueCodec.writeString(out, ended.getKey());
            LockValueCodec.writeEndCause(out, ended.getValue());
        }
        LockValueCodec.writeCount(out, m.locks.size());
        for (LockTable table : m.locks.values()) {
            LockValueCodec.writeString(out, table.name());
            out.writeLong(table.lastToken());
            LockValueCodec.writeCount(out, table.holders().size());
            for (Hold hold : table.holders()) {
                LockValueCodec.writeHold(out, hold);
            }
            out.writeBoolean(table.upgrade() != null);
            if (table.upgrade() != null) {
                writeWait(out, table.upgrade());
            }
            LockValueCodec.writeCount(out, table.queue().size());
            for (Wait wait : table.queue()) {
                writeWait(out, wait);
            }
        }
        LockValueCodec.writeCount(out, m.freeLocks.size());
        for (String name : m.freeLocks) {
            LockValueCodec.writeString(out, name);
        }
        out.writeLong(m.forgottenToken);
        out.writeInt(MAGIC);
        out.flush();
    }

    /**
     * Reads a snapshot of any supported version into an empty machine.
     *
     * @param in the input
     * @param m a new machine with the limits of the replica; filled in, its indexes not yet rebuilt
     * @throws IOException if reading fails, or the snapshot is malformed, of an unknown version or inconsistent
     */
    static void read(DataInputStream in, LockStateMachine m) throws IOException {
        int magic = in.readInt();
        if (magic == SERVER_FILE_MAGIC) {
            readServerFile(in, m);
            return;
        }
        if (magic != MAGIC) {
            throw new IOException("not a lock state snapshot (bad magic)");
        }
        int version = in.readInt();
        if (version < 2 || version > VERSION) {
            throw new IOException("unsupported lock state snapshot version " + version);
        }
        m.clock = in.readLong();
        m.lastToken = in.readLong();
        for (int i = LockValueCodec.readCount(in); i > 0; i--) {
            SessionId id = LockValueCodec.readSessionId(in);
            Session s = new Session(id, LockValueCodec.readString(in), in.readLong(), in.readLong());
            for (int j = LockValueCodec.readCount(in); j > 0; j--) {
                s.lostGrants.put(LockValueCodec.readString(in), in.readLong());
            }
            for (int j = LockValueCodec.readCount(in); j > 0; j--) {
                s.completed.put(in.readLong(), LockValueCodec.readOutcome(in));
            }
            if (version >= 4) {
                s.settledBelow = in.readLong();
            }
            if (m.sessions.put(id.value(), s) != null) {
                throw new IOException("session " + id + " appears twice");
            }
        }
        for (int i = LockValueCodec.readCount(in); i > 0; i--) {
            String id = LockValueCodec.readString(in);
            m.endedSessions.put(id, readSessionEndCause(in, id));
        }
        for (int i = LockValueCodec.readCount(in); i > 0; i--) {
            String name = LockValueCodec.readString(in);
            LockTable table = new LockTable(name, in.readLong());
            for (int j = LockValueCodec.readCount(in); j > 0; j--) {
                m.restoreHold(table, LockValueCodec.readHold(in));
            }
            if (in.readBoolean()) {
                m.restoreWait(table, readWait(in, name), true);
            }
            for (int j = LockValueCodec.readCount(in); j > 0; j--) {
                m.restoreWait(table, readWait(in, name), false);
            }
            if (m.locks.put(name, table) != null) {
                throw new IOException("lock '" + name + "' appears twice");
            }
        }
        if (version == 2) {
            m.locks.values().stream().filter(LockTable::isIdle).forEach(t -> m.freeLocks.add(t.name()));
        } else {
            for (int i = LockValueCodec.readCount(in); i > 0; i--) {
                String name = LockValueCodec.readString(in);
                LockTable table = m.locks.get(name);
                if (table == null || !table.isIdle() || !m.freeLocks.add(name)) {
                    throw new IOException("lock '" + name + "' is listed as free but is unknown, in use or listed twice");
                }
            }
            m.forgottenToken = in.readLong();
        }
        if (m.locks.values().stream().filter(LockTable::isIdle).count() != m.freeLocks.size()) {
            throw new IOException("a free lock is missing from the list of free locks");
        }
        if (in.readInt() != MAGIC) {
            throw new IOException("truncated or corrupt lock state snapshot (bad end marker)");
        }
    }

    /**
     * Reads the lock server's snapshot file of dsync 0.1 after its magic: version 1, the length-prefixed state machine
     * snapshot, then the server's waiting calls (count, then session id and call id, {@link DataOutput#writeUTF}) and
     * recent outcomes (count, then session id, call id and outcome), which are skipped, and the magic again.
     */
    private static void readServerFile(DataInputStream in, LockStateMachine m) throws IOException {
        int version = in.readInt();
        if (version != 1) {
            throw new IOException("unsupported lock server snapshot version " + version);
        }
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative state machine snapshot length " + length);
        }
        byte[] core = in.readNBytes(length);
        if (core.length != length) {
            throw new IOException("truncated state machine snapshot");
        }
        read(new DataInputStream(new java.io.ByteArrayInputStream(core)), m);
        for (int n = in.readInt(); n > 0; n--) {
            in.readUTF();
            in.readLong();
        }
        for (int n = in.readInt(); n > 0; n--) {
            in.readUTF();
            in.readLong();
            LockValueCodec.readOutcome(in);
        }
        if (in.readInt() != SERVER_FILE_MAGIC) {
            throw new IOException("truncated or corrupt lock server snapshot (bad end marker)");
        }
    }

    /** Writes a queued request; its lock name is implied by the table it belongs to. */
    private static void writeWait(DataOutput out, Wait wait) throws IOException {
        LockValueCodec.writeSessionId(out, wait.sessionId());
        out.writeLong(wait.callId());
        LockValueCodec.writeMode(out, wait.mode());
        out.writeBoolean(wait.upgrade());
        out.writeLong(wait.leaseMillis());
        out.writeLong(wait.enqueuedAt());
        out.writeLong(wait.deadline());
    }

    private static Wait readWait(DataInput in, String lockName) throws IOException {
        return new Wait(LockValueCodec.readSessionId(in), in.readLong(), lockName, LockValueCodec.readMode(in),
                in.readBoolean(), in.readLong(), in.readLong(), in.readLong());
    }

    /** Reads the end cause of an ended session: a session ends by expiry or by closing, never by a lease's expiry. */
    private static Effect.EndCause readSessionEndCause(DataInput in, String sessionId) throws IOException {
        Effect.EndCause cause = LockValueCodec.readEndCause(in);
        if (cause == Effect.EndCause.LEASE_EXPIRED) {
            throw new IOException("session " + sessionId + " cannot have ended by " + cause);
        }
        return cause;
    }
}
