package io.dsync.lock;

import java.io.Serializable;

/**
 * Identifier of a {@linkplain LockSession lock session}, the owner of lock holds.
 * <p>
 * Session ids are assigned by the service when a session is opened and are unique in the cluster for
 * its whole lifetime (they are never reused). They are opaque: callers may log and compare them but
 * must not parse them.
 *
 * @param value the id, 1 to {@value #MAX_LENGTH} printable ASCII characters (U+0021 to U+007E)
 * @serial exclude
 */
public record SessionId(String value) implements Serializable {

    /** Maximum length of a session id, in characters. */
    public static final int MAX_LENGTH = 128;

    /**
     * Validates the id.
     *
     * @param value the id, 1 to {@value #MAX_LENGTH} printable ASCII characters
     * @throws NullPointerException if {@code value} is {@code null}
     * @throws InvalidLockRequestException if {@code value} is empty, longer than {@value #MAX_LENGTH}
     *     characters or contains a character outside U+0021 to U+007E
     */
    public SessionId {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (value.isEmpty()) {
            throw new InvalidLockRequestException("value", "session id must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidLockRequestException("value", "session id must be at most " + MAX_LENGTH
                    + " characters, was " + value.length() + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new InvalidLockRequestException("value", String.format(
                        "session id must consist of printable ASCII characters (U+0021 to U+007E), "
                                + "found U+%04X at index %d", (int) c, i));
            }
        }
    }

    /**
     * Returns the id itself.
     *
     * @return {@link #value()}
     */
    @Override
    public String toString() {
        return value;
    }
}
