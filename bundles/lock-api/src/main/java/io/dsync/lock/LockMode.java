package io.dsync.lock;

/**
 * The mode in which a lock is requested or held.
 * <p>
 * Compatibility: any number of sessions may hold a lock in {@link #SHARED} mode at the same time; a
 * lock held in {@link #EXCLUSIVE} mode has exactly one holder and no shared holders.
 */
public enum LockMode {

    /** Read mode: compatible with other shared holders, incompatible with an exclusive holder. */
    SHARED,

    /** Write mode: incompatible with every other holder. */
    EXCLUSIVE;

    /**
     * Tells whether a hold in this mode by one session can coexist with a hold in {@code other} mode
     * by a different session.
     *
     * @param other the mode of the other session's hold or request
     * @return {@code true} only if both modes are {@link #SHARED}
     * @throws NullPointerException if {@code other} is {@code null}
     */
    public boolean isCompatibleWith(LockMode other) {
        if (other == null) {
            throw new NullPointerException("other");
        }
        return this == SHARED && other == SHARED;
    }

    /**
     * Tells whether a hold in this mode already satisfies a request for {@code requested} by the same
     * session, i.e. whether such a request is a reentrant acquisition. {@link #EXCLUSIVE} covers both
     * modes; {@link #SHARED} covers only {@link #SHARED}.
     *
     * @param requested the requested mode
     * @return {@code true} if this mode is at least as strong as {@code requested}
     * @throws NullPointerException if {@code requested} is {@code null}
     */
    public boolean covers(LockMode requested) {
        if (requested == null) {
            throw new NullPointerException("requested");
        }
        return this == EXCLUSIVE || requested == SHARED;
    }
}
