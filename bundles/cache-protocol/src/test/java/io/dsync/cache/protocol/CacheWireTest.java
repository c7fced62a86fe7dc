package io.dsync.cache.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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
import io.dsync.cache.protocol.CacheWire.Envelope;

/**
 * The wire format: every message round-trips, the layout is pinned by golden bytes, and every kind of malformed
 * input (and random or mutated bytes) fails with {@link CacheWireException} only.
 */
class CacheWireTest {

    static final GrantId G = new GrantId(3, 1_700_000_000_000L, 42);
    static final RequestId R = new RequestId(1_700_000_000_001L, 7);
    static final GrantId MAX_G = new GrantId(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    static List<CoherenceMessage> messages() {
        List<LeaseRef> leases = List.of(new LeaseRef("a", G), new LeaseRef("ключ/😀", MAX_G),
                new LeaseRef("", G));
        return List.of(
                new GetShared("k", 3, R),
                new GetShared("", Long.MIN_VALUE, new RequestId(Long.MAX_VALUE, Long.MAX_VALUE)),
                new GetExclusive("user:42", 0, R),
                new Release("k", G, MesiState.MODIFIED),
                new Release("k", G, MesiState.EXCLUSIVE),
                new Release("k", G, MesiState.SHARED),
                new Release("k", G, MesiState.INVALID),
                new Ack("k", G, true),
                new Ack("k", MAX_G, false),
                new Ack("k", G, true, new Versioned("v".getBytes(), 3)),
                new Ack("k", G, false, Versioned.INITIAL),
                new Release("k", G, MesiState.EXCLUSIVE, new Versioned(new byte[0], 7)),
                new Release("k", G, MesiState.MODIFIED, new Versioned(null, 9)),
                new Renew(1, List.of()),
                new Renew(-5, leases),
                new Grant("k", R, G, MesiState.SHARED, new Versioned("hello".getBytes(), 12)),
                new Grant("k", R, G, MesiState.EXCLUSIVE, Versioned.INITIAL),
                new Grant("k", R, G, MesiState.EXCLUSIVE, new Versioned(null, 9)),
                new Grant("k", R, G, MesiState.SHARED, new Versioned(new byte[0], 1)),
                new Grant("k", R, G, MesiState.SHARED, new Versioned(allBytes(), Long.MAX_VALUE)),
                new Invalidate("k", G),
                new Downgrade("k", G),
                new Renewed(9, leases, List.of()),
                new Renewed(Long.MAX_VALUE, List.of(), leases),
                new Refused("k", R, RefusalReason.STALE_EPOCH),
                new Refused("k", R, RefusalReason.NOT_HOME));
    }

    static Envelope envelope(CoherenceMessage m) {
        return new Envelope("orders", "node-1", m);
    }

    static byte[] grantBytes() {
        Versioned data = new Versioned(new byte[] {1, 2, 3}, 5);
        return CacheWire.encode(envelope(new Grant("k", R, G, MesiState.SHARED, data)));
    }

    /** The offset of the first field after the envelope header of {@link #envelope}: version, "orders", "node-1". */
    static final int BODY = 1 + 4 + 6 + 4 + 6;

    @ParameterizedTest
    @MethodSource("messages")
    void everyMessageRoundTrips(CoherenceMessage m) {
        Envelope e = new Envelope("cache.name-1", "node-7", m);
        Envelope back = CacheWire.decode(CacheWire.encode(e));
        // Versioned compares its bytes with Arrays.equals, so record equality covers Grant's value
        assertThat(back).isEqualTo(e);
        if (m instanceof Grant g) {
            assertThat(((Grant) back.message()).data().value()).isEqualTo(g.data().value());
        }
    }

    @Test
    void cacheNameAndSenderRoundTripWithAnyUnicode() {
        Envelope e = new Envelope("", "nœud-ß-😀", new Invalidate("k", G));
        assertThat(CacheWire.decode(CacheWire.encode(e))).isEqualTo(e);
    }

    @Test
    void theLayoutIsPinned() {
        byte[] bytes = CacheWire.encode(new Envelope("c", "n", new Ack("k", new GrantId(1, 2, 3), true)));
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("01" + "00000001" + "63" + "00000001" + "6e" + "04"
                + "00000001" + "6b" + "0000000000000001" + "0000000000000002" + "0000000000000003" + "01");
        byte[] grant = CacheWire.encode(new Envelope("c", "n", new Grant("k", new RequestId(4, 5), new GrantId(1, 2, 3),
                MesiState.EXCLUSIVE, new Versioned(new byte[] {(byte) 0xff}, 6))));
        assertThat(HexFormat.of().formatHex(grant)).isEqualTo("01" + "00000001" + "63" + "00000001" + "6e" + "06"
                + "00000001" + "6b" + "0000000000000004" + "0000000000000005"
                + "0000000000000001" + "0000000000000002" + "0000000000000003" + "02" + "01" + "00000001" + "ff"
                + "0000000000000006");
        byte[] tombstone = CacheWire.encode(new Envelope("c", "n", new Grant("k", new RequestId(4, 5),
                new GrantId(1, 2, 3), MesiState.SHARED, new Versioned(null, 6))));
        assertThat(HexFormat.of().formatHex(tombstone)).endsWith("03" + "00" + "0000000000000006");
    }

    // ---------------------------------------------------------------- malformed input

    static CacheWireException decodeFails(byte[] bytes) {
        try {
            CacheWire.decode(bytes);
        } catch (CacheWireException e) {
            return e;
        }
        return fail("decoded malformed input " + HexFormat.of().formatHex(bytes));
    }

    static byte[] with(byte[] bytes, int offset, byte... replacement) {
        byte[] copy = bytes.clone();
        System.arraycopy(replacement, 0, copy, offset, replacement.length);
        return copy;
    }

    static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 255})
    void anUnknownVersionIsRefused(int version) {
        CacheWireException e = decodeFails(with(grantBytes(), 0, (byte) version));
        assertThat(e).hasMessageContaining("unsupported wire format version " + version)
                .hasMessageContaining("offset 0");
        assertThat(e.offset()).isZero();
    }

    @Test
    void emptyInputIsTruncated() {
        assertThat(decodeFails(new byte[0])).hasMessageContaining("truncated").hasMessageContaining("format version");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 13, 200, 255})
    void anUnknownMessageTypeIsRefused(int type) {
        CacheWireException e = decodeFails(with(grantBytes(), BODY, (byte) type));
        assertThat(e).hasMessageContaining("unknown message type code " + type);
        assertThat(e.offset()).isEqualTo(BODY);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 255})
    void anUnknownMesiStateCodeIsRefused(int code) {
        byte[] bytes = CacheWire.encode(envelope(new Release("k", G, MesiState.SHARED)));
        int at = bytes.length - 1;
        CacheWireException e = decodeFails(with(bytes, at, (byte) code));
        assertThat(e).hasMessageContaining("unknown MESI state code " + code);
        assertThat(e.offset()).isEqualTo(at);
    }

    @Test
    void aGrantOfModifiedIsRefused() {
        byte[] bytes = grantBytes();
        int at = BODY + 1 + 4 + 1 + 16 + 24;
        assertThat(bytes[at]).isEqualTo((byte) 3);
        assertThat(decodeFails(with(bytes, at, (byte) 1))).hasMessageContaining("invalid Grant")
                .hasMessageContaining("a grant is S or E");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 128})
    void anUnknownRefusalReasonIsRefused(int code) {
        byte[] bytes = CacheWire.encode(envelope(new Refused("k", R, RefusalReason.NOT_HOME)));
        assertThat(decodeFails(with(bytes, bytes.length - 1, (byte) code)))
                .hasMessageContaining("unknown refusal reason code " + code);
    }

    @Test
    void aBooleanOtherThanZeroOrOneIsRefused() {
        byte[] ack = CacheWire.encode(envelope(new Ack("k", G, true)));
        assertThat(decodeFails(with(ack, ack.length - 1, (byte) 2))).hasMessageContaining("keptShared")
                .hasMessageContaining("boolean byte 2");
        byte[] grant = grantBytes();
        int presence = grant.length - 8 - 3 - 4 - 1;
        assertThat(decodeFails(with(grant, presence, (byte) 7))).hasMessageContaining("value presence");
    }

    @Test
    void everyTruncationIsRefused() {
        for (CoherenceMessage m : messages()) {
            byte[] bytes = CacheWire.encode(envelope(m));
            for (int n = 0; n < bytes.length; n++) {
                // a list's count is checked against the bytes left before its elements are read
                assertThat(decodeFails(Arrays.copyOf(bytes, n))).as("%s cut to %d bytes", m, n).message()
                        .containsAnyOf("truncated", "count");
            }
        }
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] bytes = grantBytes();
        CacheWireException e = decodeFails(Arrays.copyOf(bytes, bytes.length + 2));
        assertThat(e).hasMessageContaining("2 trailing byte(s)");
        assertThat(e.offset()).isEqualTo(bytes.length);
    }

    @Test
    void aNegativeStringLengthIsRefused() {
        CacheWireException e = decodeFails(with(grantBytes(), 1, int32(-1)));
        assertThat(e).hasMessageContaining("negative cache name length -1").hasMessageContaining("offset 1");
    }

    @Test
    void anOversizedStringLengthIsRefusedBeforeAnythingIsAllocated() {
        assertThat(decodeFails(with(grantBytes(), 1, int32(CacheWire.MAX_STRING_BYTES + 1))))
                .hasMessageContaining("cache name length 65537 exceeds the limit of 65536");
        assertThat(decodeFails(with(grantBytes(), BODY + 1, int32(Integer.MAX_VALUE))))
                .hasMessageContaining("key length 2147483647 exceeds the limit");
    }

    @Test
    void aStringLengthBeyondTheInputIsTruncated() {
        assertThat(decodeFails(with(grantBytes(), BODY + 1, int32(60_000)))).hasMessageContaining("truncated")
                .hasMessageContaining("key needs 60000 byte(s)");
    }

    @Test
    void valueLengthsAreCheckedAgainstTheLimitAndTheInput() {
        byte[] grant = grantBytes();
        int length = grant.length - 8 - 3 - 4;
        assertThat(decodeFails(with(grant, length, int32(-3)))).hasMessageContaining("negative value length -3");
        assertThat(decodeFails(with(grant, length, int32(CacheWire.MAX_VALUE_BYTES + 1))))
                .hasMessageContaining("value length 67108865 exceeds the limit of 67108864");
        CacheWireException e = decodeFails(with(grant, length, int32(CacheWire.MAX_VALUE_BYTES)));
        assertThat(e).hasMessageContaining("truncated: value needs 67108864 byte(s)");
        assertThat(e.offset()).isEqualTo(length + 4);
    }

    @Test
    void leaseCountsAreBoundedByTheRemainingBytes() {
        byte[] renew = CacheWire.encode(envelope(new Renew(1, List.of(new LeaseRef("a", G)))));
        int count = BODY + 1 + 8;
        assertThat(decodeFails(with(renew, count, int32(-1)))).hasMessageContaining("negative leases count -1");
        assertThat(decodeFails(with(renew, count, int32(Integer.MAX_VALUE))))
                .hasMessageContaining("leases count 2147483647 exceeds the limit of 1");
        assertThat(decodeFails(with(renew, count, int32(2)))).hasMessageContaining("exceeds the limit of 1");
    }

    @Test
    void idComponentsBelowOneAreRefused() {
        byte[] invalidate = CacheWire.encode(envelope(new Invalidate("k", G)));
        int grant = BODY + 1 + 4 + 1;
        CacheWireException e = decodeFails(with(invalidate, grant + 8, new byte[8]));
        assertThat(e).hasMessageContaining("invalid grant id").hasMessageContaining("must be positive");
        assertThat(e.offset()).isEqualTo(grant);
        byte[] getS = CacheWire.encode(envelope(new GetShared("k", 1, R)));
        assertThat(decodeFails(with(getS, getS.length - 8, new byte[8]))).hasMessageContaining("invalid request id");
    }

    @Test
    void aNegativeVersionIsRefused() {
        byte[] grant = grantBytes();
        assertThat(decodeFails(with(grant, grant.length - 8, (byte) 0x80)))
                .hasMessageContaining("invalid versioned value")
                .hasMessageContaining("version must not be negative");
    }

    @Test
    void malformedUtf8IsRefused() {
        byte[] bytes = grantBytes();
        CacheWireException e = decodeFails(with(bytes, BODY + 1 + 4, (byte) 0xc3));
        assertThat(e).hasMessageContaining("malformed UTF-8 in key");
        assertThat(e.offset()).isEqualTo(BODY + 5);
        // an overlong encoding of '/' and an encoded surrogate are not UTF-8 either
        byte[] twoByteKey = CacheWire.encode(envelope(new Invalidate("ab", G)));
        assertThat(decodeFails(with(twoByteKey, BODY + 5, (byte) 0xc0, (byte) 0xaf)))
                .hasMessageContaining("malformed UTF-8");
        byte[] threeByteKey = CacheWire.encode(envelope(new Invalidate("abc", G)));
        assertThat(decodeFails(with(threeByteKey, BODY + 5, (byte) 0xed, (byte) 0xa0, (byte) 0x80)))
                .hasMessageContaining("malformed UTF-8");
    }

    @Test
    void encodingRefusesWhatDecodingWouldRefuse() {
        String longKey = "x".repeat(CacheWire.MAX_STRING_BYTES + 1);
        assertThatThrownBy(() -> CacheWire.encode(envelope(new Invalidate(longKey, G))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key of 65537 UTF-8 bytes exceeds");
        assertThatThrownBy(() -> CacheWire.encode(envelope(new Invalidate("\ud800", G))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid Unicode");
        String atLimit = "é".repeat(CacheWire.MAX_STRING_BYTES / 2);
        assertThat(CacheWire.decode(CacheWire.encode(envelope(new Invalidate(atLimit, G)))).message().key())
                .isEqualTo(atLimit);
    }

    // ---------------------------------------------------------------- fuzzing

    /** Decodes, and if that succeeds checks that the encoding is canonical; anything but CacheWireException fails. */
    static void decodeOrRefuse(byte[] bytes, long seed) {
        Envelope e;
        try {
            e = CacheWire.decode(bytes);
        } catch (CacheWireException expected) {
            return;
        } catch (RuntimeException | Error other) {
            throw new AssertionError("seed " + seed + ": " + HexFormat.of().formatHex(bytes) + " threw " + other,
                    other);
        }
        assertThat(CacheWire.encode(e)).as("seed %d: re-encoding of %s", seed, e).isEqualTo(bytes);
    }

    @Test
    void randomBytesDecodeOrFailWithCacheWireExceptionOnly() {
        IntStream.range(0, 5000).forEach(seed -> {
            Random random = new Random(seed);
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = 1;
            }
            decodeOrRefuse(bytes, seed);
        });
    }

    @Test
    void mutatedMessagesDecodeOrFailWithCacheWireExceptionOnly() {
        List<byte[]> valid = messages().stream().map(m -> CacheWire.encode(envelope(m))).toList();
        int decoded = 0;
        for (int seed = 0; seed < 5000; seed++) {
            Random random = new Random(seed);
            byte[] bytes = valid.get(random.nextInt(valid.size())).clone();
            int mutations = 1 + random.nextInt(3);
            for (int i = 0; i < mutations; i++) {
                bytes = mutate(bytes, random);
            }
            try {
                CacheWire.decode(bytes);
                decoded++;
            } catch (CacheWireException expected) {
                // fine
            }
            decodeOrRefuse(bytes, seed);
        }
        assertThat(decoded).as("some mutations still decode (ids, epochs, values)").isPositive();
    }

    static byte[] mutate(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return new byte[] {(byte) random.nextInt(256)};
        }
        int at = random.nextInt(bytes.length);
        switch (random.nextInt(5)) {
            case 0:
                bytes[at] = (byte) random.nextInt(256);
                return bytes;
            case 1:
                bytes[at] ^= (byte) (1 << random.nextInt(8));
                return bytes;
            case 2:
                return Arrays.copyOf(bytes, at);
            case 3:
                byte[] longer = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, longer, 0, at);
                longer[at] = (byte) random.nextInt(256);
                System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                return longer;
            default:
                byte[] n = int32(random.nextBoolean() ? random.nextInt() : random.nextInt(64));
                System.arraycopy(n, 0, bytes, at, Math.min(4, bytes.length - at));
                return bytes;
        }
    }
}
