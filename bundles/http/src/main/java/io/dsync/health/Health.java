package io.dsync.health;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link HealthContributor} reports: healthy, or the problems an operator should see, each a short sentence
 * that says what is wrong and, where it can, what to do ({@code "Redis unreachable at 127.0.0.1:6379: connection
 * refused"}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param problems what is wrong; empty when healthy
 */
public record Health(List<String> problems) {

    private static final Health UP = new Health(List.of());

    /**
     * @throws NullPointerException when {@code problems} or one of them is {@code null}
     * @throws IllegalArgumentException when a problem is blank: a problem without words helps nobody
     */
    public Health {
        problems = List.copyOf(problems);
        for (String p : problems) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("a health problem must say what is wrong");
            }
        }
    }

    /** @return healthy: no problems */
    public static Health up() {
        return UP;
    }

    /**
     * @param problems at least one problem
     * @return unhealthy with these problems
     * @throws IllegalArgumentException when there is no problem or one is blank
     */
    public static Health down(String... problems) {
        Objects.requireNonNull(problems, "problems");
        if (problems.length == 0) {
            throw new IllegalArgumentException("down() needs at least one problem; use up() when there is none");
        }
        return new Health(List.of(problems));
    }

    /** @return whether there is no problem */
    public boolean healthy() {
        return problems.isEmpty();
    }
}
