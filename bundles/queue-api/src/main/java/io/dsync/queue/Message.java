package io.dsync.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An outgoing message: an optional ordering key, an opaque payload and string headers.
 * <p>
 * Instances are immutable and validated on construction: the payload is copied on the way in and on
 * the way out, and the headers are copied into an unmodifiable map sorted by name. Build messages
 * fluently:
 * <pre>{@code
 * Message message = Message.of("customer-17", json)
 *         .withHeader("content-type", "application/json")
 *         .withHeader("trace-id", traceId);
 * }</pre>
 * Each {@code withXxx} call copies the payload; for very large payloads prefer the canonical
 * constructor, which copies it once.
 *
 * <h2 id="keys">Keys</h2>
 * Messages with the same non-null key are delivered in order, one at a time (see
 * {@link QueueService} for the exact guarantee). A key is any string of 1 to {@value #MAX_KEY_BYTES}
 * bytes in UTF-8 without ISO control characters and unpaired surrogates. A {@code null} key means the
 * message is unordered.
 *
 * <h2 id="headers">Headers</h2>
 * At most {@value #MAX_HEADERS} headers. Header names follow the syntax of
 * {@linkplain QueueConfig#requireValidName(String) queue names} (1 to
 * {@value #MAX_HEADER_NAME_LENGTH} ASCII letters, digits, {@code '.'}, {@code '_'}, {@code '-'},
 * starting with a letter or digit) and are case-sensitive; names starting with
 * {@value #RESERVED_HEADER_PREFIX} (in any case) are reserved for the service. Values are arbitrary
 * strings of at most {@value #MAX_HEADER_VALUE_BYTES} UTF-8 bytes.
 * <p>
 * The payload size is not limited here but by the {@linkplain QueueConfig#maxPayloadBytes() limit of
 * the target queue}, checked when the message is sent.
 *
 * @param key the ordering key, or {@code null} for an unordered message; see <a href="#keys">keys</a>
 * @param payload the payload, possibly empty; never interpreted by the service
 * @param headers the headers, possibly empty; see <a href="#headers">headers</a>
 */
public record Message(String key, byte[] payload, Map<String, String> headers) {

    /** Maximum length of a key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 256;

    /** Maximum number of headers of a message. */
    public static final int MAX_HEADERS = 64;

    /** Maximum length of a header name, in characters. */
    public static final int MAX_HEADER_NAME_LENGTH = 128;

    /** Maximum length of a header value, in UTF-8 bytes. */
    public static final int MAX_HEADER_VALUE_BYTES = 4096;

    /** Prefix of the header names reserved for the service (compared case-insensitively). */
    public static final String RESERVED_HEADER_PREFIX = "dsync-";

    /**
     * Header added to a dead-lettered message: the queue it was dead-lettered from.
     */
    public static final String HEADER_ORIGINAL_QUEUE = "dsync-original-queue";

    /**
     * Header added to a dead-lettered message: why it was dead-lettered, {@code "max-deliveries"} or
     * {@code "nack"}.
     */
    public static final String HEADER_DEAD_LETTER_REASON = "dsync-dead-letter-reason";

    /**
     * Header added to a dead-lettered message: its delivery count in the original queue, in decimal.
     */
    public static final String HEADER_DELIVERY_COUNT = "dsync-delivery-count";

    /** The syntax of header names. */
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Number of characters of an invalid value quoted in exception messages. */
    private static final int PREVIEW_CHARS = 64;

    /**
     * Validates the message and makes defensive copies of the payload and the headers.
     *
     * @param key the ordering key, or {@code null} for an unordered message
     * @param payload the payload
     * @param headers the headers
     * @throws NullPointerException if {@code payload}, {@code headers}, or a header name or value is
     *     {@code null}
     * @throws InvalidQueueRequestException if the key or a header violates the rules above; the
     *     message names the offending value and the limit
     */
    public Message {
        if (key != null) {
            requireValidKey(key);
        }
        if (payload == null) {
            throw new NullPointerException("payload");
        }
        payload = payload.clone();
        headers = copyHeaders(headers);
    }

    /**
     * Creates an unordered message without headers.
     *
     * @param payload the payload
     * @return the message
     * @throws NullPointerException if {@code payload} is {@code null}
     */
    public static Message of(byte[] payload) {
        return new Message(null, payload, Map.of());
    }

    /**
     * Creates a message with a key and without headers.
     *
     * @param key the ordering key, or {@code null} for an unordered message
     * @param payload the payload
     * @return the message
     * @throws NullPointerException if {@code payload} is {@code null}
     * @throws InvalidQueueRequestException if {@code key} is not a valid key
     */
    public static Message of(String key, byte[] payload) {
        return new Message(key, payload, Map.of());
    }

    /**
     * Returns a copy with another key.
     *
     * @param newKey the ordering key, or {@code null} for an unordered message
     * @return the new message
     * @throws InvalidQueueRequestException if {@code newKey} is not a valid key
     */
    public Message withKey(String newKey) {
        return new Message(newKey, payload, headers);
    }

    /**
     * Returns a copy with another payload.
     *
     * @param newPayload the payload
     * @return the new message
     * @throws NullPointerException if {@code newPayload} is {@code null}
     */
    public Message withPayload(byte[] newPayload) {
        return new Message(key, newPayload, headers);
    }

    /**
     * Returns a copy with one header added or replaced.
     *
     * @param name the header name
     * @param value the header value
     * @return the new message
     * @throws NullPointerException if {@code name} or {@code value} is {@code null}
     * @throws InvalidQueueRequestException if the header is invalid or there would be more than
     *     {@value #MAX_HEADERS} headers
     */
    public Message withHeader(String name, String value) {
        if (name == null) {
            throw new NullPointerException("header name");
        }
        Map<String, String> newHeaders = new TreeMap<>(headers);
        newHeaders.put(name, value);
        return new Message(key, payload, newHeaders);
    }

    /**
     * Returns a copy with all headers replaced.
     *
     * @param newHeaders the headers
     * @return the new message
     * @throws NullPointerException if {@code newHeaders}, or a name or value in it, is {@code null}
     * @throws InvalidQueueRequestException if a header is invalid or there are too many
     */
    public Message withHeaders(Map<String, String> newHeaders) {
        return new Message(key, payload, newHeaders);
    }

    /**
     * Returns a copy of the payload.
     *
     * @return a new array with the payload
     */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /**
     * Returns a read-only view of the payload, without copying it.
     *
     * @return a read-only buffer positioned at 0 with the payload size as limit
     */
    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /**
     * Returns the payload size.
     *
     * @return the size of the payload in bytes
     */
    public int payloadSize() {
        return payload.length;
    }

    /**
     * Compares key, payload content and headers.
     *
     * @param other the object to compare with
     * @return {@code true} if {@code other} is a message with equal key, payload bytes and headers
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Message m && Objects.equals(key, m.key)
                && Arrays.equals(payload, m.payload) && headers.equals(m.headers);
    }

    /**
     * Hashes key, payload content and headers.
     *
     * @return a hash code consistent with {@link #equals(Object)}
     */
    @Override
    public int hashCode() {
        return 31 * (31 * Objects.hashCode(key) + Arrays.hashCode(payload)) + headers.hashCode();
    }

    /**
     * Describes the message without its payload content.
     *
     * @return e.g. {@code Message[key=customer-17, payload=120 bytes, headers={content-type=...}]}
     */
    @Override
    public String toString() {
        return "Message[key=" + key + ", payload=" + payload.length + " bytes, headers=" + headers + "]";
    }

    /**
     * Checks that a string is a valid message key (see <a href="#keys">keys</a>).
     *
     * @param key the candidate key
     * @return {@code key}, for chaining
     * @throws NullPointerException if {@code key} is {@code null}
     * @throws InvalidQueueRequestException if {@code key} is empty, longer than
     *     {@value #MAX_KEY_BYTES} UTF-8 bytes, or contains a control character or an unpaired
     *     surrogate
     */
    public static String requireValidKey(String key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.isEmpty()) {
            throw new InvalidQueueRequestException("key", "message key must not be empty; use null for no key");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidQueueRequestException("key", String.format(
                        "message key must not contain control characters, found U+%04X at index %d", (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidQueueRequestException("key", String.format(
                        "message key must not contain unpaired surrogates, found U+%04X at index %d", (int) c, i));
            }
        }
        int bytes = utf8Length(key);
        if (bytes > MAX_KEY_BYTES) {
            throw new InvalidQueueRequestException("key", "message key must be at most " + MAX_KEY_BYTES
                    + " UTF-8 bytes, was " + bytes + " bytes: '" + preview(key) + "'");
        }
        return key;
    }

    /**
     * Validates the headers and copies them into an unmodifiable map sorted by name.
     *
     * @param headers the headers
     * @return the copy
     */
    private static Map<String, String> copyHeaders(Map<String, String> headers) {
        if (headers == null) {
            throw new NullPointerException("headers");
        }
        if (headers.size() > MAX_HEADERS) {
            throw new InvalidQueueRequestException("headers", "a message must have at most " + MAX_HEADERS
                    + " headers, had " + headers.size());
        }
        Map<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = header.getKey();
            String value = header.getValue();
            if (name == null) {
                throw new NullPointerException("header name");
            }
            if (value == null) {
                throw new NullPointerException("value of header '" + name + "'");
            }
            if (name.isEmpty() || name.length() > MAX_HEADER_NAME_LENGTH || !HEADER_NAME.matcher(name).matches()) {
                throw new InvalidQueueRequestException("headers", "header name must be 1 to "
                        + MAX_HEADER_NAME_LENGTH + " ASCII letters, digits, '.', '_' and '-' starting with a "
                        + "letter or digit, was '" + preview(name) + "' (" + name.length() + " characters)");
            }
            if (name.toLowerCase(Locale.ROOT).startsWith(RESERVED_HEADER_PREFIX)) {
                throw new InvalidQueueRequestException("headers", "header name '" + name
                        + "' uses the reserved prefix '" + RESERVED_HEADER_PREFIX + "'");
            }
            int valueBytes = utf8Length(value);
            if (valueBytes > MAX_HEADER_VALUE_BYTES) {
                throw new InvalidQueueRequestException("headers", "value of header '" + name + "' must be at most "
                        + MAX_HEADER_VALUE_BYTES + " UTF-8 bytes, was " + valueBytes + " bytes");
            }
            copy.put(name, value);
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Computes the UTF-8 length of a string.
     *
     * @param s the string
     * @return its length in UTF-8 bytes
     */
    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Shortens a string for inclusion in an exception message.
     *
     * @param s the string
     * @return {@code s}, or its first characters followed by {@code "..."}
     */
    private static String preview(String s) {
        if (s.length() <= PREVIEW_CHARS) {
            return s;
        }
        int end = PREVIEW_CHARS;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "...";
    }
}
