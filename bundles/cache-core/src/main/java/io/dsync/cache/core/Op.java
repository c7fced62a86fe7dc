package io.dsync.cache.core;

import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * An operation of the cache API, submitted to a {@link CacheNode}. Keys and values arrive validated
 * and encoded: the adapter checks key syntax, value size and codecs before submitting.
 */
public sealed interface Op {

    /**
     * Returns the key.
     *
     * @return the key, or {@code null} for the operations on all of a node's copies
     */
    String key();

    /**
     * Reads a key. Result: {@link OpResult.Read}.
     *
     * @param key the key
     */
    record Get(String key) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         */
        public Get {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Writes a key. Result: {@link OpResult.Wrote}.
     *
     * @param key the key
     * @param value the new value
     */
    record Put(String key, byte[] value) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         * @param value the value
         */
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Writes a key if it has no value. Result: {@link OpResult.Wrote}, or {@link OpResult.Read} with
     * the existing value (nothing written; answered from any valid copy, even a shared one).
     *
     * @param key the key
     * @param value the value to write if absent
     */
    record PutIfAbsent(String key, byte[] value) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         * @param value the value
         */
        public PutIfAbsent {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Removes a key's value by writing a tombstone (a version without a value). Result:
     * {@link OpResult.Wrote}, or {@link OpResult.Read} of the absent value if there was none.
     *
     * @param key the key
     */
    record Remove(String key) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         */
        public Remove {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Replaces a key's value by a function of it, while the node holds the key exclusively. The function
     * runs inside the call that makes the node owner; it must be quick and free of side effects (it
     * runs again if the write is rejected because ownership was lost). Result: {@link OpResult.Wrote};
     * {@link OpResult.Failed} with the function's exception if it throws, or with a
     * {@link NullPointerException} if it returns {@code null}.
     *
     * @param key the key
     * @param remapping the function: current value (empty if absent) to new value (empty removes)
     */
    record Compute(String key, UnaryOperator<Optional<byte[]>> remapping) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         * @param remapping the function
         */
        public Compute {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(remapping, "remapping");
        }
    }

    /**
     * Drops the node's copy of a key, writing it back first if modified. Result: {@link OpResult.Done},
     * or {@link OpResult.Failed} if a write-back could not be made.
     *
     * @param key the key
     */
    record Invalidate(String key) implements Op {

        /**
         * Validates the operation.
         *
         * @param key the key
         */
        public Invalidate {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Drops all of the node's copies (also used on close). Result as {@link Invalidate}: failed if any
     * write-back failed.
     */
    record InvalidateAll() implements Op {

        @Override
        public String key() {
            return null;
        }
    }

    /**
     * Writes back every modified copy and keeps it as a clean exclusive copy. Result:
     * {@link OpResult.Done}, or {@link OpResult.Failed} if any write-back failed.
     */
    record Flush() implements Op {

        @Override
        public String key() {
            return null;
        }
    }
}
