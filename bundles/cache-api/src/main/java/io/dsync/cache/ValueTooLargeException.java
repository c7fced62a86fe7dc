package io.dsync.cache;

/**
 * The encoded value is larger than the {@linkplain CacheConfig#maxValueBytes() limit} of the cache.
 * Nothing was written; the previous value of the key is unchanged.
 */
public class ValueTooLargeException extends CacheException {

    private static final long serialVersionUID = 1L;

    /** The cache. */
    private final String cache;

    /** The key. */
    private final String key;

    /** The encoded size in bytes. */
    private final int size;

    /** The cache's limit in bytes. */
    private final int limit;

    /**
     * Creates the exception.
     *
     * @param cache the cache
     * @param key the key that was written
     * @param size the size of the encoded value in bytes
     * @param limit the cache's value limit in bytes
     */
    public ValueTooLargeException(String cache, String key, int size, int limit) {
        super("encoded value of " + size + " bytes for key '" + key + "' exceeds the limit of " + limit
                + " bytes of cache '" + cache + "'");
        this.cache = cache;
        this.key = key;
        this.size = size;
        this.limit = limit;
    }

    /**
     * Returns the cache.
     *
     * @return the cache name
     */
    public String cache() {
        return cache;
    }

    /**
     * Returns the key that was written.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Returns the size of the encoded value.
     *
     * @return the size in bytes
     */
    public int size() {
        return size;
    }

    /**
     * Returns the cache's value limit.
     *
     * @return the limit in bytes
     */
    public int limit() {
        return limit;
    }
}
