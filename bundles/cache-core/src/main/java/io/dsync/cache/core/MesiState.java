package io.dsync.cache.core;

/**
 * The MESI state of one key's copy on one node, ordered from the strongest right to none.
 * <p>
 * A node holds a key in {@link #MODIFIED}, {@link #EXCLUSIVE} or {@link #SHARED} only while its lease
 * on the key runs; an expired lease is {@link #INVALID}, whatever the line still says. In
 * {@link io.dsync.cache.WriteMode#WRITE_THROUGH WRITE_THROUGH} caches lines are never {@link #MODIFIED}:
 * the owner writes main memory before a write completes and keeps a clean {@link #EXCLUSIVE} copy.
 */
public enum MesiState {

    /** The only copy, newer than main memory: written back before it is given up. */
    MODIFIED('M'),

    /** The only copy, equal to main memory: may be written without asking the home. */
    EXCLUSIVE('E'),

    /** One of possibly several read-only copies, equal to main memory. */
    SHARED('S'),

    /** No copy. */
    INVALID('I');

    private final char letter;

    MesiState(char letter) {
        this.letter = letter;
    }

    /**
     * Returns the state's letter, as in the state tables.
     *
     * @return M, E, S or I
     */
    public char letter() {
        return letter;
    }

    /**
     * Tells whether this state grants at least the rights of another.
     *
     * @param other the other state
     * @return {@code true} if this state is as strong as {@code other} or stronger
     */
    public boolean atLeast(MesiState other) {
        return ordinal() <= other.ordinal();
    }

    /**
     * Returns the weaker of two states.
     *
     * @param a a state
     * @param b another state
     * @return the state with fewer rights
     */
    public static MesiState weaker(MesiState a, MesiState b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    /**
     * Tells whether this state makes its holder the key's only holder (E or M).
     *
     * @return {@code true} for {@link #MODIFIED} and {@link #EXCLUSIVE}
     */
    public boolean exclusive() {
        return this == MODIFIED || this == EXCLUSIVE;
    }
}
