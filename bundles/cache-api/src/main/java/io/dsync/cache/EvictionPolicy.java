package io.dsync.cache;

/**
 * Which local copy a node gives up when it holds {@linkplain CacheConfig#localCapacity() as many as it may} and needs
 * room for another. Either way an evicted copy in state <em>Modified</em> is written back first, and an evicted entry
 * stays in main memory: the policy decides what each node keeps close, never what the cache holds. Each node applies
 * it to its own copies; nodes need not agree on it for coherence.
 *
 * @since 1.2
 */
public enum EvictionPolicy {

    /**
     * Least recently used: the copy read or written longest ago goes. Exact per node. This is the default.
     */
    LRU,

    /**
     * W-TinyLFU, as in Caffeine, simplified: a new copy first lives in a small LRU window (1% of the capacity); when
     * it leaves the window it stays only if it was used more often lately than the copy it would displace (counted
     * in a small frequency sketch), else it goes. A key read once (a scan, the long tail of a skewed distribution) then
     * no longer pushes out a key read often, which raises the hit ratio of skewed workloads. Uses of copies read
     * without the node's lock are counted at most once per renewal round (100 ms).
     */
    W_TINY_LFU
}
