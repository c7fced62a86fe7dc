package io.dsync.queue.core;

/**
 * The id of an entry of a Redis stream, {@code <millis>-<sequence>}: the millisecond time of the
 * append on the storage's clock and a sequence number within that millisecond. Ids are ordered
 * numerically, first by {@code millis}, then by {@code sequence}, which is the order of the stream.
 * <p>
 * The text form is strict, so that {@link #parse(String)} and {@link #toString()} are inverse of each
 * other: two runs of decimal digits separated by one {@code '-'}, without sign, blanks or leading
 * zeros, each at most {@link Long#MAX_VALUE}. Instances are immutable.
 *
 * @param millis the millisecond part, not negative
 * @param sequence the sequence part, not negative
 */
public record EntryId(long millis, long sequence) implements Comparable<EntryId> {

    /**
     * Validates the parts.
     *
     * @param millis the millisecond part
     * @param sequence the sequence part
     * @throws IllegalArgumentException if a part is negative
     */
    public EntryId {
        if (millis < 0) {
            throw new IllegalArgumentException("entry id millis must not be negative, was " + millis);
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("entry id sequence must not be negative, was " + sequence);
        }
    }

    /**
     * Parses the text form, e.g. {@code "1700000000000-3"}.
     *
     * @param text the text form
     * @return the id
     * @throws NullPointerException if {@code text} is {@code null}
     * @throws IllegalArgumentException if {@code text} is not in the strict form; the message quotes the
     *     text and names the problem
     */
    public static EntryId parse(String text) {
        if (text == null) {
            throw new NullPointerException("text");
        }
        int dash = text.indexOf('-');
        if (dash < 0) {
            throw invalid(text, "no '-' between millis and sequence");
        }
        if (text.indexOf('-', dash + 1) >= 0) {
            throw invalid(text, "more than one '-'");
        }
        long millis = parsePart(text, 0, dash, "millis");
        long sequence = parsePart(text, dash + 1, text.length(), "sequence");
        return new EntryId(millis, sequence);
    }

    /**
     * Parses one run of decimal digits.
     *
     * @param text the whole text, for messages
     * @param from the first index of the part
     * @param to the index after the part
     * @param name the name of the part, for messages
     * @return the value
     */
    private static long parsePart(String text, int from, int to, String name) {
        if (from == to) {
            throw invalid(text, "empty " + name + " part");
        }
        if (to - from > 1 && text.charAt(from) == '0') {
            throw invalid(text, "leading zero in the " + name + " part");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(text, "character '" + c + "' at index " + i + " is not a decimal digit");
            }
            int digit = c - '0';
            if (value > (Long.MAX_VALUE - digit) / 10) {
                throw invalid(text, name + " part exceeds " + Long.MAX_VALUE);
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /**
     * Builds the exception for a malformed id.
     *
     * @param text the text
     * @param problem what is wrong
     * @return the exception
     */
    private static IllegalArgumentException invalid(String text, String problem) {
        return new IllegalArgumentException("invalid entry id '" + text + "': " + problem
                + "; expected <millis>-<sequence> in decimal digits, e.g. 1700000000000-3");
    }

    /**
     * Orders by {@code millis}, then by {@code sequence}: the order of the stream.
     *
     * @param other the id to compare with
     * @return a negative number, zero or a positive number as this id is before, equal to or after
     *     {@code other}
     */
    @Override
    public int compareTo(EntryId other) {
        int c = Long.compare(millis, other.millis);
        return c != 0 ? c : Long.compare(sequence, other.sequence);
    }

    /**
     * Returns the text form accepted by {@link #parse(String)} and used by Redis.
     *
     * @return {@code <millis>-<sequence>}
     */
    @Override
    public String toString() {
        return millis + "-" + sequence;
    }
}
