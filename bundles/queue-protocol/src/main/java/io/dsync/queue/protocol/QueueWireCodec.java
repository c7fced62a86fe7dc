package io.dsync.queue.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;

/**
 * The binary form of the owner calls ({@link QueueWire#TOPIC_BATCH_BINARY}, {@link QueueWire#TOPIC_POLL_BINARY}): the
 * same records as the JSON topics, without JSON's field names and base64 (a node spent about a fifth of its samples
 * in Jackson on one-message calls). Payloads travel as they are.
 * <p>
 * A message is the format version ({@value #VERSION}), a kind byte ({@code 'B'} batch request, {@code 'b'} batch
 * reply, {@code 'P'} poll request, {@code 'p'} poll reply) and the record's fields in declaration order, big-endian:
 * int, long; a string is an int byte count and UTF-8, -1 for null; bytes the same; a map and a list are an int count
 * (-1 for null) and their items; an op a tag ({@code 'S'} send, {@code 'T'} settlement); an action an explicit code
 * (never an ordinal). A decoder refuses another version, kind, a truncated message and trailing bytes with
 * {@link IllegalArgumentException}: a new field needs a new version, which old nodes refuse, and a client then speaks
 * JSON to them ({@link WireFormats}).
 * <p>
 * Stateless and thread-safe.
 */
public final class QueueWireCodec {

    /** The format version, first byte of every message. */
    public static final byte VERSION = 1;

    private static final byte BATCH_REQUEST = 'B';
    private static final byte BATCH_REPLY = 'b';
    private static final byte POLL_REQUEST = 'P';
    private static final byte POLL_REPLY = 'p';
    private static final byte SEND = 'S';
    private static final byte SETTLE = 'T';

    private QueueWireCodec() {
    }

    // ------------------------------------------------------------------ batches

    public static byte[] encode(BatchRequest r) {
        Out out = new Out(BATCH_REQUEST, 64 + 96 * r.ops().size() + payloadBytes(r));
        out.count(r.ops().size());
        for (Op op : r.ops()) {
            if ((op.send() == null) == (op.settle() == null)) {
                throw new IllegalArgumentException("a batch call is a send or a settlement");
            }
            if (op.send() != null) {
                SendRequest s = op.send();
                out.tag(SEND).string(s.queue()).integer(s.partition()).string(s.callId()).count(s.messages().size());
                for (OutMessage m : s.messages()) {
                    out.string(m.key()).bytes(m.payload()).map(m.headers());
                }
            } else {
                SettleRequest s = op.settle();
                out.tag(SETTLE).string(s.queue()).string(s.callId()).string(s.id()).integer(s.attempt())
                        .tag(action(s.action())).longValue(s.millis());
            }
        }
        return out.done();
    }

    public static BatchRequest decodeBatchRequest(byte[] message) {
        In in = new In(message, BATCH_REQUEST);
        int n = in.count();
        List<Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte tag = in.tag();
            if (tag == SEND) {
                String queue = in.string();
                int partition = in.integer();
                String callId = in.string();
                int count = in.count();
                List<OutMessage> messages = new ArrayList<>(count);
                for (int j = 0; j < count; j++) {
                    messages.add(new OutMessage(in.string(), in.bytes(), in.map()));
                }
                ops.add(new Op(new SendRequest(queue, partition, callId, messages), null));
            } else if (tag == SETTLE) {
                ops.add(new Op(null, new SettleRequest(in.string(), in.string(), in.string(), in.integer(),
                        action(in.tag()), in.longValue())));
            } else {
                throw new IllegalArgumentException("unknown batch call tag " + tag);
            }
        }
        return in.end(new BatchRequest(ops));
    }

    public static byte[] encode(BatchReply r) {
        Out out = new Out(BATCH_REPLY, 16 + 64 * r.replies().size());
        out.count(r.replies().size());
        for (OpReply o : r.replies()) {
            out.integer(o.status());
            if (o.ids() == null) {
                out.count(-1);
            } else {
                out.count(o.ids().size());
                o.ids().forEach(out::string);
            }
            if (o.settled() == null) {
                out.tag((byte) 0);
            } else {
                out.tag((byte) 1).longValue(o.settled().visibleUntilMs()).longValue(o.settled().nowMs());
            }
            out.string(o.error()).string(o.message());
        }
        return out.done();
    }

    public static BatchReply decodeBatchReply(byte[] message) {
        In in = new In(message, BATCH_REPLY);
        int n = in.count();
        List<OpReply> replies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int status = in.integer();
            int idCount = in.nullableCount();
            List<String> ids = null;
            if (idCount >= 0) {
                ids = new ArrayList<>(idCount);
                for (int j = 0; j < idCount; j++) {
                    ids.add(in.string());
                }
            }
            byte settled = in.tag();
            if (settled != 0 && settled != 1) {
                throw new IllegalArgumentException("bad settlement flag " + settled);
            }
            SettleReply s = settled == 1 ? new SettleReply(in.longValue(), in.longValue()) : null;
            replies.add(new OpReply(status, ids, s, in.string(), in.string()));
        }
        return in.end(new BatchReply(replies));
    }

    // ------------------------------------------------------------------ polls

    public static byte[] encode(PollRequest r) {
        return new Out(POLL_REQUEST, 64).string(r.queue()).string(r.pollId()).integer(r.max()).longValue(r.waitMs())
                .done();
    }

    public static PollRequest decodePollRequest(byte[] message) {
        In in = new In(message, POLL_REQUEST);
        return in.end(new PollRequest(in.string(), in.string(), in.integer(), in.longValue()));
    }

    public static byte[] encode(PollReply r) {
        int size = 24;
        for (InDelivery d : r.deliveries()) {
            size += 96 + (d.payload() == null ? 0 : d.payload().length);
        }
        Out out = new Out(POLL_REPLY, size);
        out.count(r.deliveries().size());
        for (InDelivery d : r.deliveries()) {
            out.string(d.id()).string(d.key()).bytes(d.payload()).map(d.headers()).integer(d.attempt())
                    .longValue(d.enqueuedMs()).longValue(d.visibleUntilMs());
        }
        return out.longValue(r.nowMs()).done();
    }

    public static PollReply decodePollReply(byte[] message) {
        In in = new In(message, POLL_REPLY);
        int n = in.count();
        List<InDelivery> deliveries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            deliveries.add(new InDelivery(in.string(), in.string(), in.bytes(), in.map(), in.integer(), in.longValue(),
                    in.longValue()));
        }
        return in.end(new PollReply(deliveries, in.longValue()));
    }

    // ------------------------------------------------------------------ values

    private static int payloadBytes(BatchRequest r) {
        long n = 0;
        for (Op op : r.ops()) {
            if (op.send() != null) {
                for (OutMessage m : op.send().messages()) {
                    n += 32 + (m.payload() == null ? 0 : m.payload().length);
                }
            }
        }
        return (int) Math.min(n, Integer.MAX_VALUE - 1024);
    }

    /** Explicit codes: 0 for none (a call without an action, which the node refuses as invalid). */
    private static byte action(Action a) {
        if (a == null) {
            return 0;
        }
        return switch (a) {
            case ACK -> 1;
            case REQUEUE -> 2;
            case DEAD_LETTER -> 3;
            case EXTEND -> 4;
            case RELEASE -> 5;
        };
    }

    private static Action action(byte code) {
        return switch (code) {
            case 0 -> null;
            case 1 -> Action.ACK;
            case 2 -> Action.REQUEUE;
            case 3 -> Action.DEAD_LETTER;
            case 4 -> Action.EXTEND;
            case 5 -> Action.RELEASE;
            default -> throw new IllegalArgumentException("unknown settle action " + code);
        };
    }

    /** A growing big-endian buffer. */
    private static final class Out {
        private byte[] buf;
        private int at;

        Out(byte kind, int sizeHint) {
            buf = new byte[Math.max(32, sizeHint)];
            buf[0] = VERSION;
            buf[1] = kind;
            at = 2;
        }

        private void room(int n) {
            if (at + n > buf.length) {
                long want = Math.max((long) buf.length * 2, (long) at + n);
                if (want > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("a queue call of more than 2 GB");
                }
                buf = Arrays.copyOf(buf, (int) want);
            }
        }

        Out tag(byte b) {
            room(1);
            buf[at++] = b;
            return this;
        }

        Out integer(int v) {
            room(4);
            buf[at++] = (byte) (v >>> 24);
            buf[at++] = (byte) (v >>> 16);
            buf[at++] = (byte) (v >>> 8);
            buf[at++] = (byte) v;
            return this;
        }

        Out count(int n) {
            return integer(n);
        }

        Out longValue(long v) {
            integer((int) (v >>> 32));
            return integer((int) v);
        }

        Out bytes(byte[] b) {
            if (b == null) {
                return integer(-1);
            }
            integer(b.length);
            room(b.length);
            System.arraycopy(b, 0, buf, at, b.length);
            at += b.length;
            return this;
        }

        Out string(String s) {
            return bytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }

        Out map(Map<String, String> m) {
            if (m == null) {
                return integer(-1);
            }
            integer(m.size());
            for (Map.Entry<String, String> e : m.entrySet()) {
                string(e.getKey()).string(e.getValue());
            }
            return this;
        }

        byte[] done() {
            return at == buf.length ? buf : Arrays.copyOf(buf, at);
        }
    }

    /** Reads what {@link Out} wrote, refusing anything malformed. */
    private static final class In {
        private final ByteBuffer buf;

        In(byte[] message, byte kind) {
            if (message == null || message.length < 2) {
                throw new IllegalArgumentException("a queue call of " + (message == null ? 0 : message.length) + " bytes");
            }
            if (message[0] != VERSION) {
                throw new IllegalArgumentException("queue wire format version " + message[0] + " (this node reads "
                        + VERSION + ")");
            }
            if (message[1] != kind) {
                throw new IllegalArgumentException("a queue message of kind '" + (char) message[1] + "' where '"
                        + (char) kind + "' was expected");
            }
            buf = ByteBuffer.wrap(message, 2, message.length - 2);
        }

        private void need(int n) {
            if (buf.remaining() < n) {
                throw new IllegalArgumentException("a truncated queue message");
            }
        }

        byte tag() {
            need(1);
            return buf.get();
        }

        int integer() {
            need(4);
            return buf.getInt();
        }

        long longValue() {
            need(8);
            return buf.getLong();
        }

        int nullableCount() {
            int n = integer();
            if (n < -1 || n > buf.remaining()) {
                throw new IllegalArgumentException("a count of " + n + " in a queue message");
            }
            return n;
        }

        int count() {
            int n = nullableCount();
            if (n < 0) {
                throw new IllegalArgumentException("a missing list in a queue message");
            }
            return n;
        }

        byte[] bytes() {
            int n = nullableCount();
            if (n < 0) {
                return null;
            }
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        String string() {
            int n = nullableCount();
            if (n < 0) {
                return null;
            }
            String s = new String(buf.array(), buf.arrayOffset() + buf.position(), n, StandardCharsets.UTF_8);
            buf.position(buf.position() + n);
            return s;
        }

        Map<String, String> map() {
            int n = nullableCount();
            if (n < 0) {
                return null;
            }
            Map<String, String> m = new LinkedHashMap<>(Math.max(4, n * 2));
            for (int i = 0; i < n; i++) {
                m.put(string(), string());
            }
            return m;
        }

        <T> T end(T value) {
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " bytes after the end of a queue message");
            }
            return value;
        }
    }
}
