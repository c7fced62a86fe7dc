package io.dsync.cache;

/**
 * {@link CacheService#declare(CacheConfig)} was called for an existing cache with a configuration that
 * differs from the existing one. Declaration is create-if-absent, never an implicit reconfiguration,
 * so that two deployments disagreeing about a cache's configuration are detected.
 * <p>
 * The operation had no effect; the existing configuration is unchanged.
 */
public class CacheConfigConflictException extends CacheException {

    private static final long serialVersionUID = 1L;

    /** The configuration of the existing cache. */
    private final CacheConfig existing;

    /** The configuration that was requested. */
    private final CacheConfig requested;

    /**
     * Creates the exception.
     *
     * @param existing the configuration of the existing cache
     * @param requested the configuration that was requested
     */
    public CacheConfigConflictException(CacheConfig existing, CacheConfig requested) {
        super("cache '" + existing.name() + "' already exists with configuration " + existing
                + ", which differs from the requested " + requested);
        this.existing = existing;
        this.requested = requested;
    }

    /**
     * Returns the configuration of the existing cache.
     *
     * @return the existing configuration
     */
    public CacheConfig existing() {
        return existing;
    }

    /**
     * Returns the configuration that was requested.
     *
     * @return the requested configuration
     */
    public CacheConfig requested() {
        return requested;
    }
}
