package io.dsync.cache.client.internal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsync.cache.CacheStats;
import io.dsync.cache.client.ClientCacheService;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Each cache's statistics on this node as Dropwizard gauges, {@code dsync.cache.client.<cache>.<figure>}: hits,
 * misses, hit ratio, evictions, invalidations received, write-backs, lines held and writes lost. Gauges are added for
 * a cache once it is used here ({@link #refresh()}, called on a timer).
 */
final class CacheClientMetrics {

    static final String PREFIX = "dsync.cache.client.";

    private final MetricRegistry registry;
    private final ClientCacheService caches;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    CacheClientMetrics(MetricRegistry registry, ClientCacheService caches) {
        this.registry = registry;
        this.caches = caches;
    }

    void refresh() {
        for (String cache : caches.openedNames()) {
            if (registered.add(cache)) {
                stat(cache, "hits", CacheStats::hits);
                stat(cache, "misses", CacheStats::misses);
                stat(cache, "hitRatio", CacheStats::hitRate);
                stat(cache, "evictions", CacheStats::evictions);
                stat(cache, "invalidationsReceived", CacheStats::invalidationsReceived);
                stat(cache, "writeBacks", CacheStats::writeBacks);
                gauge(cache, "lines", v -> v.lines());
                gauge(cache, "writesLost", v -> v.writesLost());
            }
        }
    }

    private void stat(String cache, String name, ToDoubleFunction<CacheStats> figure) {
        gauge(cache, name, v -> figure.applyAsDouble(v.stats()));
    }

    private void gauge(String cache, String name, ToDoubleFunction<ClientCacheService.LocalView> figure) {
        registry.gauge(PREFIX + cache + "." + name,
                () -> (Gauge<Double>) () -> caches.view(cache, 0).map(figure::applyAsDouble).orElse(0.0));
    }

    void remove() {
        registry.removeMatching((name, m) -> name.startsWith(PREFIX));
    }
}
