package io.dsync.cache;

import java.io.Serializable;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The configuration of a cache, fixed when the cache is {@linkplain CacheService#declare(CacheConfig)
 * declared}.
 * <p>
 * Instances are immutable and validated on construction. Start from {@link #of(String)} and adjust
 * with the {@code withXxx} methods:
 * <pre>{@code
 * CacheConfig sessions = CacheConfig.of("web-sessions")
 *         .withLocalCapacity(50_000)
 *         .withLocalCapacityBytes(256L * 1024 * 1024)
 *         .withMaxValueBytes(64 * 1024);
 * }</pre>
 *
 * <h2 id="names">Cache names</h2>
 * A cache name consists of 1 to {@value #MAX_NAME_LENGTH} ASCII letters, digits, {@code '.'},
 * {@code '_'} and {@code '-'}, starting with a letter or digit. Names are case-sensitive. The
 * restriction keeps names usable verbatim as storage keys, metric labels and configuration PIDs.
 *
 * @param name the cache name, see <a href="#names">cache names</a>
 * @param localCapacity the maximum number of entries each node keeps local copies of, 1 to
 *     {@value #MAX_LOCAL_CAPACITY}. When it is reached, a local copy is evicted, by default the least
 *     recently used (see {@code evictionPolicy}; written back first if it is in state <em>Modified</em>).
 *     It bounds the memory of each node, not the number of entries of the cache: evicted entries stay in
 *     main memory
 * @param maxValueBytes the largest accepted encoded value, 1 to {@value #MAX_VALUE_BYTES_LIMIT}
 *     bytes; larger values are rejected with {@link ValueTooLargeException}
 * @param writeMode when writes reach main memory, see {@link WriteMode}
 * @param evictionPolicy which local copy goes when a node's copies reach {@code localCapacity}, see
 *     {@link EvictionPolicy} (since 1.2; {@code null} stands for {@link EvictionPolicy#LRU}, the policy of earlier
 *     versions)
 * @param localCapacityBytes the most bytes of local copies each node keeps, 0 for no bound in bytes (the default,
 *     and the only behaviour before 1.3), else 1 to {@value #MAX_LOCAL_CAPACITY_BYTES}. A copy counts its key (two
 *     bytes per character) and its encoded value; the node's bookkeeping per copy (a few hundred bytes) is not
 *     counted, and is bounded by {@code localCapacity}. When the copies exceed either bound, copies are evicted as
 *     {@code evictionPolicy} chooses until both hold, so a value heavier than the whole bound is not kept once the
 *     operation that fetched or wrote it has completed (since 1.3)
 * @serial exclude
 */
public record CacheConfig(String name, int localCapacity, int maxValueBytes, WriteMode writeMode,
        EvictionPolicy evictionPolicy, long localCapacityBytes) implements Serializable {

    /** Maximum length of a cache name, in characters. */
    public static final int MAX_NAME_LENGTH = 128;

    /** Upper bound of {@link #localCapacity()}. */
    public static final int MAX_LOCAL_CAPACITY = 10_000_000;

    /** Upper bound of {@link #maxValueBytes()}: 16 MiB. */
    public static final int MAX_VALUE_BYTES_LIMIT = 16 * 1024 * 1024;

    /** Upper bound of {@link #localCapacityBytes()}: 1 TiB. */
    public static final long MAX_LOCAL_CAPACITY_BYTES = 1L << 40;

    /** Local capacity used by {@link #of(String)}: 10,000 entries. */
    public static final int DEFAULT_LOCAL_CAPACITY = 10_000;

    /** Value limit used by {@link #of(String)}: 1 MiB. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    /** The syntax of cache names. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Number of characters of an invalid name quoted in exception messages. */
    private static final int PREVIEW_CHARS = 64;

    /**
     * Validates the configuration.
     *
     * @param name the cache name
     * @param localCapacity the maximum number of local copies per node
     * @param maxValueBytes the largest accepted encoded value, in bytes
     * @param writeMode when writes reach main memory
     * @param evictionPolicy which local copy goes first; {@code null} for {@link EvictionPolicy#LRU}
     * @param localCapacityBytes the most bytes of local copies per node, 0 for no bound in bytes
     * @throws NullPointerException if {@code name} or {@code writeMode} is {@code null}
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name or a number is
     *     out of range; the message names the offending value and the limit
     */
    public CacheConfig {
        requireValidName(name);
        if (localCapacity < 1 || localCapacity > MAX_LOCAL_CAPACITY) {
            throw new InvalidCacheRequestException("localCapacity", "localCapacity must be between 1 and "
                    + MAX_LOCAL_CAPACITY + ", was " + localCapacity);
        }
        if (maxValueBytes < 1 || maxValueBytes > MAX_VALUE_BYTES_LIMIT) {
            throw new InvalidCacheRequestException("maxValueBytes", "maxValueBytes must be between 1 and "
                    + MAX_VALUE_BYTES_LIMIT + ", was " + maxValueBytes);
        }
        if (writeMode == null) {
            throw new NullPointerException("writeMode");
        }
        if (evictionPolicy == null) {
            evictionPolicy = EvictionPolicy.LRU;
        }
        if (localCapacityBytes < 0 || localCapacityBytes > MAX_LOCAL_CAPACITY_BYTES) {
            throw new InvalidCacheRequestException("localCapacityBytes", "localCapacityBytes must be 0 (no bound) or "
                    + "between 1 and " + MAX_LOCAL_CAPACITY_BYTES + ", was " + localCapacityBytes);
        }
    }

    /**
     * A configuration with no bound in bytes, as of version 1.2.
     *
     * @param name the cache name
     * @param localCapacity the maximum number of local copies per node
     * @param maxValueBytes the largest accepted encoded value, in bytes
     * @param writeMode when writes reach main memory
     * @param evictionPolicy which local copy goes first; {@code null} for {@link EvictionPolicy#LRU}
     * @throws NullPointerException if {@code name} or {@code writeMode} is {@code null}
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name or a number is out of range
     * @since 1.2
     */
    public CacheConfig(String name, int localCapacity, int maxValueBytes, WriteMode writeMode,
            EvictionPolicy evictionPolicy) {
        this(name, localCapacity, maxValueBytes, writeMode, evictionPolicy, 0);
    }

    /**
     * A configuration with {@link EvictionPolicy#LRU}, as of version 1.1.
     *
     * @param name the cache name
     * @param localCapacity the maximum number of local copies per node
     * @param maxValueBytes the largest accepted encoded value, in bytes
     * @param writeMode when writes reach main memory
     * @throws NullPointerException if {@code name} or {@code writeMode} is {@code null}
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name or a number is out of range
     */
    public CacheConfig(String name, int localCapacity, int maxValueBytes, WriteMode writeMode) {
        this(name, localCapacity, maxValueBytes, writeMode, EvictionPolicy.LRU, 0);
    }

    /**
     * Creates a configuration with default values: {@link #DEFAULT_LOCAL_CAPACITY},
     * {@link #DEFAULT_MAX_VALUE_BYTES}, {@link WriteMode#WRITE_THROUGH}, {@link EvictionPolicy#LRU} and no bound
     * in bytes.
     *
     * @param name the cache name
     * @return the configuration
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidCacheRequestException if {@code name} is not a valid cache name
     */
    public static CacheConfig of(String name) {
        return new CacheConfig(name, DEFAULT_LOCAL_CAPACITY, DEFAULT_MAX_VALUE_BYTES, WriteMode.WRITE_THROUGH);
    }

    /**
     * Returns a copy with another local capacity.
     *
     * @param newLocalCapacity the maximum number of local copies per node
     * @return the new configuration
     * @throws InvalidCacheRequestException if {@code newLocalCapacity} is out of range
     */
    public CacheConfig withLocalCapacity(int newLocalCapacity) {
        return new CacheConfig(name, newLocalCapacity, maxValueBytes, writeMode, evictionPolicy, localCapacityBytes);
    }

    /**
     * Returns a copy with another value limit.
     *
     * @param newMaxValueBytes the largest accepted encoded value, in bytes
     * @return the new configuration
     * @throws InvalidCacheRequestException if {@code newMaxValueBytes} is out of range
     */
    public CacheConfig withMaxValueBytes(int newMaxValueBytes) {
        return new CacheConfig(name, localCapacity, newMaxValueBytes, writeMode, evictionPolicy, localCapacityBytes);
    }

    /**
     * Returns a copy with another write mode.
     *
     * @param newWriteMode when writes reach main memory
     * @return the new configuration
     * @throws NullPointerException if {@code newWriteMode} is {@code null}
     */
    public CacheConfig withWriteMode(WriteMode newWriteMode) {
        return new CacheConfig(name, localCapacity, maxValueBytes, newWriteMode, evictionPolicy, localCapacityBytes);
    }

    /**
     * Returns a copy with another eviction policy.
     *
     * @param newEvictionPolicy which local copy goes first when a node's copies reach the capacity
     * @return the new configuration
     * @throws NullPointerException if {@code newEvictionPolicy} is {@code null}
     * @since 1.2
     */
    public CacheConfig withEvictionPolicy(EvictionPolicy newEvictionPolicy) {
        return new CacheConfig(name, localCapacity, maxValueBytes, writeMode,
                Objects.requireNonNull(newEvictionPolicy, "newEvictionPolicy"), localCapacityBytes);
    }

    /**
     * Returns a copy with another bound in bytes on each node's local copies.
     *
     * @param newLocalCapacityBytes the most bytes of local copies per node, 0 for no bound in bytes
     * @return the new configuration
     * @throws InvalidCacheRequestException if {@code newLocalCapacityBytes} is out of range
     * @since 1.3
     */
    public CacheConfig withLocalCapacityBytes(long newLocalCapacityBytes) {
        return new CacheConfig(name, localCapacity, maxValueBytes, writeMode, evictionPolicy, newLocalCapacityBytes);
    }

    /**
     * Checks that a string is a valid cache name (see <a href="#names">cache names</a>). Every service
     * method taking a cache name applies this check eagerly.
     *
     * @param name the candidate name
     * @return {@code name}, for chaining
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws InvalidCacheRequestException if {@code name} is empty, longer than
     *     {@value #MAX_NAME_LENGTH} characters or has an invalid syntax; the message names the value
     *     and the rule
     */
    public static String requireValidName(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        if (name.isEmpty()) {
            throw new InvalidCacheRequestException("name", "cache name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidCacheRequestException("name", "cache name must be at most " + MAX_NAME_LENGTH
                    + " characters, was " + name.length() + " characters: '" + preview(name) + "'");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidCacheRequestException("name", "cache name must consist of ASCII letters, digits, "
                    + "'.', '_' and '-' and start with a letter or digit, was '" + name + "'");
        }
        return name;
    }

    /**
     * Shortens a string for inclusion in an exception message.
     *
     * @param s the string
     * @return {@code s}, or its first characters followed by {@code "..."}
     */
    private static String preview(String s) {
        return s.length() <= PREVIEW_CHARS ? s : s.substring(0, PREVIEW_CHARS) + "...";
    }
}
