package io.dsync.cache.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Writes the primitive fields of the {@link CacheWire} format, big-endian: bytes, booleans, 32-bit
 * lengths and counts, 64-bit longs, strings and byte arrays with their length. Refuses what the reader
 * would refuse (strings and values over the format's limits, strings that are not valid Unicode), so that
 * nothing is sent that the receiver must drop. One writer per message; not thread-safe.
 */
final class CacheWireWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

    /**
     * Writes one byte.
     *
     * @param value the byte, 0 to 255
     */
    void u8(int value) {
        out.write(value);
    }

    /**
     * Writes a boolean as one byte, 1 or 0.
     *
     * @param value the boolean
     */
    void bool(boolean value) {
        out.write(value ? 1 : 0);
    }

    /**
     * Writes a 32-bit integer.
     *
     * @param value the integer
     */
    void i32(int value) {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
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
        out.write(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.remaining());
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
        out.write(value, 0, value.length);
    }

    /**
     * Returns what was written.
     *
     * @return a new array
     */
    byte[] toByteArray() {
        return out.toByteArray();
    }
}
