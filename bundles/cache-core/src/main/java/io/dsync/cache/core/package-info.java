/**
 * The deterministic heart of the coherent cache: the MESI protocol between the nodes that hold copies
 * of keys ({@link io.dsync.cache.core.CacheNode}) and the home of each key
 * ({@link io.dsync.cache.core.HomeDirectory}), with leases, home epochs and fenced, versioned writes to
 * main memory, plus the bounded {@linkplain io.dsync.cache.core.Lru LRU} store of a node's lines.
 * <p>
 * Nothing here opens a socket, starts a thread or reads a clock. Every call takes the caller's
 * monotonic time ({@code now}, nanoseconds) and returns {@link io.dsync.cache.core.Effect}s: messages
 * to send to other nodes, reads and writes for main memory, and completed operations. The adapter
 * bundles (the cache node and the cache client) own the transport, Redis and the timers, execute the
 * effects and feed back what comes of them ({@link io.dsync.cache.core.CoherenceMessage}s and
 * {@link io.dsync.cache.core.MemoryResult}s). The protocol, its state tables and the argument for its
 * invariants are in {@code docs/cache.md}.
 * <p>
 * Thread safety: {@link io.dsync.cache.core.CacheNode} and {@link io.dsync.cache.core.HomeDirectory}
 * are not thread-safe (the adapter serializes calls, one instance per cache, or one per stripe of
 * keys); {@link io.dsync.cache.core.Lru} is. All records are immutable, except that byte arrays are
 * shared, not copied: nobody may modify an array once it has been handed to or returned by this
 * package.
 */
package io.dsync.cache.core;
