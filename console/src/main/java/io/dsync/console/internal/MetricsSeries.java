package io.dsync.console.internal;

/** What the Metrics view plots over time, for the whole cluster. */
enum MetricsSeries {
    LOCK_P50("lock acquisition p50", "ms"),
    LOCK_P99("lock acquisition p99", "ms"),
    QUEUE_SENT("queue sent", "msg/s"),
    QUEUE_ACKED("queue acknowledged", "msg/s"),
    CACHE_HITS("cache hits", "/s"),
    CACHE_MISSES("cache misses", "/s"),
    CACHE_HIT_RATIO("cache hit ratio", "%"),
    RECOVERY_LOCK("lock group", "ms"),
    RECOVERY_QUEUE("queue owners", "ms"),
    RECOVERY_CACHE("cache homes", "ms"),
    RECOVERY_REDIS("Redis", "ms"),
    /** The Cache view's series, of one cache over the nodes that use it. */
    CACHE_VIEW_HIT_RATIO("hit ratio", "%"),
    CACHE_VIEW_INVALIDATIONS("invalidations", "/s"),
    CACHE_VIEW_WRITE_BACKS("write-backs", "/s");

    private final String label;
    private final String unit;

    MetricsSeries(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    /** @return the series' name for people */
    String label() {
        return label;
    }

    /** @return its unit */
    String unit() {
        return unit;
    }
}
