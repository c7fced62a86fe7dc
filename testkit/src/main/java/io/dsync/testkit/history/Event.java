package io.dsync.testkit.history;

import java.util.Objects;

/**
 * One line of a history: an invocation or a completion of an operation by a process.
 * <p>
 * Both events of an operation carry the same {@code opId}, process and {@link Operation}, so each event can be read
 * on its own in a report. Only completions have a value: the result of an {@link EventType#OK} completion (a value
 * read, a fencing token, delivered message ids, or {@code null}), or a free-text reason for {@link EventType#FAIL}
 * and {@link EventType#INFO}.
 * <p>
 * Immutable.
 *
 * @param time the timestamp from the history's {@link NanoClock}
 * @param process the client (process, session, thread) that performed the operation, not {@code null}
 * @param type invocation or kind of completion
 * @param opId the id pairing an invocation with its completion, unique per invocation within a history
 * @param operation the operation
 * @param value the result or reason of a completion, {@code null} for invocations
 */
public record Event(long time, String process, EventType type, long opId, Operation operation, String value) {

    /**
     * Validates.
     *
     * @param time the timestamp
     * @param process the process
     * @param type the event type
     * @param opId the operation id
     * @param operation the operation
     * @param value the result or reason
     * @throws NullPointerException if {@code process}, {@code type} or {@code operation} is {@code null}
     * @throws IllegalArgumentException if an invocation has a value
     */
    public Event {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(operation, "operation");
        if (type == EventType.INVOKE && value != null) {
            throw new IllegalArgumentException("an invocation has no value: " + value);
        }
    }

    /** Returns the event as one line of the history text format (see {@link History#parse}). */
    @Override
    public String toString() {
        return HistoryText.format(this);
    }
}
