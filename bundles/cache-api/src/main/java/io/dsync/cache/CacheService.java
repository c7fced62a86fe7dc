package io.dsync.cache;

import java.util.concurrent.CompletableFuture;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Entry point of the coherent cache service, registered as an OSGi service by the platform.
 * <pre>{@code
 * caches.declare(CacheConfig.of("prices").withLocalCapacity(100_000));
 * Cache<Price> prices = caches.cache("prices", priceCodec);
 * Optional<Price> price = prices.get("ISIN:DE0007164600");
 * }</pre>
 * Caches must be declared before use; declaration is idempotent and never reconfigures an existing
 * cache. Handles are cheap and carry no state of their own: all handles of one cache on one node share
 * the local copies and the {@linkplain Cache#stats() statistics}, whatever their codec.
 * <p>
 * Implementations are thread-safe.
 */
@ProviderType
public interface CacheService {

    /**
     * Declares a cache: creates it if it does not exist. Idempotent: declaring an existing cache with
     * an equal configuration succeeds and changes nothing.
     * <p>
     * The future completes with the configuration in effect, or exceptionally with
     * {@link CacheConfigConflictException} if the cache exists with a different configuration, or
     * {@link CacheUnavailableException}.
     *
     * @param config the cache configuration, including its name
     * @return a future of the configuration in effect
     * @throws NullPointerException if {@code config} is {@code null}
     */
    CompletableFuture<CacheConfig> declareAsync(CacheConfig config);

    /**
     * Declares a cache. Same semantics as {@link #declareAsync(CacheConfig)}; blocks at most for the
     * operation timeout.
     *
     * @param config the cache configuration, including its name
     * @return the configuration in effect
     * @throws CacheConfigConflictException if the cache exists with a different configuration
     * @throws CacheUnavailableException if main memory could not be reached within the operation
     *     timeout
     * @throws NullPointerException if {@code config} is {@code null}
     */
    CacheConfig declare(CacheConfig config);

    /**
     * Returns a typed handle on a cache, without any I/O. The cache need not be declared yet, but
     * every operation on the handle fails with {@link CacheNotFoundException} while it is not.
     *
     * @param <V> the type of the values
     * @param name the cache name
     * @param codec converts values to and from bytes
     * @return the handle
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name
     * @throws NullPointerException if an argument is {@code null}
     */
    <V> Cache<V> cache(String name, CacheCodec<V> codec);

    /**
     * Returns a handle on a cache whose values are raw bytes, without any I/O. Arrays are copied on
     * the way in and out, so callers may modify them freely.
     *
     * @param name the cache name
     * @return the handle
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name
     * @throws NullPointerException if {@code name} is {@code null}
     */
    Cache<byte[]> cache(String name);
}
