package io.dsync.lock.server.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;
import io.dsync.lock.core.ApplyResult;
import io.dsync.lock.core.Effect;
import io.dsync.lock.core.Grant;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;

/**
 * The wire and log format of the lock service: compact binary encodings of {@link LockCommand}s,
 * {@link Outcome}s, {@link ApplyResult}s, {@link LockStatus}es, log entries, {@link LockQuery
 * queries} and {@link PollReply poll replies}.
 * <p>
 * Every message starts with the format version byte ({@value #VERSION}) and a kind byte
 * ({@code 'C'} command, {@code 'O'} outcome, {@code 'R'} apply result, {@code 'S'} status,
 * {@code 'E'} log entry, {@code 'Q'} query, {@code 'P'} poll reply), followed by a variant tag byte
 * and the fields, {@link DataOutputStream} big-endian. Strings are an int byte length and UTF-8
 * bytes; enums are explicit one-byte codes fixed by this class (never ordinals), so that values can
 * be appended without renumbering. A log entry is {@code [version]['E'][leader time: long]}
 * followed verbatim by the client's command message, so the leader wraps the bytes it received
 * without re-encoding them.
 * <p>
 * Decoding validates structure (version, kind, tags, lengths, trailing bytes) and record
 * invariants, but not the ranges that the state machine checks (lease, timeout, lock name of a
 * command): a command with out-of-range values must reach {@link io.dsync.lock.core.LockStateMachine},
 * which answers it with a precise {@link RejectReason#INVALID} rejection.
 * <p>
 * Stateless and thread-safe.
 */
public final class LockCommandCodec {

    /** The format version written by this class, first byte of every message. */
    public static final byte VERSION = 1;

    /** Upper bound of a decoded string, in bytes, so that garbage cannot allocate unbounded memory. */
    private static final int MAX_STRING_BYTES = 1 << 20;

    /** Upper bound of a decoded list size. */
    private static final int MAX_LIST_SIZE = 1 << 20;

    private static final byte KIND_COMMAND = 'C';
    private static final byte KIND_OUTCOME = 'O';
    private static final byte KIND_RESULT = 'R';
    private static final byte KIND_STATUS = 'S';
    private static final byte KIND_ENTRY = 'E';
    private static final byte KIND_QUERY = 'Q';
    private static final byte KIND_POLL = 'P';

    /** Wire codes of the reject reasons: the index in this array. Append only. */
    private static final RejectReason[] REASONS = {RejectReason.INVALID, RejectReason.UNKNOWN_SESSION,
        RejectReason.SESSION_EXPIRED, RejectReason.NOT_HELD, RejectReason.LEASE_EXPIRED, RejectReason.DEADLOCK,
        RejectReason.TIMEOUT, RejectReason.NOT_GRANTABLE, RejectReason.NOT_WAITING};

    /** Wire codes of the end causes: the index in this array. Append only. */
    private static final Effect.EndCause[] END_CAUSES = {Effect.EndCause.LEASE_EXPIRED,
        Effect.EndCause.SESSION_EXPIRED, Effect.EndCause.SESSION_CLOSED};

    /** A decoded log entry: the leader's clock at proposal and the command. */
    public record LogEntry(long leaderTimeMillis, LockCommand command) {

        /**
         * Checks the command for {@code null}.
         *
         * @param leaderTimeMillis the leader's clock when it proposed the entry, epoch milliseconds
         * @param command the command
         * @throws NullPointerException if {@code command} is {@code null}
         */
        public LogEntry {
            Objects.requireNonNull(command, "command");
        }
    }

    private LockCommandCodec() {
    }

    // ---------------------------------------------------------------- commands

    /**
     * Encodes a command as sent by a client.
     *
     * @param command the command
     * @return the message bytes
     */
    public static byte[] encodeCommand(LockCommand command) {
        Objects.requireNonNull(command, "command");
        return write(KIND_COMMAND, out -> writeCommand(out, command));
    }

    /**
     * Decodes a command message of {@link #encodeCommand(LockCommand)}.
     *
     * @param bytes the message
     * @return the command
     * @throws IllegalArgumentException if the bytes are not a well-formed command of a known version
     */
    public static LockCommand decodeCommand(byte[] bytes) {
        return read(bytes, KIND_COMMAND, LockCommandCodec::readCommand);
    }

    /**
     * Returns the header that, followed by a command message, forms a log entry proposed at
     * {@code leaderTimeMillis}.
     *
     * @param leaderTimeMillis the leader's clock, epoch milliseconds
     * @return the 10 header bytes
     */
    public static byte[] entryHeader(long leaderTimeMillis) {
        return write(KIND_ENTRY, out -> out.writeLong(leaderTimeMillis));
    }

    /**
     * Encodes a whole log entry (header and command), as the leader would produce it.
     *
     * @param leaderTimeMillis the leader's clock, epoch milliseconds
     * @param command the command
     * @return the entry bytes
     */
    public static byte[] encodeEntry(long leaderTimeMillis, LockCommand command) {
        byte[] header = entryHeader(leaderTimeMillis);
        byte[] body = encodeCommand(command);
        byte[] entry = new byte[header.length + body.length];
        System.arraycopy(header, 0, entry, 0, header.length);
        System.arraycopy(body, 0, entry, header.length, body.length);
        return entry;
    }

    /**
     * Decodes a log entry from a stream holding exactly one entry.
     *
     * @param stream the entry bytes; read to its end, not closed
     * @return the entry
     * @throws IllegalArgumentException if the bytes are not a well-formed entry of a known version
     */
    public static LogEntry decodeEntry(InputStream stream) {
        return read(stream, KIND_ENTRY, in -> {
            long time = in.readLong();
            expectHeader(in, KIND_COMMAND);
            return new LogEntry(time, readCommand(in));
        });
    }

    // ---------------------------------------------------------------- outcomes and results

    /**
     * Encodes an outcome, the reply to a command.
     *
     * @param outcome the outcome
     * @return the message bytes
     */
    public static byte[] encodeOutcome(Outcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        return write(KIND_OUTCOME, out -> writeOutcome(out, outcome));
    }

    /**
     * Decodes an outcome message.
     *
     * @param bytes the message
     * @return the outcome
     * @throws IllegalArgumentException if the bytes are not a well-formed outcome of a known version
     */
    public static Outcome decodeOutcome(byte[] bytes) {
        return read(bytes, KIND_OUTCOME, LockCommandCodec::readOutcome);
    }

    /**
     * Encodes an apply result with its effects (for diagnostics and replica comparison).
     *
     * @param result the result
     * @return the message bytes
     */
    public static byte[] encodeResult(ApplyResult result) {
        Objects.requireNonNull(result, "result");
        return write(KIND_RESULT, out -> {
            writeOutcome(out, result.outcome());
            out.writeInt(result.effects().size());
            for (Effect effect : result.effects()) {
                writeEffect(out, effect);
            }
        });
    }

    /**
     * Decodes an apply result message.
     *
     * @param bytes the message
     * @return the result
     * @throws IllegalArgumentException if the bytes are not a well-formed result of a known version
     */
    public static ApplyResult decodeResult(byte[] bytes) {
        return read(bytes, KIND_RESULT, in -> {
            Outcome outcome = readOutcome(in);
            int n = readCount(in);
            List<Effect> effects = new ArrayList<>(Math.min(n, 64));
            for (int i = 0; i < n; i++) {
                effects.add(readEffect(in));
            }
            return new ApplyResult(outcome, effects);
        });
    }

    // ---------------------------------------------------------------- status

    /**
     * Encodes a lock status, the reply to a {@link LockQuery.Status}.
     *
     * @param status the status
     * @return the message bytes
     */
    public static byte[] encodeStatus(LockStatus status) {
        Objects.requireNonNull(status, "status");
        return write(KIND_STATUS, out -> {
            writeString(out, status.name());
            out.writeLong(status.lastFencingToken());
            out.writeInt(status.holders().size());
            for (LockHolder h : status.holders()) {
                writeString(out, h.sessionId().value());
                writeMode(out, h.mode());
                out.writeLong(h.fencingToken());
                out.writeInt(h.holdCount());
                out.writeLong(h.leaseExpiresAt().toEpochMilli());
            }
            out.writeInt(status.waiters().size());
            for (LockWaiter w : status.waiters()) {
                writeString(out, w.sessionId().value());
                writeMode(out, w.mode());
                out.writeBoolean(w.upgrade());
                out.writeLong(w.enqueuedAt().toEpochMilli());
                out.writeLong(w.waitDeadline().toEpochMilli());
            }
        });
    }

    /**
     * Decodes a lock status message.
     *
     * @param bytes the message
     * @return the status
     * @throws IllegalArgumentException if the bytes are not a well-formed status of a known version
     */
    public static LockStatus decodeStatus(byte[] bytes) {
        return read(bytes, KIND_STATUS, in -> {
            String name = readString(in);
            long last = in.readLong();
            int nh = readCount(in);
            List<LockHolder> holders = new ArrayList<>(Math.min(nh, 64));
            for (int i = 0; i < nh; i++) {
                holders.add(new LockHolder(readSession(in), readMode(in), in.readLong(), in.readInt(),
                        Instant.ofEpochMilli(in.readLong())));
            }
            int nw = readCount(in);
            List<LockWaiter> waiters = new ArrayList<>(Math.min(nw, 64));
            for (int i = 0; i < nw; i++) {
                waiters.add(new LockWaiter(readSession(in), readMode(in), in.readBoolean(),
                        Instant.ofEpochMilli(in.readLong()), Instant.ofEpochMilli(in.readLong())));
            }
            return new LockStatus(name, holders, waiters, last);
        });
    }

    // ---------------------------------------------------------------- queries and poll replies

    /**
     * Encodes a read-only query.
     *
     * @param query the query
     * @return the message bytes
     */
    public static byte[] encodeQuery(LockQuery query) {
        Objects.requireNonNull(query, "query");
        return write(KIND_QUERY, out -> {
            if (query instanceof LockQuery.Status q) {
                out.writeByte(1);
                writeString(out, q.lockName());
            } else if (query instanceof LockQuery.AwaitOutcome q) {
                out.writeByte(2);
                writeString(out, q.sessionId().value());
                out.writeLong(q.callId());
                out.writeLong(q.windowMillis());
            } else {
                throw new IllegalArgumentException("unknown query type " + query.getClass().getName());
            }
        });
    }

    /**
     * Decodes a query message.
     *
     * @param bytes the message
     * @return the query
     * @throws IllegalArgumentException if the bytes are not a well-formed query of a known version
     */
    public static LockQuery decodeQuery(byte[] bytes) {
        return read(bytes, KIND_QUERY, in -> {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1:
                    return new LockQuery.Status(readString(in));
                case 2:
                    return new LockQuery.AwaitOutcome(readSession(in), in.readLong(), in.readLong());
                default:
                    throw new IOException("unknown query tag " + tag);
            }
        });
    }

    /**
     * Encodes a poll reply.
     *
     * @param reply the reply
     * @return the message bytes
     */
    public static byte[] encodePollReply(PollReply reply) {
        Objects.requireNonNull(reply, "reply");
        return write(KIND_POLL, out -> {
            if (reply instanceof PollReply.Resolved r) {
                out.writeByte(1);
                writeOutcome(out, r.outcome());
            } else if (reply instanceof PollReply.StillWaiting) {
                out.writeByte(2);
            } else if (reply instanceof PollReply.Unknown) {
                out.writeByte(3);
            } else if (reply instanceof PollReply.NotLeader) {
                out.writeByte(4);
            } else {
                throw new IllegalArgumentException("unknown poll reply type " + reply.getClass().getName());
            }
        });
    }

    /**
     * Decodes a poll reply message.
     *
     * @param bytes the message
     * @return the reply
     * @throws IllegalArgumentException if the bytes are not a well-formed poll reply of a known version
     */
    public static PollReply decodePollReply(byte[] bytes) {
        return read(bytes, KIND_POLL, in -> {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1:
                    return new PollReply.Resolved(readOutcome(in));
                case 2:
                    return new PollReply.StillWaiting();
                case 3:
                    return new PollReply.Unknown();
                case 4:
                    return new PollReply.NotLeader();
                default:
                    throw new IOException("unknown poll reply tag " + tag);
            }
        });
    }

    // ---------------------------------------------------------------- stream-level pieces, package-private

    static void writeOutcome(DataOutputStream out, Outcome outcome) throws IOException {
        if (outcome instanceof Outcome.Granted o) {
            out.writeByte(1);
            writeGrant(out, o.grant());
        } else if (outcome instanceof Outcome.Queued o) {
            out.writeByte(2);
            out.writeInt(o.position());
        } else if (outcome instanceof Outcome.Released o) {
            out.writeByte(3);
            out.writeInt(o.remainingHoldCount());
        } else if (outcome instanceof Outcome.SessionLive o) {
            out.writeByte(4);
            writeString(out, o.sessionId().value());
            out.writeLong(o.expiresAtMillis());
        } else if (outcome instanceof Outcome.Cancelled) {
            out.writeByte(5);
        } else if (outcome instanceof Outcome.Done) {
            out.writeByte(6);
        } else if (outcome instanceof Outcome.Rejected o) {
            out.writeByte(7);
            out.writeByte(code(REASONS, o.reason()));
            writeString(out, o.message());
            out.writeBoolean(o.cycle().isPresent());
            if (o.cycle().isPresent()) {
                List<WaitEdge> edges = o.cycle().get().edges();
                out.writeInt(edges.size());
                for (WaitEdge e : edges) {
                    writeString(out, e.waiter().value());
                    writeString(out, e.lockName());
                    writeMode(out, e.requestedMode());
                    writeString(out, e.holder().value());
                }
            }
        } else {
            throw new IllegalArgumentException("unknown outcome type " + outcome.getClass().getName());
        }
    }

    static Outcome readOutcome(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
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
            case 7: {
                RejectReason reason = decode(REASONS, in.readUnsignedByte(), "reject reason");
                String message = readString(in);
                Optional<WaitForCycle> cycle = Optional.empty();
                if (in.readBoolean()) {
                    int n = readCount(in);
                    List<WaitEdge> edges = new ArrayList<>(Math.min(n, 64));
                    for (int i = 0; i < n; i++) {
                        edges.add(new WaitEdge(readSession(in), readString(in), readMode(in), readSession(in)));
                    }
                    cycle = Optional.of(new WaitForCycle(edges));
                }
                return new Outcome.Rejected(reason, message, cycle);
            }
            default:
                throw new IOException("unknown outcome tag " + tag);
        }
    }

    // ---------------------------------------------------------------- private helpers

    private static void writeCommand(DataOutputStream out, LockCommand command) throws IOException {
        if (command instanceof LockCommand.OpenSession c) {
            out.writeByte(1);
            writeString(out, c.sessionId().value());
            writeString(out, c.clientId());
            out.writeLong(c.ttlMillis());
        } else if (command instanceof LockCommand.KeepAlive c) {
            out.writeByte(2);
            writeString(out, c.sessionId().value());
        } else if (command instanceof LockCommand.CloseSession c) {
            out.writeByte(3);
            writeString(out, c.sessionId().value());
        } else if (command instanceof LockCommand.Acquire c) {
            out.writeByte(4);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            writeMode(out, c.mode());
            out.writeLong(c.leaseMillis());
            out.writeLong(c.waitTimeoutMillis());
            out.writeBoolean(c.tryOnly());
        } else if (command instanceof LockCommand.Release c) {
            out.writeByte(5);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
        } else if (command instanceof LockCommand.Renew c) {
            out.writeByte(6);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
            out.writeLong(c.leaseMillis());
        } else if (command instanceof LockCommand.Upgrade c) {
            out.writeByte(7);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
            out.writeLong(c.waitTimeoutMillis());
        } else if (command instanceof LockCommand.Downgrade c) {
            out.writeByte(8);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
        } else if (command instanceof LockCommand.CancelWait c) {
            out.writeByte(9);
            writeString(out, c.sessionId().value());
            out.writeLong(c.callId());
        } else if (command instanceof LockCommand.Tick) {
            out.writeByte(10);
        } else {
            throw new IllegalArgumentException("unknown command type " + command.getClass().getName());
        }
    }

    private static LockCommand readCommand(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 1:
                return new LockCommand.OpenSession(readSession(in), readString(in), in.readLong());
            case 2:
                return new LockCommand.KeepAlive(readSession(in));
            case 3:
                return new LockCommand.CloseSession(readSession(in));
            case 4:
                return new LockCommand.Acquire(readSession(in), in.readLong(), readString(in), readMode(in),
                        in.readLong(), in.readLong(), in.readBoolean());
            case 5:
                return new LockCommand.Release(readSession(in), in.readLong(), readString(in), in.readLong());
            case 6:
                return new LockCommand.Renew(readSession(in), in.readLong(), readString(in), in.readLong(),
                        in.readLong());
            case 7:
                return new LockCommand.Upgrade(readSession(in), in.readLong(), readString(in), in.readLong(),
                        in.readLong());
            case 8:
                return new LockCommand.Downgrade(readSession(in), in.readLong(), readString(in), in.readLong());
            case 9:
                return new LockCommand.CancelWait(readSession(in), in.readLong());
            case 10:
                return new LockCommand.Tick();
            default:
                throw new IOException("unknown command tag " + tag);
        }
    }

    private static void writeEffect(DataOutputStream out, Effect effect) throws IOException {
        if (effect instanceof Effect.WaitCompleted e) {
            out.writeByte(1);
            writeString(out, e.sessionId().value());
            out.writeLong(e.callId());
            writeOutcome(out, e.outcome());
        } else if (effect instanceof Effect.GrantEnded e) {
            out.writeByte(2);
            writeGrant(out, e.grant());
            out.writeByte(code(END_CAUSES, e.cause()));
        } else if (effect instanceof Effect.SessionEnded e) {
            out.writeByte(3);
            writeString(out, e.sessionId().value());
            out.writeByte(code(END_CAUSES, e.cause()));
        } else {
            throw new IllegalArgumentException("unknown effect type " + effect.getClass().getName());
        }
    }

    private static Effect readEffect(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 1:
                return new Effect.WaitCompleted(readSession(in), in.readLong(), readOutcome(in));
            case 2:
                return new Effect.GrantEnded(readGrant(in), decode(END_CAUSES, in.readUnsignedByte(), "end cause"));
            case 3:
                return new Effect.SessionEnded(readSession(in), decode(END_CAUSES, in.readUnsignedByte(),
                        "end cause"));
            default:
                throw new IOException("unknown effect tag " + tag);
        }
    }

    private static void writeGrant(DataOutputStream out, Grant g) throws IOException {
        writeString(out, g.lockName());
        writeString(out, g.sessionId().value());
        writeMode(out, g.mode());
        out.writeLong(g.fencingToken());
        out.writeInt(g.holdCount());
        out.writeLong(g.leaseMillis());
        out.writeLong(g.leaseExpiresAtMillis());
    }

    private static Grant readGrant(DataInputStream in) throws IOException {
        return new Grant(readString(in), readSession(in), readMode(in), in.readLong(), in.readInt(), in.readLong(),
                in.readLong());
    }

    private static void writeMode(DataOutputStream out, LockMode mode) throws IOException {
        out.writeByte(mode == LockMode.SHARED ? 0 : 1);
    }

    private static LockMode readMode(DataInputStream in) throws IOException {
        int code = in.readUnsignedByte();
        if (code > 1) {
            throw new IOException("unknown lock mode code " + code);
        }
        return code == 0 ? LockMode.SHARED : LockMode.EXCLUSIVE;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING_BYTES) {
            throw new IOException("string length " + n + " out of range 0.." + MAX_STRING_BYTES);
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static SessionId readSession(DataInputStream in) throws IOException {
        return new SessionId(readString(in));
    }

    private static int readCount(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LIST_SIZE) {
            throw new IOException("list size " + n + " out of range 0.." + MAX_LIST_SIZE);
        }
        return n;
    }

    private static <T> int code(T[] table, T value) {
        for (int i = 0; i < table.length; i++) {
            if (table[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException("no wire code for " + value);
    }

    private static <T> T decode(T[] table, int code, String what) throws IOException {
        if (code >= table.length) {
            throw new IOException("unknown " + what + " code " + code);
        }
        return table[code];
    }

    private static void expectHeader(DataInputStream in, byte kind) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unsupported format version " + version + " (this codec reads " + VERSION + ")");
        }
        int actual = in.readUnsignedByte();
        if (actual != kind) {
            throw new IOException("expected a message of kind '" + (char) kind + "', found kind code " + actual);
        }
    }

    /** A body writer that may fail with {@link IOException}. */
    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    /** A body reader that may fail with {@link IOException}. */
    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(byte kind, Writer body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(VERSION);
            out.writeByte(kind);
            body.write(out);
            out.flush();
        } catch (IOException e) {
            // A ByteArrayOutputStream never fails.
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, byte kind, Reader<T> body) {
        Objects.requireNonNull(bytes, "bytes");
        return read(new ByteArrayInputStream(bytes), kind, body);
    }

    private static <T> T read(InputStream stream, byte kind, Reader<T> body) {
        DataInputStream in = new DataInputStream(stream);
        String what = "'" + (char) kind + "' message";
        try {
            expectHeader(in, kind);
            T value = body.read(in);
            if (in.read() != -1) {
                throw new IOException("trailing bytes after the message");
            }
            return value;
        } catch (EOFException e) {
            throw new IllegalArgumentException("malformed " + what + ": truncated", e);
        } catch (IOException | RuntimeException e) {
            // RuntimeException: record invariants (e.g. an invalid session id) of garbage input.
            throw new IllegalArgumentException("malformed " + what + ": " + e.getMessage(), e);
        }
    }
}
