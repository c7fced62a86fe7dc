package io.dsync.testkit.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a client asked for: an operation type (for example {@code write}, {@code acquire}, {@code send}), the key
 * it applies to, and its arguments. Keys and arguments are strings, and {@code null} stands for "absent" (a missing
 * value, no ordering key). The vocabularies understood by the checkers are defined in
 * {@code io.dsync.testkit.check} ({@code RegisterOps}, {@code LockOps}, {@code QueueOps}); other types may be
 * recorded freely and are ignored by checkers that do not know them.
 * <p>
 * Immutable.
 *
 * @param type the operation type, not empty
 * @param key the key, lock name or ordering key, or {@code null}
 * @param args the arguments, each possibly {@code null}; copied into an unmodifiable list
 */
public record Operation(String type, String key, List<String> args) {

    /**
     * Validates and copies.
     *
     * @param type the operation type
     * @param key the key, or {@code null}
     * @param args the arguments; {@code null} means none
     * @throws NullPointerException if {@code type} is {@code null}
     * @throws IllegalArgumentException if {@code type} is empty
     */
    public Operation {
        Objects.requireNonNull(type, "type");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("operation type must not be empty");
        }
        // List.copyOf would reject null arguments, which mean "absent" here.
        args = args == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(args));
    }

    /**
     * Creates an operation.
     *
     * @param type the operation type
     * @param key the key, or {@code null}
     * @param args the arguments, each possibly {@code null}
     * @return the operation
     */
    public static Operation of(String type, String key, String... args) {
        return new Operation(type, key, Arrays.asList(args));
    }

    /**
     * Returns an argument, or {@code null} if there are fewer arguments.
     *
     * @param index the zero-based index
     * @return the argument, or {@code null}
     */
    public String arg(int index) {
        return index < args.size() ? args.get(index) : null;
    }

    /** Returns the operation in the history text format, e.g. {@code cas x 1 2}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(HistoryText.token(type)).append(' ').append(HistoryText.token(key));
        for (String arg : args) {
            text.append(' ').append(HistoryText.token(arg));
        }
        return text.toString();
    }
}
