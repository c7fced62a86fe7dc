package io.dsync.cache.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the primitive fields of the {@link CacheWire} format, big-endian: bytes, booleans, 32-bit
 * lengths and counts, 64-bit longs, strings and byte arrays with their length. Refuses what the reader
 * would refuse (strings and values over the format's limits, strings that are not valid Unicode), so that
 * nothing is sent that the receiver must drop. One writer per message; not thread-safe.
 * <p>
 * Into a plain array that doubles when full (a {@code ByteArrayOutputStream} locks and checks its capacity per byte:
 * a renewal of a few hundred leases made thousands of such calls), and ASCII strings, such as the usual keys and node
 * ids, byte by byte without an encoder.
 */
final class CacheWireWriter {

    private byte[] buf = new byte[256];
    private int size;

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    /**
     * Writes one byte.
     *
     * @param value the byte, 0 to 255
     */
    void u8(int value) {
        ensure(1);
        buf[size++] = (byte) value;
    }

    /**
     * Writes a boolean as one byte, 1 or 0.
     *
     * @param value the boolean
     */
    void bool(boolean value) {
        u8(value ? 1 : 0);
    }

    /**
     * Writes a 32-bit integer.
     *
     * @param value the integer
     */
    void i32(int value) {
        ensure(4);
        buf[size] = (byte) (value >>> 24);
        buf[size + 1] = (byte) (value >>> 16);
        buf[size + 2] = (byte) (value >>> 8);
        buf[size + 3] = (byte) value;
        size += 4;
    }

    /**
     * Writes a 64-bit integer.
     *
     * @param value the integer
     */
    void i64(long value) {
        i32((int) (value >>> 32));
        i32((int) value);
    }

    /**
     * Writes a string as its UTF-8 length and bytes.
     *
     * @param field what the string is, for the exception message
     * @param value the string
     * @throws IllegalArgumentException if the string is not valid Unicode (an unpaired surrogate) or its
     *     UTF-8 form is longer than {@link CacheWire#MAX_STRING_BYTES}
     */
    void string(String field, String value) {
        int n = value.length();
        if (n <= CacheWire.MAX_STRING_BYTES && ascii(value)) {
            i32(n);
            ensure(n);
            for (int i = 0; i < n; i++) {
                buf[size + i] = (byte) value.charAt(i);
            }
            size += n;
            return;
        }
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + " is not valid Unicode (an unpaired surrogate?)", e);
        }
        if (utf8.remaining() > CacheWire.MAX_STRING_BYTES) {
            throw new IllegalArgumentException(field + " of " + utf8.remaining()
                    + " UTF-8 bytes exceeds the wire limit of " + CacheWire.MAX_STRING_BYTES + " bytes");
        }
        i32(utf8.remaining());
        write(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.remaining());
    }

    private static boolean ascii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes a byte array as its length and bytes.
     *
     * @param field what the bytes are, for the exception message
     * @param value the bytes
     * @throws IllegalArgumentException if the array is longer than {@link CacheWire#MAX_VALUE_BYTES}
     */
    void bytes(String field, byte[] value) {
        if (value.length > CacheWire.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException(field + " of " + value.length + " bytes exceeds the wire limit of "
                    + CacheWire.MAX_VALUE_BYTES + " bytes");
        }
        i32(value.length);
        write(value, 0, value.length);
    }

    private void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /**
     * Returns what was written.
     *
     * @return a new array
     */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
