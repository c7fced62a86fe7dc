package io.dsync.testkit.history;

import java.util.List;
import java.util.Objects;

/**
 * An invocation paired with its completion, if any. A call without completion is <em>pending</em>: the client never
 * learned the outcome, which counts as {@link EventType#INFO}.
 * <p>
 * Real-time order: call {@code a} precedes call {@code b} only if {@code a} completed <em>strictly</em> before
 * {@code b} was invoked; equal timestamps mean "concurrent", which is the conservative reading for checkers.
 * <p>
 * Immutable.
 *
 * @param invoke the invocation
 * @param completion the completion, or {@code null} if the call is pending
 */
public record Call(Event invoke, Event completion) {

    /**
     * Validates the pairing.
     *
     * @param invoke the invocation
     * @param completion the completion, or {@code null}
     * @throws NullPointerException if {@code invoke} is {@code null}
     * @throws IllegalArgumentException if the events are not an invocation and a completion of the same operation
     */
    public Call {
        Objects.requireNonNull(invoke, "invoke");
        if (invoke.type() != EventType.INVOKE) {
            throw new IllegalArgumentException("not an invocation: " + invoke);
        }
        if (completion != null && (!completion.type().isCompletion() || completion.opId() != invoke.opId())) {
            throw new IllegalArgumentException("not a completion of #" + invoke.opId() + ": " + completion);
        }
    }

    /** @return the operation id */
    public long id() {
        return invoke.opId();
    }

    /** @return the process that made the call */
    public String process() {
        return invoke.process();
    }

    /** @return the operation */
    public Operation operation() {
        return invoke.operation();
    }

    /** @return the operation type */
    public String type() {
        return invoke.operation().type();
    }

    /** @return the key of the operation, possibly {@code null} */
    public String key() {
        return invoke.operation().key();
    }

    /** @return the completion type; {@link EventType#INFO} for a pending call */
    public EventType outcome() {
        return completion == null ? EventType.INFO : completion.type();
    }

    /** @return whether the call definitely took effect */
    public boolean isOk() {
        return outcome() == EventType.OK;
    }

    /** @return whether the call definitely did not take effect */
    public boolean isFail() {
        return outcome() == EventType.FAIL;
    }

    /** @return whether the outcome is unknown (info completion, or pending) */
    public boolean isUnknown() {
        return outcome() == EventType.INFO;
    }

    /** @return whether the call has no completion at all */
    public boolean isPending() {
        return completion == null;
    }

    /** @return the completion's value (result or reason), or {@code null} */
    public String result() {
        return completion == null ? null : completion.value();
    }

    /** @return the invocation time */
    public long invokeTime() {
        return invoke.time();
    }

    /** @return the completion time, or {@link Long#MAX_VALUE} for a pending call */
    public long completionTime() {
        return completion == null ? Long.MAX_VALUE : completion.time();
    }

    /** @return the one or two events of the call, invocation first */
    public List<Event> events() {
        return completion == null ? List.of(invoke) : List.of(invoke, completion);
    }
}
