package io.dsync.cache;

/**
 * When a write reaches main memory (the Redis store), which decides between durability and write
 * latency. Both modes keep every operation linearizable per key as long as no node crashes; they differ
 * in what a crash can lose.
 */
public enum WriteMode {

    /**
     * A write completes only after the new value is stored in main memory (and all other copies are
     * invalidated); the writing node keeps a clean copy in MESI state <em>Exclusive</em>. A completed
     * write survives the crash of any cache node. This is the default.
     */
    WRITE_THROUGH,

    /**
     * A write completes as soon as the writing node owns the key in MESI state <em>Modified</em> (all
     * other copies invalidated); main memory is updated later, by a <em>write-back</em>, when the copy
     * is evicted or {@linkplain Cache#invalidate(String) invalidated}, when another node reads or
     * writes the key, or on orderly shutdown. Repeated writes to a hot key then cost no round trip to
     * main memory.
     * <p>
     * The price: if the owning node crashes, or is partitioned away longer than its ownership lease,
     * before writing back, the writes since the last write-back are lost and the key reverts to the
     * value in main memory, as if they had never happened; linearizability holds only in the absence
     * of such failures. While the owner is unreachable, other nodes' operations on that key wait for
     * its ownership lease to expire (bounded by the operation timeout, see
     * {@link CacheUnavailableException}).
     */
    WRITE_BACK
}
