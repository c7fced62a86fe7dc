package io.dsync.cache.core;

import java.util.Objects;

/** What came of an {@link Effect.ReadMemory} or {@link Effect.WriteMemory}, fed back by the adapter. */
public sealed interface MemoryResult {

    /**
     * Returns the key.
     *
     * @return the key of the read or write
     */
    String key();

    /**
     * A read returned; the fence was raised.
     *
     * @param read the read id
     * @param key the key
     * @param data the stored value and version ({@link Versioned#INITIAL} if the key was never written)
     */
    record ReadDone(long read, String key, Versioned data) implements MemoryResult {

        /**
         * Validates the result.
         *
         * @param read the read id
         * @param key the key
         * @param data the value
         */
        public ReadDone {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * A read failed (main memory unreachable or timed out); whether the fence was raised is unknown.
     *
     * @param read the read id
     * @param key the key
     */
    record ReadFailed(long read, String key) implements MemoryResult {

        /**
         * Validates the result.
         *
         * @param read the read id
         * @param key the key
         */
        public ReadFailed {
            Objects.requireNonNull(key, "key");
        }
    }

    /** The outcome of a conditional write. */
    enum WriteOutcome {
        /** Stored (or it was a repeat of the stored write). */
        WRITTEN,
        /** Not stored: the fence or the version was older than main memory's. */
        REJECTED,
        /** Unknown: main memory unreachable or timed out. */
        FAILED
    }

    /**
     * A write returned.
     *
     * @param write the write id
     * @param key the key
     * @param outcome what happened
     */
    record WriteDone(long write, String key, WriteOutcome outcome) implements MemoryResult {

        /**
         * Validates the result.
         *
         * @param write the write id
         * @param key the key
         * @param outcome the outcome
         */
        public WriteDone {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(outcome, "outcome");
        }
    }
}
