package io.dsync.cache;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Converts cache values to and from bytes; implemented by applications and passed to
 * {@link CacheService#cache(String, CacheCodec)}.
 * <p>
 * The cache stores and replicates bytes only. Reads decode a fresh value from bytes, so mutating a
 * returned object does not affect the cache or other readers; only values of immutable JDK types
 * ({@code String}, the boxed primitives, {@code BigDecimal}, {@code UUID}, {@code java.time} values)
 * may be decoded once per version and shared by the readers of a node, since nobody can change them.
 * Functions passed to {@link Cache#compute} run in the calling
 * JVM and are never serialized, so they need not be serializable.
 * <p>
 * Implementations must be thread-safe and stateless in effect: {@code decode(encode(v))} must be
 * equivalent to {@code v}, and all nodes using a cache must use compatible codecs. Exceptions they
 * throw are reported as {@link CacheCodecException} with the codec's exception as cause.
 *
 * @param <V> the type of the values
 */
@ConsumerType
public interface CacheCodec<V> {

    /**
     * Encodes a value.
     *
     * @param value the value, never {@code null}
     * @return the encoded bytes; the cache takes ownership of the array, which the codec must not
     *     modify afterwards
     */
    byte[] encode(V value);

    /**
     * Decodes a value.
     *
     * @param bytes the encoded bytes; the codec takes ownership of the array (the cache passes a
     *     fresh copy), so it may keep or wrap it
     * @return the value, never {@code null}
     */
    V decode(byte[] bytes);

    /**
     * A codec of {@code String} values as UTF-8 bytes. Strings are immutable, so a node decodes each version of a
     * key once and shares it among its readers.
     *
     * @return the codec (one shared instance)
     * @since 1.1
     */
    static CacheCodec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }
}
