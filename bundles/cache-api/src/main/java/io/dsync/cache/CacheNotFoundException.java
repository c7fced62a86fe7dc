package io.dsync.cache;

/**
 * The cache has not been {@linkplain CacheService#declare(CacheConfig) declared}. Caches are never
 * created implicitly, so that a typo in a cache name fails loudly instead of silently creating an
 * unconfigured cache.
 * <p>
 * The operation had no effect.
 */
public class CacheNotFoundException extends CacheException {

    private static final long serialVersionUID = 1L;

    /** The missing cache. */
    private final String cache;

    /**
     * Creates the exception.
     *
     * @param cache the name of the missing cache
     */
    public CacheNotFoundException(String cache) {
        super("cache '" + cache + "' does not exist; declare it first");
        this.cache = cache;
    }

    /**
     * Returns the name of the missing cache.
     *
     * @return the cache name
     */
    public String cache() {
        return cache;
    }
}
