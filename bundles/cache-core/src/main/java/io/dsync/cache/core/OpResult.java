package io.dsync.cache.core;

import java.util.Objects;

/** The result of an {@link Op}, reported by {@link Effect.Completed}. */
public sealed interface OpResult {

    /**
     * The operation read the key (a get, or a conditional write that found nothing to do).
     *
     * @param data the value read and its version
     */
    record Read(Versioned data) implements OpResult {

        /**
         * Validates the result.
         *
         * @param data the value
         */
        public Read {
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * The operation wrote the key.
     *
     * @param previous the value it replaced
     * @param current the value it wrote (absent for a remove), whose version is
     *     {@code previous.version() + 1}
     */
    record Wrote(Versioned previous, Versioned current) implements OpResult {

        /**
         * Validates the result.
         *
         * @param previous the replaced value
         * @param current the written value
         */
        public Wrote {
            Objects.requireNonNull(previous, "previous");
            Objects.requireNonNull(current, "current");
        }
    }

    /** An invalidation or flush is done. */
    record Done() implements OpResult {
    }

    /**
     * The operation failed. For {@link io.dsync.cache.CacheUnavailableException} after a write began,
     * the outcome is unknown (see the API).
     *
     * @param cause the exception to report
     */
    record Failed(RuntimeException cause) implements OpResult {

        /**
         * Validates the result.
         *
         * @param cause the exception
         */
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }
}
