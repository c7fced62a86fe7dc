package io.dsync.cache;

/**
 * The application's {@link CacheCodec} threw while encoding or decoding a value; the codec's exception
 * is the {@linkplain #getCause() cause}.
 * <p>
 * If encoding failed, nothing was written. If decoding failed, the stored value is unchanged but could
 * not be read with this codec (typically a codec version mismatch between deployments).
 */
public class CacheCodecException extends CacheException {

    private static final long serialVersionUID = 1L;

    /** The cache. */
    private final String cache;

    /** The key. */
    private final String key;

    /**
     * Creates the exception.
     *
     * @param cache the cache
     * @param key the key whose value could not be encoded or decoded
     * @param message the detail message, saying whether encoding or decoding failed
     * @param cause the exception thrown by the codec
     */
    public CacheCodecException(String cache, String key, String message, Throwable cause) {
        super(message, cause);
        this.cache = cache;
        this.key = key;
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
     * Returns the key whose value could not be encoded or decoded.
     *
     * @return the key
     */
    public String key() {
        return key;
    }
}
