package io.dsync.cache.core;

import java.util.Optional;

/** What the writing operations do to a key's value. */
final class Mutations {

    private Mutations() {
    }

    /**
     * Tells whether an operation writes, given the current value: a put or compute always does, a
     * putIfAbsent only without a value, a remove only with one. One that does not write is answered from
     * any valid copy.
     */
    static boolean needsWrite(Op op, Versioned current) {
        if (op instanceof Op.PutIfAbsent) {
            return !current.present();
        }
        if (op instanceof Op.Remove) {
            return current.present();
        }
        return true;
    }

    /**
     * Returns the value an operation writes over the current one ({@code null}: a tombstone).
     *
     * @throws RuntimeException what a compute's function throws, or {@link NullPointerException} if it
     *     returns {@code null}
     */
    static byte[] newValue(Op op, Versioned current) {
        if (op instanceof Op.Put p) {
            return p.value();
        }
        if (op instanceof Op.PutIfAbsent p) {
            return p.value();
        }
        if (op instanceof Op.Compute c) {
            Optional<byte[]> result = c.remapping().apply(current.optional());
            if (result == null) {
                throw new NullPointerException("the remapping function of compute returned null for key '"
                        + c.key() + "'");
            }
            return result.orElse(null);
        }
        return null;
    }
}
