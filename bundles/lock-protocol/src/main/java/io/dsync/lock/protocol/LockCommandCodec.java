package io.dsync.lock.protocol;

import static io.dsync.lock.core.LockValueCodec.readCount;
import static io.dsync.lock.core.LockValueCodec.readCycle;
import static io.dsync.lock.core.LockValueCodec.readEndCause;
import static io.dsync.lock.core.LockValueCodec.readGrant;
import static io.dsync.lock.core.LockValueCodec.readMode;
import static io.dsync.lock.core.LockValueCodec.readOutcome;
import static io.dsync.lock.core.LockValueCodec.readSessionId;
import static io.dsync.lock.core.LockValueCodec.readString;
import static io.dsync.lock.core.LockValueCodec.readWaitEdge;
import static io.dsync.lock.core.LockValueCodec.writeCount;
import static io.dsync.lock.core.LockValueCodec.writeCycle;
import static io.dsync.lock.core.LockValueCodec.writeEndCause;
import static io.dsync.lock.core.LockValueCodec.writeGrant;
import static io.dsync.lock.core.LockValueCodec.writeMode;
import static io.dsync.lock.core.LockValueCodec.writeOutcome;
import static io.dsync.lock.core.LockValueCodec.writeSessionId;
import static io.dsync.lock.core.LockValueCodec.writeString;
import static io.dsync.lock.core.LockValueCodec.writeWaitEdge;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.core.ApplyResult;
import io.dsync.lock.core.Effect;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.LockValueCodec;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;

/**
 * The wire and log format of the lock service: compact binary encodings of {@link LockCommand}s,
 * {@link Outcome}s, {@link ApplyResult}s, {@link LockStatus}es, log entries, {@link LockQuery
 * queries} and {@link PollReply poll replies}.
 * <p>
 * Every message starts with the format version byte ({@value #VERSION}) and a kind byte
 * ({@code 'C'} command, {@code 'B'} batch of commands, {@code 'O'} outcome, {@code 'L'} list of outcomes, {@code 'R'} apply result, {@code 'S'} status,
 * {@code 'E'} log entry, {@code 'Q'} query, {@code 'P'} poll reply, {@code 'A'} poll answer, {@code 'T'} lock table), followed by a variant tag byte
 * and the fields, {@link DataOutputStream} big-endian. The lock values inside messages (strings,
 * counts, session ids, modes, grants, outcomes, reject reasons, end causes) are encoded by
 * {@link LockValueCodec}, the format shared with the state machine's snapshots: strings are an int
 * byte length and UTF-8 bytes, enums explicit one-byte codes (never ordinals). This class adds the
 * framing and the encodings of commands, effects, statuses, queries and poll replies, whose tags it
 * fixes. A change to {@link LockValueCodec} is a change of this format and needs a new
 * {@link #VERSION}. A log entry is {@code [version]['E'][leader time: long]}
 * followed verbatim by the client's command or batch message, so the leader wraps the bytes it received
 * without re-encoding them.
 * <p>
 * A batch ({@link #encodeCommands(List)}) carries up to {@value #MAX_BATCH} commands that a client
 * collected while its previous request was in flight: {@code [count: int]} and the command bodies.
 * One log entry then commits all of them, applied in order, and the reply lists their outcomes in the
 * same order ({@link #encodeOutcomes(List)}). A batch of one is encoded as a plain command, and its
 * reply as a plain outcome.
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

    /** Upper bound of the size of a list of a message (effects, holders, waiters). */
    private static final int MAX_LIST_SIZE = 1 << 20;

    /** The most commands one batch message, and so one log entry, may carry. */
    public static final int MAX_BATCH = 256;

    private static final byte KIND_COMMAND = 'C';
    private static final byte KIND_BATCH = 'B';
    private static final byte KIND_OUTCOMES = 'L';
    private static final byte KIND_OUTCOME = 'O';
    private static final byte KIND_RESULT = 'R';
    private static final byte KIND_STATUS = 'S';
    private static final byte KIND_ENTRY = 'E';
    private static final byte KIND_QUERY = 'Q';
    private static final byte KIND_POLL = 'P';
    private static final byte KIND_ANSWER = 'A';
    private static final byte KIND_TABLE = 'T';

    /** A decoded log entry: the leader's clock at proposal and the commands, in the order they apply. */
    public record LogEntry(long leaderTimeMillis, List<LockCommand> commands) {

        /**
         * Copies the commands.
         *
         * @param leaderTimeMillis the leader's clock when it proposed the entry, epoch milliseconds
         * @param commands the commands, at least one
         * @throws NullPointerException if {@code commands} is or holds {@code null}
         * @throws IllegalArgumentException if {@code commands} is empty
         */
        public LogEntry {
            commands = List.copyOf(commands);
            if (commands.isEmpty()) {
                throw new IllegalArgumentException("a log entry holds at least one command");
            }
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
     * Encodes commands sent together: a plain command message for one, a batch for several.
     *
     * @param commands one to {@value #MAX_BATCH} commands
     * @return the message bytes
     * @throws IllegalArgumentException if there are no or too many commands
     */
    public static byte[] encodeCommands(List<LockCommand> commands) {
        return writeOneOrList(commands, KIND_COMMAND, KIND_BATCH, LockCommandCodec::writeCommand, "commands");
    }

    /**
     * Decodes a command message or a batch.
     *
     * @param bytes the message
     * @return the commands, in order
     * @throws IllegalArgumentException if the bytes are not a well-formed command or batch of a known version
     */
    public static List<LockCommand> decodeCommands(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return read(new ByteArrayInputStream(bytes), "command or batch", LockCommandCodec::readCommands);
    }

    /** Reads the header and body of a command ('C') or batch ('B') message. */
    private static List<LockCommand> readCommands(DataInputStream in) throws IOException {
        return readOneOrList(in, KIND_COMMAND, KIND_BATCH, LockCommandCodec::readCommand);
    }

    /**
     * Returns the header that, followed by a command or batch message, forms a log entry proposed at
     * {@code leaderTimeMillis}.
     *
     * @param leaderTimeMillis the leader's clock, epoch milliseconds
     * @return the 10 header bytes
     */
    public static byte[] entryHeader(long leaderTimeMillis) {
        return write(KIND_ENTRY, out -> out.writeLong(leaderTimeMillis));
    }

    /**
     * Encodes a whole log entry (header and commands), as the leader would produce it.
     *
     * @param leaderTimeMillis the leader's clock, epoch milliseconds
     * @param commands the commands, as for {@link #encodeCommands(List)}
     * @return the entry bytes
     */
    public static byte[] encodeEntry(long leaderTimeMillis, List<LockCommand> commands) {
        byte[] header = entryHeader(leaderTimeMillis);
        byte[] body = encodeCommands(commands);
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
        return read(stream, KIND_ENTRY, in -> new LogEntry(in.readLong(), readCommands(in)));
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
        return read(bytes, KIND_OUTCOME, LockValueCodec::readOutcome);
    }

    /**
     * Encodes the outcomes of the commands of one message, in their order: a plain outcome message for one, a list
     * for several.
     *
     * @param outcomes one to {@value #MAX_BATCH} outcomes
     * @return the message bytes
     * @throws IllegalArgumentException if there are no or too many outcomes
     */
    public static byte[] encodeOutcomes(List<Outcome> outcomes) {
        return writeOneOrList(outcomes, KIND_OUTCOME, KIND_OUTCOMES, LockValueCodec::writeOutcome, "outcomes");
    }

    /**
     * Decodes a message of {@link #encodeOutcomes(List)}.
     *
     * @param bytes the message
     * @return the outcomes, in order
     * @throws IllegalArgumentException if the bytes are not a well-formed outcome or list of a known version
     */
    public static List<Outcome> decodeOutcomes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return read(new ByteArrayInputStream(bytes), "outcome or list",
                in -> readOneOrList(in, KIND_OUTCOME, KIND_OUTCOMES, LockValueCodec::readOutcome));
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
            writeCount(out, result.effects().size());
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
            int n = readCount(in, MAX_LIST_SIZE);
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
        return write(KIND_STATUS, out -> writeStatus(out, status));
    }

    private static void writeStatus(DataOutputStream out, LockStatus status) throws IOException {
        writeString(out, status.name());
        out.writeLong(status.lastFencingToken());
        writeCount(out, status.holders().size());
        for (LockHolder h : status.holders()) {
            writeSessionId(out, h.sessionId());
            writeMode(out, h.mode());
            out.writeLong(h.fencingToken());
            out.writeInt(h.holdCount());
            out.writeLong(h.leaseExpiresAt().toEpochMilli());
        }
        writeCount(out, status.waiters().size());
        for (LockWaiter w : status.waiters()) {
            writeSessionId(out, w.sessionId());
            writeMode(out, w.mode());
            out.writeBoolean(w.upgrade());
            out.writeLong(w.enqueuedAt().toEpochMilli());
            out.writeLong(w.waitDeadline().toEpochMilli());
        }
    }

    /**
     * Decodes a lock status message.
     *
     * @param bytes the message
     * @return the status
     * @throws IllegalArgumentException if the bytes are not a well-formed status of a known version
     */
    public static LockStatus decodeStatus(byte[] bytes) {
        return read(bytes, KIND_STATUS, LockCommandCodec::readStatus);
    }

    private static LockStatus readStatus(DataInputStream in) throws IOException {
        String name = readString(in);
        long last = in.readLong();
        int nh = readCount(in, MAX_LIST_SIZE);
        List<LockHolder> holders = new ArrayList<>(Math.min(nh, 64));
        for (int i = 0; i < nh; i++) {
            holders.add(new LockHolder(readSessionId(in), readMode(in), in.readLong(), in.readInt(),
                    Instant.ofEpochMilli(in.readLong())));
        }
        int nw = readCount(in, MAX_LIST_SIZE);
        List<LockWaiter> waiters = new ArrayList<>(Math.min(nw, 64));
        for (int i = 0; i < nw; i++) {
            waiters.add(new LockWaiter(readSessionId(in), readMode(in), in.readBoolean(),
                    Instant.ofEpochMilli(in.readLong()), Instant.ofEpochMilli(in.readLong())));
        }
        return new LockStatus(name, holders, waiters, last);
    }

    /**
     * Encodes a view of the lock table, the reply to a {@link LockQuery.Table}.
     *
     * @param view the view
     * @return the message bytes
     */
    public static byte[] encodeTable(LockTableView view) {
        Objects.requireNonNull(view, "view");
        return write(KIND_TABLE, out -> {
            out.writeLong(view.appliedIndex());
            out.writeLong(view.logTime().toEpochMilli());
            out.writeInt(view.sessions());
            out.writeInt(view.lockCount());
            writeCount(out, view.locks().size());
            for (LockStatus status : view.locks()) {
                writeStatus(out, status);
            }
            writeCount(out, view.waitFor().size());
            for (WaitEdge edge : view.waitFor()) {
                writeWaitEdge(out, edge);
            }
            writeCount(out, view.deadlocks().size());
            for (LockTableView.Deadlock d : view.deadlocks()) {
                out.writeLong(d.index());
                out.writeLong(d.at().toEpochMilli());
                writeString(out, d.lockName());
                writeSessionId(out, d.victim());
                writeCycle(out, d.cycle());
            }
        });
    }

    /**
     * Decodes a lock table message.
     *
     * @param bytes the message
     * @return the view
     * @throws IllegalArgumentException if the bytes are not a well-formed table of a known version
     */
    public static LockTableView decodeTable(byte[] bytes) {
        return read(bytes, KIND_TABLE, in -> {
            long index = in.readLong();
            Instant time = Instant.ofEpochMilli(in.readLong());
            int sessions = in.readInt();
            int lockCount = in.readInt();
            int n = readCount(in, MAX_LIST_SIZE);
            List<LockStatus> locks = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                locks.add(readStatus(in));
            }
            n = readCount(in, MAX_LIST_SIZE);
            List<WaitEdge> edges = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                edges.add(readWaitEdge(in));
            }
            n = readCount(in, MAX_LIST_SIZE);
            List<LockTableView.Deadlock> deadlocks = new ArrayList<>(Math.min(n, 64));
            for (int i = 0; i < n; i++) {
                deadlocks.add(new LockTableView.Deadlock(in.readLong(), Instant.ofEpochMilli(in.readLong()),
                        readString(in), readSessionId(in), readCycle(in)));
            }
            return new LockTableView(index, time, sessions, lockCount, locks, edges, deadlocks);
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
            } else if (query instanceof LockQuery.AwaitOutcomes q) {
                out.writeByte(4);
                writeString(out, q.pollerId());
                out.writeLong(q.sequence());
                writeCount(out, q.calls().size());
                for (LockQuery.CallRef c : q.calls()) {
                    writeSessionId(out, c.sessionId());
                    out.writeLong(c.callId());
                }
                out.writeLong(q.windowMillis());
            } else if (query instanceof LockQuery.Table q) {
                out.writeByte(3);
                out.writeInt(q.maxLocks());
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
                case 3:
                    return new LockQuery.Table(in.readInt());
                case 4: {
                    String poller = readString(in);
                    long sequence = in.readLong();
                    int n = readCount(in, LockQuery.AwaitOutcomes.MAX_CALLS);
                    List<LockQuery.CallRef> calls = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        calls.add(new LockQuery.CallRef(readSessionId(in), in.readLong()));
                    }
                    return new LockQuery.AwaitOutcomes(poller, sequence, calls, in.readLong());
                }
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
        return write(KIND_POLL, out -> writePollReply(out, reply));
    }

    private static void writePollReply(DataOutputStream out, PollReply reply) throws IOException {
        if (reply instanceof PollReply.Resolved r) {
            out.writeByte(1);
            writeOutcome(out, r.outcome());
        } else if (reply instanceof PollReply.StillWaiting) {
            out.writeByte(2);
        } else if (reply instanceof PollReply.Unknown) {
            out.writeByte(3);
        } else {
            throw new IllegalArgumentException("unknown poll reply type " + reply.getClass().getName());
        }
    }

    /**
     * Decodes a poll reply message.
     *
     * @param bytes the message
     * @return the reply
     * @throws IllegalArgumentException if the bytes are not a well-formed poll reply of a known version
     */
    public static PollReply decodePollReply(byte[] bytes) {
        return read(bytes, KIND_POLL, LockCommandCodec::readPollReply);
    }

    private static PollReply readPollReply(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 1:
                return new PollReply.Resolved(readOutcome(in));
            case 2:
                return new PollReply.StillWaiting();
            case 3:
                return new PollReply.Unknown();
            default:
                throw new IOException("unknown poll reply tag " + tag);
        }
    }

    /**
     * Encodes the answer to a {@link LockQuery.AwaitOutcomes} poll.
     *
     * @param answer the answer
     * @return the message bytes
     */
    public static byte[] encodePollAnswer(PollAnswer answer) {
        Objects.requireNonNull(answer, "answer");
        return write(KIND_ANSWER, out -> {
            out.writeBoolean(answer.notLeader());
            writeCount(out, answer.replies().size());
            for (PollAnswer.CallReply r : answer.replies()) {
                writeSessionId(out, r.call().sessionId());
                out.writeLong(r.call().callId());
                writePollReply(out, r.reply());
            }
        });
    }

    /**
     * Decodes a poll answer message.
     *
     * @param bytes the message
     * @return the answer
     * @throws IllegalArgumentException if the bytes are not a well-formed poll answer of a known version
     */
    public static PollAnswer decodePollAnswer(byte[] bytes) {
        return read(bytes, KIND_ANSWER, in -> {
            boolean notLeader = in.readBoolean();
            int n = readCount(in, LockQuery.AwaitOutcomes.MAX_CALLS);
            List<PollAnswer.CallReply> replies = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                replies.add(new PollAnswer.CallReply(new LockQuery.CallRef(readSessionId(in), in.readLong()),
                        readPollReply(in)));
            }
            return new PollAnswer(notLeader, replies);
        });
    }

    // ---------------------------------------------------------------- private helpers

    private static void writeCommand(DataOutputStream out, LockCommand command) throws IOException {
        if (command instanceof LockCommand.OpenSession c) {
            out.writeByte(1);
            writeSessionId(out, c.sessionId());
            writeString(out, c.clientId());
            out.writeLong(c.ttlMillis());
        } else if (command instanceof LockCommand.KeepAlive c) {
            out.writeByte(2);
            writeSessionId(out, c.sessionId());
        } else if (command instanceof LockCommand.CloseSession c) {
            out.writeByte(3);
            writeSessionId(out, c.sessionId());
        } else if (command instanceof LockCommand.Acquire c) {
            out.writeByte(4);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            writeMode(out, c.mode());
            out.writeLong(c.leaseMillis());
            out.writeLong(c.waitTimeoutMillis());
            out.writeBoolean(c.tryOnly());
        } else if (command instanceof LockCommand.Release c) {
            out.writeByte(5);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
        } else if (command instanceof LockCommand.Renew c) {
            out.writeByte(6);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
            out.writeLong(c.leaseMillis());
        } else if (command instanceof LockCommand.Upgrade c) {
            out.writeByte(7);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
            out.writeLong(c.waitTimeoutMillis());
        } else if (command instanceof LockCommand.Downgrade c) {
            out.writeByte(8);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
            writeString(out, c.lockName());
            out.writeLong(c.fencingToken());
        } else if (command instanceof LockCommand.CancelWait c) {
            out.writeByte(9);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.callId());
        } else if (command instanceof LockCommand.Tick) {
            out.writeByte(10);
        } else if (command instanceof LockCommand.Settle c) {
            out.writeByte(12);
            writeSessionId(out, c.sessionId());
            out.writeLong(c.belowCallId());
        } else if (command instanceof LockCommand.BreakDeadlock c) {
            // Tag 11: the form without a call id, which lock servers of earlier versions read.
            out.writeByte(c.callId() == 0 ? 11 : 13);
            writeSessionId(out, c.victim());
            writeString(out, c.lockName());
            writeCycle(out, c.cycle());
            if (c.callId() != 0) {
                out.writeLong(c.callId());
            }
        } else {
            throw new IllegalArgumentException("unknown command type " + command.getClass().getName());
        }
    }

    private static LockCommand readCommand(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 1:
                return new LockCommand.OpenSession(readSessionId(in), readString(in), in.readLong());
            case 2:
                return new LockCommand.KeepAlive(readSessionId(in));
            case 3:
                return new LockCommand.CloseSession(readSessionId(in));
            case 4:
                return new LockCommand.Acquire(readSessionId(in), in.readLong(), readString(in), readMode(in),
                        in.readLong(), in.readLong(), in.readBoolean());
            case 5:
                return new LockCommand.Release(readSessionId(in), in.readLong(), readString(in), in.readLong());
            case 6:
                return new LockCommand.Renew(readSessionId(in), in.readLong(), readString(in), in.readLong(),
                        in.readLong());
            case 7:
                return new LockCommand.Upgrade(readSessionId(in), in.readLong(), readString(in), in.readLong(),
                        in.readLong());
            case 8:
                return new LockCommand.Downgrade(readSessionId(in), in.readLong(), readString(in), in.readLong());
            case 9:
                return new LockCommand.CancelWait(readSessionId(in), in.readLong());
            case 10:
                return new LockCommand.Tick();
            case 11:
                return new LockCommand.BreakDeadlock(readSessionId(in), readString(in), readCycle(in));
            case 12:
                return new LockCommand.Settle(readSessionId(in), in.readLong());
            case 13:
                return new LockCommand.BreakDeadlock(readSessionId(in), readString(in), readCycle(in), in.readLong());
            default:
                throw new IOException("unknown command tag " + tag);
        }
    }

    private static void writeEffect(DataOutputStream out, Effect effect) throws IOException {
        if (effect instanceof Effect.WaitCompleted e) {
            out.writeByte(1);
            writeSessionId(out, e.sessionId());
            out.writeLong(e.callId());
            writeOutcome(out, e.outcome());
        } else if (effect instanceof Effect.GrantEnded e) {
            out.writeByte(2);
            writeGrant(out, e.grant());
            writeEndCause(out, e.cause());
        } else if (effect instanceof Effect.SessionEnded e) {
            out.writeByte(3);
            writeSessionId(out, e.sessionId());
            writeEndCause(out, e.cause());
        } else {
            throw new IllegalArgumentException("unknown effect type " + effect.getClass().getName());
        }
    }

    private static Effect readEffect(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        switch (tag) {
            case 1:
                return new Effect.WaitCompleted(readSessionId(in), in.readLong(), readOutcome(in));
            case 2:
                return new Effect.GrantEnded(readGrant(in), readEndCause(in));
            case 3:
                return new Effect.SessionEnded(readSessionId(in), readEndCause(in));
            default:
                throw new IOException("unknown effect tag " + tag);
        }
    }

    private static void expectHeader(DataInputStream in, byte kind) throws IOException {
        byte actual = readHeader(in);
        if (actual != kind) {
            throw new IOException("expected a message of kind '" + (char) kind + "', found kind code " + actual);
        }
    }

    /** Reads the version, which must be {@link #VERSION}, and returns the kind byte. */
    private static byte readHeader(DataInputStream in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new IOException("unsupported format version " + version + " (this codec reads " + VERSION + ")");
        }
        return in.readByte();
    }

    /** Writes one value; may fail with {@link IOException}. */
    private interface ValueWriter<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    /**
     * Writes one value as a plain message of kind {@code single}, several as a message of kind {@code list}: a count
     * and the values.
     */
    private static <T> byte[] writeOneOrList(List<T> values, byte single, byte list, ValueWriter<T> value, String what) {
        if (values.isEmpty() || values.size() > MAX_BATCH) {
            throw new IllegalArgumentException("a message holds 1 to " + MAX_BATCH + " " + what + ", not " + values.size());
        }
        if (values.size() == 1) {
            return write(single, out -> value.write(out, Objects.requireNonNull(values.get(0), what)));
        }
        return write(list, out -> {
            writeCount(out, values.size());
            for (T v : values) {
                value.write(out, Objects.requireNonNull(v, what));
            }
        });
    }

    /** Reads a message of {@link #writeOneOrList}, header included. */
    private static <T> List<T> readOneOrList(DataInputStream in, byte single, byte list, Reader<T> value)
            throws IOException {
        byte kind = readHeader(in);
        if (kind == single) {
            return List.of(value.read(in));
        }
        if (kind != list) {
            throw new IOException("expected a message of kind '" + (char) single + "' or '" + (char) list
                    + "', found kind code " + kind);
        }
        int n = readCount(in, MAX_BATCH);
        if (n < 2) {
            throw new IOException("a list message holds 2 to " + MAX_BATCH + " values, not " + n);
        }
        List<T> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(value.read(in));
        }
        return values;
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
        return read(stream, "'" + (char) kind + "' message", in -> {
            expectHeader(in, kind);
            return body.read(in);
        });
    }

    /** Reads a whole message (header included) with {@code message}, which must consume every byte. */
    private static <T> T read(InputStream stream, String what, Reader<T> message) {
        DataInputStream in = new DataInputStream(stream);
        try {
            T value = message.read(in);
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
