package io.dsync.cache.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.CoherenceMessage.Ack;
import io.dsync.cache.core.CoherenceMessage.Downgrade;
import io.dsync.cache.core.CoherenceMessage.GetExclusive;
import io.dsync.cache.core.CoherenceMessage.GetShared;
import io.dsync.cache.core.CoherenceMessage.Grant;
import io.dsync.cache.core.CoherenceMessage.Invalidate;
import io.dsync.cache.core.CoherenceMessage.LeaseRef;
import io.dsync.cache.core.CoherenceMessage.RefusalReason;
import io.dsync.cache.core.CoherenceMessage.Refused;
import io.dsync.cache.core.CoherenceMessage.Release;
import io.dsync.cache.core.CoherenceMessage.Renew;
import io.dsync.cache.core.CoherenceMessage.Renewed;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import io.dsync.cache.core.Versioned;

/**
 * The binary wire format of the coherence messages that travel between nodes (the body of a node messaging
 * request or answer): one {@link Envelope} per message, naming the cache and the sending node.
 * <p>
 * Format version {@value #VERSION}, big-endian, without Java serialization:
 * <pre>
 * envelope   := version:u8 (= 1)  cache:string  from:string  type:u8  fields of the type
 * string     := length:i32 (0..{@value #MAX_STRING_BYTES})  well-formed UTF-8 bytes
 * value      := length:i32 (0..{@value #MAX_VALUE_BYTES})  bytes
 * long       := i64
 * bool       := u8, 0 or 1
 * grant id   := epoch:long  incarnation:long  seq:long     (each at least 1)
 * request id := incarnation:long  seq:long                 (each at least 1)
 * versioned  := present:bool  [value if present]  version:long (at least 0)   (absent: never written or tombstone)
 * leases     := count:i32 (0..what the remaining bytes can hold)  (key:string  grant id) * count
 * mesi state := u8: 1 MODIFIED, 2 EXCLUSIVE, 3 SHARED, 4 INVALID
 * reason     := u8: 1 STALE_EPOCH, 2 NOT_HOME
 *
 * type  message        fields
 *  1    GetShared      key:string  epoch:long  request id
 *  2    GetExclusive   key:string  epoch:long  request id
 *  3    Release        key:string  grant id  mesi state
 *  4    Ack            key:string  grant id  keptShared:bool
 *  5    Renew          renewal:long  leases
 *  6    Grant          key:string  request id  grant id  mesi state (S or E)  versioned
 *  7    Invalidate     key:string  grant id
 *  8    Downgrade      key:string  grant id
 *  9    Renewed        renewal:long  accepted:leases  refused:leases
 * 10    Refused        key:string  request id  reason
 * 11    Release        as type 3, then memory:versioned (what main memory holds, as the owner vouches)
 * 12    Ack            as type 4, then memory:versioned
 * </pre>
 * Types 11 and 12 came with the homes' copies of memory (December 2026); a node sends them only for a
 * {@code Release} or {@code Ack} whose {@code memory} is set. A home of an earlier build refuses them as unknown, and
 * the owner's lease then ends its record: update the cache nodes before the other nodes, or accept up to a lease's
 * wait for the keys whose owners return their grants meanwhile.
 * Type and enum codes are fixed here, never taken from ordinals: reordering an enum does not change the
 * format, and a new enum constant or message type does not compile until it is given a new code (codes are
 * appended, never reused). A change to the layout of an existing type needs a new {@link #VERSION}.
 * <p>
 * {@link #decode(byte[])} validates everything it reads (version, codes, lengths against the limits and
 * against what is left, UTF-8, the invariants of the core's records, no trailing bytes) and fails with
 * {@link CacheWireException} only. The encoding is canonical: a decoded message encodes to the same bytes.
 * <p>
 * Stateless and thread-safe.
 */
public final class CacheWire {

    /** The format version written by {@link #encode(Envelope)}, the only one {@link #decode(byte[])} reads. */
    public static final int VERSION = 1;

    /** The largest string (cache name, node id, key), in UTF-8 bytes: 64 KiB. */
    public static final int MAX_STRING_BYTES = 64 * 1024;

    /** The largest value, in bytes: 64 MiB (node messaging carries at most 32 MiB per body anyway). */
    public static final int MAX_VALUE_BYTES = 64 * 1024 * 1024;

    /** The fewest bytes one lease can take: an empty key's length and a grant id. */
    private static final int MIN_LEASE_BYTES = 4 + 3 * 8;

    private static final int GET_SHARED = 1;
    private static final int GET_EXCLUSIVE = 2;
    private static final int RELEASE = 3;
    private static final int ACK = 4;
    private static final int RENEW = 5;
    private static final int GRANT = 6;
    private static final int INVALIDATE = 7;
    private static final int DOWNGRADE = 8;
    private static final int RENEWED = 9;
    private static final int REFUSED = 10;
    private static final int RELEASE_MEMORY = 11;
    private static final int ACK_MEMORY = 12;

    /**
     * One message on the wire, with what the receiver needs besides the message.
     *
     * @param cache the name of the cache the message is about
     * @param from the id of the sending node
     * @param message the message
     */
    public record Envelope(String cache, String from, CoherenceMessage message) {

        /**
         * Validates the envelope.
         *
         * @param cache the cache name
         * @param from the sender
         * @param message the message
         */
        public Envelope {
            Objects.requireNonNull(cache, "cache");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(message, "message");
        }
    }

    private CacheWire() {
    }

    /**
     * Encodes an envelope.
     *
     * @param envelope the envelope
     * @return the bytes, in format version {@value #VERSION}
     * @throws IllegalArgumentException if a string is longer than {@value #MAX_STRING_BYTES} UTF-8 bytes or
     *     not valid Unicode, or a value is longer than {@value #MAX_VALUE_BYTES} bytes
     */
    public static byte[] encode(Envelope envelope) {
        CacheWireWriter out = new CacheWireWriter();
        out.u8(VERSION);
        out.string("cache name", envelope.cache());
        out.string("sender node id", envelope.from());
        writeMessage(out, envelope.message());
        return out.toByteArray();
    }

    /**
     * Decodes an envelope.
     *
     * @param bytes the bytes, as {@link #encode(Envelope)} made them
     * @return the envelope
     * @throws CacheWireException if the bytes are not exactly one valid envelope of version {@value #VERSION}
     */
    public static Envelope decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        CacheWireReader in = new CacheWireReader(bytes);
        int version = in.u8("format version");
        if (version != VERSION) {
            throw new CacheWireException("unsupported wire format version " + version + " (this node reads version "
                    + VERSION + ")", 0);
        }
        String cache = in.string("cache name");
        String from = in.string("sender node id");
        CoherenceMessage message = readMessage(in);
        in.end();
        return new Envelope(cache, from, message);
    }

    // ---------------------------------------------------------------- messages

    private static void writeMessage(CacheWireWriter out, CoherenceMessage message) {
        if (message instanceof GetShared m) {
            out.u8(GET_SHARED);
            out.string("key", m.key());
            out.i64(m.epoch());
            writeRequest(out, m.request());
        } else if (message instanceof GetExclusive m) {
            out.u8(GET_EXCLUSIVE);
            out.string("key", m.key());
            out.i64(m.epoch());
            writeRequest(out, m.request());
        } else if (message instanceof Release m) {
            out.u8(m.memory() != null ? RELEASE_MEMORY : RELEASE);
            out.string("key", m.key());
            writeGrantId(out, m.grant());
            out.u8(stateCode(m.state()));
            if (m.memory() != null) {
                writeVersioned(out, m.memory());
            }
        } else if (message instanceof Ack m) {
            out.u8(m.memory() != null ? ACK_MEMORY : ACK);
            out.string("key", m.key());
            writeGrantId(out, m.grant());
            out.bool(m.keptShared());
            if (m.memory() != null) {
                writeVersioned(out, m.memory());
            }
        } else if (message instanceof Renew m) {
            out.u8(RENEW);
            out.i64(m.renewal());
            writeLeases(out, m.leases());
        } else if (message instanceof Grant m) {
            out.u8(GRANT);
            out.string("key", m.key());
            writeRequest(out, m.request());
            writeGrantId(out, m.grant());
            out.u8(stateCode(m.state()));
            writeVersioned(out, m.data());
        } else if (message instanceof Invalidate m) {
            out.u8(INVALIDATE);
            out.string("key", m.key());
            writeGrantId(out, m.grant());
        } else if (message instanceof Downgrade m) {
            out.u8(DOWNGRADE);
            out.string("key", m.key());
            writeGrantId(out, m.grant());
        } else if (message instanceof Renewed m) {
            out.u8(RENEWED);
            out.i64(m.renewal());
            writeLeases(out, m.accepted());
            writeLeases(out, m.refused());
        } else if (message instanceof Refused m) {
            out.u8(REFUSED);
            out.string("key", m.key());
            writeRequest(out, m.request());
            out.u8(reasonCode(m.reason()));
        } else {
            throw new IllegalArgumentException("no wire type for message " + message.getClass().getName());
        }
    }

    private static CoherenceMessage readMessage(CacheWireReader in) {
        int at = in.offset();
        int type = in.u8("message type");
        return switch (type) {
            case GET_SHARED -> {
                String key = in.string("key");
                long epoch = in.i64("epoch");
                RequestId request = readRequest(in);
                yield valid("GetShared", at, () -> new GetShared(key, epoch, request));
            }
            case GET_EXCLUSIVE -> {
                String key = in.string("key");
                long epoch = in.i64("epoch");
                RequestId request = readRequest(in);
                yield valid("GetExclusive", at, () -> new GetExclusive(key, epoch, request));
            }
            case RELEASE, RELEASE_MEMORY -> {
                String key = in.string("key");
                GrantId grant = readGrantId(in);
                MesiState state = readState(in);
                Versioned memory = type == RELEASE_MEMORY ? readVersioned(in) : null;
                yield valid("Release", at, () -> new Release(key, grant, state, memory));
            }
            case ACK, ACK_MEMORY -> {
                String key = in.string("key");
                GrantId grant = readGrantId(in);
                boolean keptShared = in.bool("keptShared");
                Versioned memory = type == ACK_MEMORY ? readVersioned(in) : null;
                yield valid("Ack", at, () -> new Ack(key, grant, keptShared, memory));
            }
            case RENEW -> {
                long renewal = in.i64("renewal id");
                List<LeaseRef> leases = readLeases(in, "leases");
                yield valid("Renew", at, () -> new Renew(renewal, leases));
            }
            case GRANT -> {
                String key = in.string("key");
                RequestId request = readRequest(in);
                GrantId grant = readGrantId(in);
                MesiState state = readState(in);
                Versioned data = readVersioned(in);
                yield valid("Grant", at, () -> new Grant(key, request, grant, state, data));
            }
            case INVALIDATE -> {
                String key = in.string("key");
                GrantId grant = readGrantId(in);
                yield valid("Invalidate", at, () -> new Invalidate(key, grant));
            }
            case DOWNGRADE -> {
                String key = in.string("key");
                GrantId grant = readGrantId(in);
                yield valid("Downgrade", at, () -> new Downgrade(key, grant));
            }
            case RENEWED -> {
                long renewal = in.i64("renewal id");
                List<LeaseRef> accepted = readLeases(in, "accepted leases");
                List<LeaseRef> refused = readLeases(in, "refused leases");
                yield valid("Renewed", at, () -> new Renewed(renewal, accepted, refused));
            }
            case REFUSED -> {
                String key = in.string("key");
                RequestId request = readRequest(in);
                RefusalReason reason = readReason(in);
                yield valid("Refused", at, () -> new Refused(key, request, reason));
            }
            default -> throw new CacheWireException("unknown message type code " + type, at);
        };
    }

    // ---------------------------------------------------------------- ids, values, lists

    private static void writeGrantId(CacheWireWriter out, GrantId id) {
        out.i64(id.epoch());
        out.i64(id.incarnation());
        out.i64(id.seq());
    }

    private static GrantId readGrantId(CacheWireReader in) {
        int at = in.offset();
        long epoch = in.i64("grant id epoch");
        long incarnation = in.i64("grant id incarnation");
        long seq = in.i64("grant id seq");
        return valid("grant id", at, () -> new GrantId(epoch, incarnation, seq));
    }

    private static void writeRequest(CacheWireWriter out, RequestId id) {
        out.i64(id.incarnation());
        out.i64(id.seq());
    }

    private static RequestId readRequest(CacheWireReader in) {
        int at = in.offset();
        long incarnation = in.i64("request id incarnation");
        long seq = in.i64("request id seq");
        return valid("request id", at, () -> new RequestId(incarnation, seq));
    }

    private static void writeVersioned(CacheWireWriter out, Versioned data) {
        out.bool(data.present());
        if (data.present()) {
            out.bytes("value", data.value());
        }
        out.i64(data.version());
    }

    private static Versioned readVersioned(CacheWireReader in) {
        int at = in.offset();
        byte[] value = in.bool("value presence") ? in.bytes("value") : null;
        long version = in.i64("version");
        return valid("versioned value", at, () -> new Versioned(value, version));
    }

    private static void writeLeases(CacheWireWriter out, List<LeaseRef> leases) {
        out.i32(leases.size());
        for (LeaseRef lease : leases) {
            out.string("lease key", lease.key());
            writeGrantId(out, lease.grant());
        }
    }

    private static List<LeaseRef> readLeases(CacheWireReader in, String field) {
        // no more leases than the bytes after the count can hold: a corrupt count allocates nothing
        int count = in.count(field + " count", Math.max(0, in.remaining() - 4) / MIN_LEASE_BYTES);
        List<LeaseRef> leases = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = in.offset();
            String key = in.string("lease key");
            GrantId grant = readGrantId(in);
            leases.add(valid("lease", at, () -> new LeaseRef(key, grant)));
        }
        return leases;
    }

    // ---------------------------------------------------------------- enums

    private static int stateCode(MesiState state) {
        return switch (state) {
            case MODIFIED -> 1;
            case EXCLUSIVE -> 2;
            case SHARED -> 3;
            case INVALID -> 4;
        };
    }

    private static MesiState readState(CacheWireReader in) {
        int at = in.offset();
        int code = in.u8("MESI state");
        return switch (code) {
            case 1 -> MesiState.MODIFIED;
            case 2 -> MesiState.EXCLUSIVE;
            case 3 -> MesiState.SHARED;
            case 4 -> MesiState.INVALID;
            default -> throw new CacheWireException("unknown MESI state code " + code, at);
        };
    }

    private static int reasonCode(RefusalReason reason) {
        return switch (reason) {
            case STALE_EPOCH -> 1;
            case NOT_HOME -> 2;
        };
    }

    private static RefusalReason readReason(CacheWireReader in) {
        int at = in.offset();
        int code = in.u8("refusal reason");
        return switch (code) {
            case 1 -> RefusalReason.STALE_EPOCH;
            case 2 -> RefusalReason.NOT_HOME;
            default -> throw new CacheWireException("unknown refusal reason code " + code, at);
        };
    }

    /** Builds a core record, turning its refusal of a field value into a wire exception. */
    private static <T> T valid(String what, int at, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CacheWireException("invalid " + what + ": " + e.getMessage(), at, e);
        }
    }
}
