package io.dsync.testkit.check;

import io.dsync.testkit.history.History;

/**
 * Judges a {@link History} against one consistency property.
 * <p>
 * Contract: a checker never reports a violation that the history does not prove (operations with unknown outcome
 * and concurrent operations are read in the most favourable way); it reports the earliest violation it finds, and
 * returns {@link CheckResult.Verdict#UNKNOWN} rather than searching without bound. It throws
 * {@link io.dsync.testkit.history.MalformedHistoryException} only for histories it cannot interpret.
 * <p>
 * Thread-safety: the implementations in this package are immutable and may be shared.
 */
@FunctionalInterface
public interface Checker {

    /**
     * Checks a history.
     *
     * @param history the history
     * @return the verdict, the report of the first violation and counters
     */
    CheckResult check(History history);
}
