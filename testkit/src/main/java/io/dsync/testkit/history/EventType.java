package io.dsync.testkit.history;

import java.util.Locale;

/**
 * The kind of a history {@link Event}: the invocation of an operation, or one of its three possible completions.
 */
public enum EventType {
    /** A client is about to start the operation; recorded before the request leaves the client. */
    INVOKE,
    /** The operation definitely took effect; the event's value is its result. */
    OK,
    /** The operation definitely did not take effect (for example a compare-and-set that did not match). */
    FAIL,
    /**
     * The outcome is unknown (timeout, lost connection, crash): the operation may or may not take effect, possibly
     * long after this event. An invocation that is never completed is treated the same way.
     */
    INFO;

    /**
     * Tells whether this is a completion.
     *
     * @return {@code true} for {@link #OK}, {@link #FAIL} and {@link #INFO}
     */
    public boolean isCompletion() {
        return this != INVOKE;
    }

    /**
     * Returns the lower-case name used in the text format ({@code invoke}, {@code ok}, {@code fail}, {@code info}).
     *
     * @return the text label
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
