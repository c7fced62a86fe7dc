package io.dsync.cache.core;

import java.util.Objects;

/**
 * What a call on a {@link CacheNode} or {@link HomeDirectory} asks its adapter to do, in order. The
 * adapter executes each effect once; what comes of a memory effect is fed back as a
 * {@link MemoryResult} carrying the effect's id. Effects of a crashed instance are void: its results
 * must not be fed to the instance that replaces it.
 */
public sealed interface Effect {

    /**
     * Send a message to another node (best effort; the protocol retransmits).
     *
     * @param to the receiving node
     * @param message the message
     */
    record Send(String to, CoherenceMessage message) implements Effect {

        /**
         * Validates the effect.
         *
         * @param to the node
         * @param message the message
         */
        public Send {
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Read a key from main memory and raise its stored fence to {@code fence} (atomically: the adapter's
     * script does {@code fence := max(fence, given)} and returns value and version). Answered by
     * {@link MemoryResult.ReadDone} or {@link MemoryResult.ReadFailed}.
     *
     * @param read the id of the read
     * @param key the key
     * @param fence the grant the read prepares
     */
    record ReadMemory(long read, String key, GrantId fence) implements Effect {

        /**
         * Validates the effect.
         *
         * @param read the read id
         * @param key the key
         * @param fence the fence
         */
        public ReadMemory {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(fence, "fence");
        }
    }

    /**
     * Read a key's value and version from main memory as they are, without a fence and without changing anything:
     * a node's read of a key it does not keep a copy of, in a write-through cache (see {@link CacheNode}). Answered
     * by {@link MemoryResult.ReadDone} or {@link MemoryResult.ReadFailed}.
     *
     * @param read the id of the read
     * @param key the key
     */
    record ReadPlain(long read, String key) implements Effect {

        /**
         * Validates the effect.
         *
         * @param read the read id
         * @param key the key
         */
        public ReadPlain {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Write a key to main memory, conditionally (atomically, in the adapter's script): rejected if
     * {@code fence} is lower than the stored fence, or {@code data.version()} is lower than the stored
     * version, or equal to it with another fence or value; a repeat of the stored write is
     * {@link MemoryResult.WriteOutcome#WRITTEN}. Otherwise stores value, version and fence. Answered by
     * {@link MemoryResult.WriteDone}.
     *
     * @param write the id of the write
     * @param key the key
     * @param data the value (absent: a tombstone) and its version
     * @param fence the writer's grant
     */
    record WriteMemory(long write, String key, Versioned data, GrantId fence) implements Effect {

        /**
         * Validates the effect.
         *
         * @param write the write id
         * @param key the key
         * @param data the value
         * @param fence the fence
         */
        public WriteMemory {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(fence, "fence");
        }
    }

    /**
     * An operation submitted to a {@link CacheNode} has completed.
     *
     * @param op the operation id given at submission
     * @param result its result
     */
    record Completed(long op, OpResult result) implements Effect {

        /**
         * Validates the effect.
         *
         * @param op the operation id
         * @param result the result
         */
        public Completed {
            Objects.requireNonNull(result, "result");
        }
    }

    /**
     * A modified copy was dropped without a successful write-back (its write-back was fenced, or failed
     * after its lease had run out): the writes made to it since it was last written back are lost.
     * Only in {@link io.dsync.cache.WriteMode#WRITE_BACK WRITE_BACK} caches; the adapter logs it and
     * counts it.
     *
     * @param key the key
     * @param version the version of the lost copy
     */
    record WriteLost(String key, long version) implements Effect {

        /**
         * Validates the effect.
         *
         * @param key the key
         * @param version the version
         */
        public WriteLost {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * A request to a home that had been sent again (its home did not answer in time: gone, cut off, replaced, or
     * waiting for a sharer that does not answer) was granted: the node waited {@code waited} for its homes, from the
     * first sending of the earliest such request to this grant. This is the partition recovery time as this node saw
     * it; the adapter reports it as a metric.
     *
     * @param waited the time waited, in the core's time unit
     */
    record Recovered(long waited) implements Effect {
    }
}
