package io.dsync.testkit.check;

import io.dsync.testkit.history.Operation;

/**
 * The lock and fenced-resource operations understood by {@link MutualExclusionChecker}. The process of each call is
 * the lock client (session).
 * <ul>
 *   <li>{@code acquire <lock> SHARED|EXCLUSIVE} &mdash; {@code ok} with the fencing token (a decimal {@code long},
 *       or {@code nil} for locks without tokens) as result; {@code fail} when not granted; {@code info} when
 *       unknown.</li>
 *   <li>{@code release <lock> <token>} &mdash; invoked when the client stops using the grant with that token
 *       ({@code nil}: its latest grant of the lock); the outcome only matters for reentrancy.</li>
 *   <li>{@code fenced-write <lock> <token> <value>} &mdash; an access to the resource guarded by the lock:
 *       {@code ok} when the resource accepted it, {@code fail} when it rejected the token, {@code info} when
 *       unknown. {@link FencedResource} records these itself.</li>
 * </ul>
 * Stateless.
 */
public final class LockOps {

    /** Type of an acquisition. */
    public static final String ACQUIRE = "acquire";
    /** Type of a release. */
    public static final String RELEASE = "release";
    /** Type of an access to the fenced resource. */
    public static final String FENCED_WRITE = "fenced-write";

    /** Lock modes, as written in the history. */
    public enum Mode {
        /** Any number of holders at once, never together with an exclusive holder. */
        SHARED,
        /** At most one holder. */
        EXCLUSIVE
    }

    private LockOps() {
    }

    /**
     * @param lock the lock name
     * @param mode the requested mode
     * @return an acquisition; complete it with {@link #token(long)} as result
     */
    public static Operation acquire(String lock, Mode mode) {
        return Operation.of(ACQUIRE, lock, mode.name());
    }

    /**
     * @param lock the lock name
     * @param token the fencing token of the grant being released
     * @return a release
     */
    public static Operation release(String lock, long token) {
        return Operation.of(RELEASE, lock, token(token));
    }

    /**
     * @param lock the lock guarding the resource
     * @param token the fencing token presented
     * @param value the value written
     * @return an access to the fenced resource
     */
    public static Operation fencedWrite(String lock, long token, String value) {
        return Operation.of(FENCED_WRITE, lock, token(token), value);
    }

    /**
     * @param token a fencing token
     * @return its text form, the result of an {@code ok} acquisition
     */
    public static String token(long token) {
        return Long.toString(token);
    }
}
