package io.dsync.testkit.check;

import io.dsync.testkit.history.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of a {@link Checker}: a verdict, a human-readable description (of the first violation if the verdict
 * is {@link Verdict#INVALID}, otherwise a summary with any warnings), the events that witness it, and counters.
 * <p>
 * Immutable.
 *
 * @param checker the name of the checker
 * @param verdict the verdict
 * @param description what was found: times, keys, processes, tokens; multi-line
 * @param witness the events involved (for a violation) or worth a look (for warnings), in time order
 * @param counters named counts (operations seen, violations and warnings of each kind), in a stable order
 */
public record CheckResult(String checker, Verdict verdict, String description, List<Event> witness,
        Map<String, Long> counters) {

    /** Maximum number of witness events {@link #report()} prints. */
    public static final int MAX_REPORTED_EVENTS = 60;

    /** Whether the property holds. */
    public enum Verdict {
        /** The history satisfies the property. */
        VALID,
        /** The history proves a violation. */
        INVALID,
        /** The checker gave up (search budget exhausted); nothing is proven either way. */
        UNKNOWN
    }

    /**
     * Validates and copies.
     *
     * @param checker the checker name
     * @param verdict the verdict
     * @param description the description
     * @param witness the witness events
     * @param counters the counters
     * @throws NullPointerException if any argument is {@code null}
     */
    public CheckResult {
        Objects.requireNonNull(checker, "checker");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(description, "description");
        witness = List.copyOf(witness);
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }

    /** @return whether the verdict is {@link Verdict#VALID} */
    public boolean isValid() {
        return verdict == Verdict.VALID;
    }

    /**
     * Returns a counter.
     *
     * @param name the counter name
     * @return its value, 0 if absent
     */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /**
     * Renders the full report: verdict, description, witness events (at most {@link #MAX_REPORTED_EVENTS}, in the
     * history text format, so they can be pasted into a test) and counters.
     *
     * @return the report
     */
    public String report() {
        StringBuilder report = new StringBuilder(checker).append(": ").append(verdict).append('\n')
                .append(description.strip()).append('\n');
        if (!witness.isEmpty()) {
            report.append("events:\n");
            witness.stream().limit(MAX_REPORTED_EVENTS).forEach(e -> report.append("  ").append(e).append('\n'));
            if (witness.size() > MAX_REPORTED_EVENTS) {
                report.append("  ... ").append(witness.size() - MAX_REPORTED_EVENTS).append(" more\n");
            }
        }
        List<String> pairs = new ArrayList<>();
        counters.forEach((name, value) -> pairs.add(name + "=" + value));
        return report.append("counters: ").append(String.join(", ", pairs)).append('\n').toString();
    }

    /** Returns {@link #report()}. */
    @Override
    public String toString() {
        return report();
    }
}
