package io.dsync.bench.cache;

import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Caffeine, one bounded cache per node: a local cache with no coherence at all, the floor a local hit can reach in this
 * JVM. Only for the hit workload: without coherence its writes mean nothing for the other node.
 */
public final class CaffeineCaches implements CacheSystem {

    public static final String NAME = "Caffeine (local only)";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Store open(String space, int capacity) {
        List<Cache<String, String>> nodes = List.of(Caffeine.newBuilder().maximumSize(capacity).build(),
                Caffeine.newBuilder().maximumSize(capacity).build());
        return new Store() {
            @Override
            public String get(int node, String key) {
                return nodes.get(node).getIfPresent(key);
            }

            @Override
            public void put(int node, String key, String value) {
                nodes.get(node).put(key, value);
            }

            @Override
            public void preload(List<String> keys, String value) {
                for (Cache<String, String> c : nodes) {
                    for (String k : keys) {
                        c.put(k, String.valueOf(value.toCharArray())); // a value of its own per key, as the others hold
                    }
                }
            }

            @Override
            public void close() {
                nodes.forEach(Cache::invalidateAll);
            }
        };
    }
}
