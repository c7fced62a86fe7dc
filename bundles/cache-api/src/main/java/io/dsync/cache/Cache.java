package io.dsync.cache;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle on a named, coherent cache, obtained from {@link CacheService#cache(String, CacheCodec)}.
 * Values are of type {@code V} and are stored as bytes through the handle's {@link CacheCodec}.
 *
 * <h2 id="consistency">Consistency: linearizable per key</h2>
 * Every single-key operation ({@code get}, {@code put}, {@code putIfAbsent}, {@code remove},
 * {@code compute}) appears to take effect atomically at one instant between its invocation and its
 * completion, and every {@code get} returns the value of the latest write (put, successful
 * putIfAbsent, remove, compute) before that instant, no matter which node performed it. Because
 * linearizability is a local (composable) property, the cache as a whole is linearizable for these
 * operations: for example, a client that reads a value written to key {@code a} and then reads key
 * {@code b} sees every write to {@code b} that completed before the write to {@code a} was invoked.
 * There are no multi-key operations and no transactions. Operations that failed with
 * {@link CacheUnavailableException} have an unknown outcome. With {@link WriteMode#WRITE_BACK} these
 * guarantees hold only as long as no node crashes (see there).
 * <p>
 * <strong>How.</strong> Main memory is the Redis store; each node keeps local copies of recently used
 * entries in MESI states (Modified, Exclusive, Shared, Invalid), tracked by a directory. A read is
 * answered locally when the node holds a valid copy, and otherwise fetched from main memory (or from
 * the node owning a Modified copy). A write first obtains exclusive ownership of the key: every other
 * copy is invalidated, and the write completes only when all holders have acknowledged the
 * invalidation or, for an unreachable holder, its read lease has expired. A local hit therefore never
 * returns a stale value. The protocol assumes that node clocks advance at the same rate within the
 * service's configured drift bound; it does not depend on synchronized wall clocks.
 * <p>
 * <strong>Capacity.</strong> {@link CacheConfig#localCapacity()} bounds the local copies of each node;
 * entries stay in main memory until removed. If the operator configures the Redis store with an
 * eviction policy, an entry evicted by the store behaves as if removed at that instant.
 *
 * <h2>Method conventions</h2>
 * Each operation exists as an {@code xxxAsync} method returning a {@link CompletableFuture} and as a
 * blocking method with the same semantics, which throws exactly the exception types the future
 * completes exceptionally with. Blocking methods wait at most for the service's configured operation
 * timeout and then fail with {@link CacheUnavailableException}; they are not interruptible but
 * preserve the interrupt status. All operations fail with {@link CacheNotFoundException} if the cache
 * is not declared, with {@link CacheCodecException} if the codec fails, and, for writes, with
 * {@link ValueTooLargeException} if the encoded value exceeds {@link CacheConfig#maxValueBytes()}.
 * Invalid keys throw {@link InvalidCacheRequestException} and {@code null} arguments
 * {@link NullPointerException} eagerly on the calling thread. Retries performed internally by the
 * service are deduplicated, so a retried {@code compute} is never applied twice.
 * <p>
 * Implementations are thread-safe.
 *
 * <h2 id="keys">Keys</h2>
 * A key is any string of 1 to {@value #MAX_KEY_BYTES} bytes in UTF-8 without ISO control characters
 * and unpaired surrogates, compared by exact equality.
 *
 * @param <V> the type of the values
 */
@ProviderType
public interface Cache<V> {

    /** Maximum length of a key, in UTF-8 bytes. */
    int MAX_KEY_BYTES = 256;

    /**
     * Checks that a string is a valid key (see <a href="#keys">keys</a>). Every method taking a key
     * applies this check eagerly.
     *
     * @param key the candidate key
     * @return {@code key}, for chaining
     * @throws NullPointerException if {@code key} is {@code null}
     * @throws InvalidCacheRequestException if {@code key} is empty, longer than
     *     {@value #MAX_KEY_BYTES} UTF-8 bytes, or contains a control character or an unpaired
     *     surrogate; the message names the offending value and the limit
     */
    static String requireValidKey(String key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.isEmpty()) {
            throw new InvalidCacheRequestException("key", "cache key must not be empty");
        }
        int bytes = 0; // the UTF-8 length, counted without encoding (keys are checked on every call)
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidCacheRequestException("key", String.format(
                        "cache key must not contain control characters, found U+%04X at index %d", (int) c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
                bytes += 4;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidCacheRequestException("key", String.format(
                        "cache key must not contain unpaired surrogates, found U+%04X at index %d", (int) c, i));
            } else {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        if (bytes > MAX_KEY_BYTES) {
            int previewEnd = Math.min(key.length(), 64);
            if (Character.isHighSurrogate(key.charAt(previewEnd - 1))) {
                previewEnd--;
            }
            throw new InvalidCacheRequestException("key", "cache key must be at most " + MAX_KEY_BYTES
                    + " UTF-8 bytes, was " + bytes + " bytes: '" + key.substring(0, previewEnd) + "...'");
        }
        return key;
    }

    /**
     * Returns the name of the cache.
     *
     * @return the cache name
     */
    String name();

    /**
     * Reads the value of a key, linearizably. The future completes with the value, or an empty
     * optional if the key has no value, or exceptionally with {@link CacheNotFoundException},
     * {@link CacheCodecException} (decoding failed) or {@link CacheUnavailableException} (the node has
     * no valid copy and main memory is unreachable).
     *
     * @param key the key
     * @return a future of the value
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    CompletableFuture<Optional<V>> getAsync(String key);

    /**
     * Reads the value of a key, linearizably. Same semantics as {@link #getAsync(String)}.
     *
     * @param key the key
     * @return the value, or empty if the key has no value
     * @throws CacheNotFoundException if the cache is not declared
     * @throws CacheCodecException if the stored value could not be decoded
     * @throws CacheUnavailableException if the node has no valid copy and main memory could not be
     *     reached within the operation timeout
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    Optional<V> get(String key);

    /**
     * Writes the value of a key. The future completes when the write is linearized (for
     * {@link WriteMode#WRITE_THROUGH}: stored in main memory), or exceptionally with
     * {@link CacheNotFoundException}, {@link ValueTooLargeException}, {@link CacheCodecException}
     * (encoding failed) or {@link CacheUnavailableException} (outcome unknown).
     *
     * @param key the key
     * @param value the value
     * @return a future that completes when the write has taken effect
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Void> putAsync(String key, V value);

    /**
     * Writes the value of a key. Same semantics as {@link #putAsync(String, Object)}.
     *
     * @param key the key
     * @param value the value
     * @throws CacheNotFoundException if the cache is not declared
     * @throws ValueTooLargeException if the encoded value exceeds the cache's limit; nothing was
     *     written
     * @throws CacheCodecException if the value could not be encoded; nothing was written
     * @throws CacheUnavailableException if the write could not complete within the operation timeout;
     *     it may take effect nevertheless
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}
     */
    void put(String key, V value);

    /**
     * Writes the value of a key only if it has none, atomically. The future completes with an empty
     * optional if the value was written, or with the existing value (which is left unchanged), or
     * exceptionally like {@link #putAsync(String, Object)}.
     *
     * @param key the key
     * @param value the value to write if the key has none
     * @return a future of the existing value, empty if {@code value} was written
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Optional<V>> putIfAbsentAsync(String key, V value);

    /**
     * Writes the value of a key only if it has none, atomically. Same semantics as
     * {@link #putIfAbsentAsync(String, Object)}.
     *
     * @param key the key
     * @param value the value to write if the key has none
     * @return the existing value, or empty if {@code value} was written
     * @throws CacheNotFoundException if the cache is not declared
     * @throws ValueTooLargeException if the encoded value exceeds the cache's limit; nothing was
     *     written
     * @throws CacheCodecException if a value could not be encoded or decoded
     * @throws CacheUnavailableException if the operation could not complete within the operation
     *     timeout; it may take effect nevertheless
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}
     */
    Optional<V> putIfAbsent(String key, V value);

    /**
     * Removes the value of a key, from main memory and from all local copies. The future completes
     * with {@code true} if the key had a value, or exceptionally with {@link CacheNotFoundException}
     * or {@link CacheUnavailableException} (outcome unknown).
     *
     * @param key the key
     * @return a future of whether a value was removed
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    CompletableFuture<Boolean> removeAsync(String key);

    /**
     * Removes the value of a key. Same semantics as {@link #removeAsync(String)}.
     *
     * @param key the key
     * @return {@code true} if the key had a value
     * @throws CacheNotFoundException if the cache is not declared
     * @throws CacheUnavailableException if the operation could not complete within the operation
     *     timeout; it may take effect nevertheless
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    boolean remove(String key);

    /**
     * Atomically replaces the value of a key by a function of its current value: read-modify-write
     * without lost updates. The node obtains exclusive ownership of the key (invalidating all other
     * copies), applies {@code remapping} locally to the current value (empty if none), and writes the
     * result: a present result becomes the new value, an empty result removes the key. No other
     * operation on the key, on any node, is linearized between the read and the write.
     * <p>
     * The function runs in this JVM, on a service thread for the asynchronous variant; it is never
     * serialized. It must be fast (other nodes' operations on the key wait for it), free of side
     * effects (it may be applied more than once if ownership is lost while it runs; only the
     * application whose result is written counts), and must not call this cache (doing so fails with
     * {@link IllegalStateException}). It must not return {@code null}: that fails the operation with
     * {@link NullPointerException}. If it throws, the exception fails the operation unchanged and
     * nothing is written.
     * <p>
     * The future completes with the new value (empty if the key was removed or stayed absent), or
     * exceptionally with the function's exception, {@link CacheNotFoundException},
     * {@link ValueTooLargeException}, {@link CacheCodecException} or {@link CacheUnavailableException}
     * (outcome unknown).
     *
     * @param key the key
     * @param remapping computes the new value from the current one; empty means absent
     * @return a future of the new value
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}
     */
    CompletableFuture<Optional<V>> computeAsync(String key, UnaryOperator<Optional<V>> remapping);

    /**
     * Atomically replaces the value of a key by a function of its current value. Same semantics as
     * {@link #computeAsync(String, UnaryOperator)}; the function runs on the calling thread.
     * <pre>{@code
     * Optional<Long> visits = counters.compute("page:/home", v -> Optional.of(v.orElse(0L) + 1));
     * }</pre>
     *
     * @param key the key
     * @param remapping computes the new value from the current one; empty means absent
     * @return the new value, or empty if the key was removed or stayed absent
     * @throws CacheNotFoundException if the cache is not declared
     * @throws ValueTooLargeException if the encoded new value exceeds the cache's limit; nothing was
     *     written
     * @throws CacheCodecException if a value could not be encoded or decoded; nothing was written
     * @throws CacheUnavailableException if the operation could not complete within the operation
     *     timeout; it may take effect nevertheless
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if an argument is {@code null}, or {@code remapping} returned
     *     {@code null}
     * @throws IllegalStateException if {@code remapping} called this cache
     */
    Optional<V> compute(String key, UnaryOperator<Optional<V>> remapping);

    /**
     * Drops this node's local copy of a key, keeping the value in main memory: a copy in state
     * Modified is written back first. The value seen by any reader does not change; the next read of
     * the key on this node is a miss. Other nodes are not affected. Useful to release memory or to
     * force a write-back of a {@link WriteMode#WRITE_BACK} cache.
     * <p>
     * The future completes when the copy is dropped, or exceptionally with
     * {@link CacheUnavailableException} if a needed write-back could not complete (the copy is then
     * kept) or {@link CacheNotFoundException}.
     *
     * @param key the key
     * @return a future that completes when the local copy is dropped
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    CompletableFuture<Void> invalidateAsync(String key);

    /**
     * Drops this node's local copy of a key, keeping the value in main memory. Same semantics as
     * {@link #invalidateAsync(String)}.
     *
     * @param key the key
     * @throws CacheUnavailableException if a needed write-back could not complete within the operation
     *     timeout; the copy is kept
     * @throws CacheNotFoundException if the cache is not declared
     * @throws InvalidCacheRequestException if {@code key} is invalid
     * @throws NullPointerException if {@code key} is {@code null}
     */
    void invalidate(String key);

    /**
     * Drops all of this node's local copies of this cache, keeping the values in main memory, as if
     * {@link #invalidateAsync(String)} were called for each. The future completes when all copies are
     * dropped, or exceptionally with {@link CacheUnavailableException} if some write-backs could not
     * complete (those copies are kept; the others are dropped) or {@link CacheNotFoundException}.
     *
     * @return a future that completes when all local copies are dropped
     */
    CompletableFuture<Void> invalidateAllAsync();

    /**
     * Drops all of this node's local copies of this cache. Same semantics as
     * {@link #invalidateAllAsync()}.
     *
     * @throws CacheUnavailableException if some write-backs could not complete within the operation
     *     timeout; those copies are kept
     * @throws CacheNotFoundException if the cache is not declared
     */
    void invalidateAll();

    /**
     * Returns a snapshot of this node's statistics for this cache, without any I/O. Handles of the
     * same cache share the statistics.
     *
     * @return the current statistics
     */
    CacheStats stats();
}
