package io.dsync.cache.protocol;

/**
 * Bytes that are not a valid {@link CacheWire} envelope: an unknown format version, message type or enum
 * code, input that ends early or goes on after the message, a length or count out of range, malformed
 * UTF-8, or a field value the message does not allow (a grant id component below 1, a negative version...).
 * The message says what was wrong and at which offset of the input; {@link #offset()} gives the offset.
 * <p>
 * It is the only exception {@link CacheWire#decode(byte[])} throws for malformed input, so a receiver can
 * drop a bad message with one catch.
 */
public final class CacheWireException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * Creates the exception.
     *
     * @param problem what was wrong, without the offset
     * @param offset where in the input the bad field starts
     */
    public CacheWireException(String problem, int offset) {
        super(problem + " at offset " + offset);
        this.offset = offset;
    }

    /**
     * Creates the exception for a value that a record of the core refused.
     *
     * @param problem what was wrong, without the offset
     * @param offset where in the input the bad field starts
     * @param cause the record's exception
     */
    public CacheWireException(String problem, int offset, Throwable cause) {
        super(problem + " at offset " + offset, cause);
        this.offset = offset;
    }

    /**
     * Returns where in the input the bad field starts.
     *
     * @return the offset, 0 or more
     */
    public int offset() {
        return offset;
    }
}
