package io.dsync.queue;

import java.io.Serializable;

/**
 * Identifier of a message, assigned by the service when the message is enqueued.
 * <p>
 * Message ids are unique in the cluster and stable: every redelivery of a message carries the same id,
 * and a message moved to a dead-letter queue keeps it. This makes the id the natural idempotency key
 * for consumers. Ids are opaque: callers may log, store and compare them but must not parse them.
 *
 * @param value the id, 1 to {@value #MAX_LENGTH} printable ASCII characters (U+0021 to U+007E)
 * @serial exclude
 */
public record MessageId(String value) implements Serializable {

    /** Maximum length of a message id, in characters. */
    public static final int MAX_LENGTH = 128;

    /**
     * Validates the id.
     *
     * @param value the id
     * @throws NullPointerException if {@code value} is {@code null}
     * @throws InvalidQueueRequestException if {@code value} is empty, longer than {@value #MAX_LENGTH}
     *     characters or contains a character outside U+0021 to U+007E
     */
    public MessageId {
        if (value == null) {
            throw new NullPointerException("value");
        }
        if (value.isEmpty()) {
            throw new InvalidQueueRequestException("value", "message id must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidQueueRequestException("value", "message id must be at most " + MAX_LENGTH
                    + " characters, was " + value.length() + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new InvalidQueueRequestException("value", String.format(
                        "message id must consist of printable ASCII characters (U+0021 to U+007E), "
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
