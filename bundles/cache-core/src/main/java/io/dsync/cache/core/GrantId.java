package io.dsync.cache.core;

/**
 * Names one grant of a right on a key by a home: the home epoch, the incarnation of the home's
 * directory, and a sequence number the directory increments for every grant. Grant ids are totally
 * ordered, and a later grant for a key always has a larger id: a key's home epochs only grow, a home
 * that restarts without an epoch change (it was back before the ring noticed) has a larger
 * incarnation, and a directory numbers its grants upwards.
 * <p>
 * The grant id of an owner (E or M) is also its <em>fence</em> in main memory: every read the home
 * makes before a grant raises the key's stored fence to the new grant's id, and main memory accepts a
 * write only if the writer's fence is at least the stored one. A holder whose right ended without its
 * cooperation (crash, partition) can therefore never write after the next grant.
 *
 * @param epoch the home epoch under which the grant was made, at least 1
 * @param incarnation the incarnation of the granting directory, at least 1
 * @param seq the directory's sequence number of the grant, at least 1
 */
public record GrantId(long epoch, long incarnation, long seq) implements Comparable<GrantId> {

    /**
     * Validates the id.
     *
     * @param epoch the home epoch
     * @param incarnation the directory's incarnation
     * @param seq the sequence number
     * @throws IllegalArgumentException if a component is less than 1
     */
    public GrantId {
        if (epoch < 1 || incarnation < 1 || seq < 1) {
            throw new IllegalArgumentException("grant id components must be positive, were " + epoch + "."
                    + incarnation + "." + seq);
        }
    }

    @Override
    public int compareTo(GrantId o) {
        int c = Long.compare(epoch, o.epoch);
        if (c == 0) {
            c = Long.compare(incarnation, o.incarnation);
        }
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    /**
     * Returns the later of two ids.
     *
     * @param a an id, or {@code null}
     * @param b an id, or {@code null}
     * @return the later one, {@code null} only if both are
     */
    public static GrantId max(GrantId a, GrantId b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public String toString() {
        return epoch + "." + incarnation + "." + seq;
    }
}
