package io.dsync.lock.core;

import java.util.List;
import java.util.Objects;

/**
 * What applying one log entry produced: the direct outcome of its command and the effects on other
 * requests and sessions, in the order in which they happened. Equal on every replica that applied
 * the same entries in the same order.
 *
 * @param outcome the direct outcome of the command
 * @param effects the effects: expiries made due by the entry's time (applied first), then the
 *     consequences of the command itself
 */
public record ApplyResult(Outcome outcome, List<Effect> effects) {

    /**
     * Validates the result and makes an immutable copy of the effects.
     *
     * @param outcome the direct outcome
     * @param effects the effects
     * @throws NullPointerException if a component or an effect is {@code null}
     */
    public ApplyResult {
        Objects.requireNonNull(outcome, "outcome");
        effects = List.copyOf(effects);
    }
}
