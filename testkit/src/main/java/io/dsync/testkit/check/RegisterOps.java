package io.dsync.testkit.check;

import io.dsync.testkit.history.Operation;

/**
 * The operations on per-key registers understood by {@link LinearizabilityChecker}; a {@code null} value means
 * "absent".
 * <ul>
 *   <li>{@code read k} &mdash; {@code ok} with the value read as result; {@code fail}/{@code info} reads are
 *       ignored.</li>
 *   <li>{@code write k v} &mdash; {@code ok} when stored; {@code info} may have been stored.</li>
 *   <li>{@code cas k expected new} &mdash; {@code ok} when swapped; {@code fail} when it did not swap (the value did
 *       not match, or it was rejected); {@code info} when unknown.</li>
 * </ul>
 * A removal is a write of {@code null}. Stateless.
 */
public final class RegisterOps {

    /** Type of a read. */
    public static final String READ = "read";
    /** Type of a write. */
    public static final String WRITE = "write";
    /** Type of a compare-and-set. */
    public static final String CAS = "cas";

    private RegisterOps() {
    }

    /**
     * @param key the key
     * @return a read; complete it with the value read
     */
    public static Operation read(String key) {
        return Operation.of(READ, key);
    }

    /**
     * @param key the key
     * @param value the value, {@code null} to remove
     * @return a write
     */
    public static Operation write(String key, String value) {
        return Operation.of(WRITE, key, value);
    }

    /**
     * @param key the key
     * @param expected the expected current value, {@code null} for absent
     * @param newValue the value to set, {@code null} to remove
     * @return a compare-and-set; complete it with {@code fail} when it did not swap
     */
    public static Operation cas(String key, String expected, String newValue) {
        return Operation.of(CAS, key, expected, newValue);
    }
}
