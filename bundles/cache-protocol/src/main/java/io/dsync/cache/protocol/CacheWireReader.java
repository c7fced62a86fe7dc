package io.dsync.cache.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the primitive fields of the {@link CacheWire} format from a byte array, checking each read against
 * what is left: every problem is a {@link CacheWireException} naming the field and its offset, never an
 * index exception, and no length is allocated before the bytes it announces are known to be there. One
 * reader per message; not thread-safe.
 */
final class CacheWireReader {

    private final byte[] in;
    private int pos;

    /**
     * Creates a reader at the start of the input.
     *
     * @param in the input; not copied, not modified
     */
    CacheWireReader(byte[] in) {
        this.in = in;
    }

    /**
     * Returns where the next read starts.
     *
     * @return the offset
     */
    int offset() {
        return pos;
    }

    /**
     * Returns how many bytes are left.
     *
     * @return the count
     */
    int remaining() {
        return in.length - pos;
    }

    /**
     * Reads one unsigned byte.
     *
     * @param field what the byte is
     * @return 0 to 255
     */
    int u8(String field) {
        need(1, field);
        return in[pos++] & 0xff;
    }

    /**
     * Reads a boolean: a byte that is 0 or 1.
     *
     * @param field what the boolean is
     * @return the boolean
     */
    boolean bool(String field) {
        int at = pos;
        int b = u8(field);
        if (b > 1) {
            throw new CacheWireException("invalid " + field + ": boolean byte " + b + " (expected 0 or 1)", at);
        }
        return b == 1;
    }

    /**
     * Reads a 32-bit big-endian integer.
     *
     * @param field what the integer is
     * @return the integer
     */
    int i32(String field) {
        need(4, field);
        int v = (in[pos] & 0xff) << 24 | (in[pos + 1] & 0xff) << 16 | (in[pos + 2] & 0xff) << 8 | in[pos + 3] & 0xff;
        pos += 4;
        return v;
    }

    /**
     * Reads a 64-bit big-endian integer.
     *
     * @param field what the integer is
     * @return the integer
     */
    long i64(String field) {
        need(8, field);
        long high = i32(field) & 0xffffffffL;
        long low = i32(field) & 0xffffffffL;
        return high << 32 | low;
    }

    /**
     * Reads a length or count, between 0 and {@code max}.
     *
     * @param field what is measured, with the measure: {@code "key length"}, {@code "leases count"}
     * @param max the largest acceptable value
     * @return the value
     */
    int count(String field, int max) {
        int at = pos;
        int n = i32(field);
        if (n < 0) {
            throw new CacheWireException("negative " + field + " " + n, at);
        }
        if (n > max) {
            throw new CacheWireException(field + " " + n + " exceeds the limit of " + max, at);
        }
        return n;
    }

    /**
     * Reads a string: a length of at most {@link CacheWire#MAX_STRING_BYTES} and that many bytes of
     * well-formed UTF-8.
     *
     * @param field what the string is
     * @return the string
     */
    String string(String field) {
        int n = count(field + " length", CacheWire.MAX_STRING_BYTES);
        int at = pos;
        need(n, field);
        if (ascii(in, pos, n)) {
            // ASCII is UTF-8 as it is, and Latin-1 decoding copies it byte for byte.
            String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(in, pos, n)).toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new CacheWireException("malformed UTF-8 in " + field, at, e);
        }
    }

    private static boolean ascii(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads a byte array: a length of at most {@link CacheWire#MAX_VALUE_BYTES} and that many bytes.
     *
     * @param field what the bytes are
     * @return a new array
     */
    byte[] bytes(String field) {
        int n = count(field + " length", CacheWire.MAX_VALUE_BYTES);
        need(n, field);
        byte[] b = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return b;
    }

    /** Checks that the whole input was read. */
    void end() {
        if (pos != in.length) {
            throw new CacheWireException(remaining() + " trailing byte(s) after the message", pos);
        }
    }

    private void need(int n, String field) {
        if (n > in.length - pos) {
            throw new CacheWireException("input truncated: " + field + " needs " + n + " byte(s), " + (in.length - pos)
                    + " left", pos);
        }
    }
}
