package io.dsync.cache.client.internal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsync.cache.CacheStats;
import io.dsync.cache.client.ClientCacheService;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Each cache's statistics on this node as Dropwizard metrics, {@code dsync.cache.client.<cache>.<figure>}: gauges of
 * hits, misses, hit ratio, evictions, invalidations received, write-backs, lines held, lines per MESI state
 * ({@code lines.M} ...) and writes lost; and the coherence latency as timers: {@code obtainShared} (gets that were
 * misses: the time to obtain S) and {@code obtainExclusive} (writes that needed the home: the time to obtain M, and in
 * a write-through cache to write main memory). Gauges are added for a cache once it is used here
 * ({@link #refresh()}, called on a timer). For the node, {@code dsync.cache.client.outage} (timer): how long it waited
 * for homes that did not answer, from the first sending of the earliest request it had to send again to the next
 * grant, the partition recovery time as this node saw it.
 */
final class CacheClientMetrics implements ClientCacheService.CacheLatencies {

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
                gauge(cache, "bytes", v -> v.bytes());
                gauge(cache, "readsFromMemory", v -> v.readsFromMemory());
                gauge(cache, "writesLost", v -> v.writesLost());
                for (io.dsync.cache.core.MesiState state : io.dsync.cache.core.MesiState.values()) {
                    gauge(cache, "lines." + state.letter(), v -> v.byState().getOrDefault(state, 0));
                }
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

    @Override
    public void remote(String cache, boolean read, long nanos) {
        registry.timer(PREFIX + cache + (read ? ".obtainShared" : ".obtainExclusive"))
                .update(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void outage(long nanos) {
        registry.timer(PREFIX + "outage").update(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void remove() {
        registry.removeMatching((name, m) -> name.startsWith(PREFIX));
    }
}
