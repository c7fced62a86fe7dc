package io.dsync.bench.cache;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.StringCodec;

/**
 * Redisson's {@code RLocalCachedMap}, one instance (with its own local cache) per node over one Redis hash: a near
 * cache that serves hits locally and, on a write, publishes an invalidation that the other instances apply when it
 * reaches them (pub/sub, asynchronous). Eventually consistent: a reader on the other node may read the old value
 * after the write has returned. LRU local caches of the workload's capacity; writes use {@code fastPut} (no previous
 * value returned), like dsync's {@code put}.
 */
public final class RedisLocalCachedMaps implements CacheSystem {

    public static final String NAME = "Redisson RLocalCachedMap";

    private final RedissonClient redisson;

    public RedisLocalCachedMaps(RedissonClient redisson) {
        this.redisson = redisson;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Store open(String space, int capacity) {
        String name = "bench:localcached:" + space;
        List<RLocalCachedMap<String, String>> nodes = List.of(map(name, capacity), map(name, capacity),
                map(name, capacity));
        return new Store() {
            @Override
            public String get(int node, String key) {
                return nodes.get(node).get(key);
            }

            @Override
            public void put(int node, String key, String value) {
                nodes.get(node).fastPut(key, value);
            }

            @Override
            public void preload(List<String> keys, String value) {
                for (int from = 0; from < keys.size(); from += 1_000) {
                    Map<String, String> chunk = new HashMap<>();
                    for (String k : keys.subList(from, Math.min(keys.size(), from + 1_000))) {
                        chunk.put(k, value);
                    }
                    nodes.get(0).putAll(chunk);
                }
            }

            @Override
            public void close() {
                // Unsubscribes the instances from the invalidation topic.
                nodes.forEach(RLocalCachedMap::destroy);
            }
        };
    }

    private RLocalCachedMap<String, String> map(String name, int capacity) {
        return redisson.getLocalCachedMap(LocalCachedMapOptions.<String, String>name(name)
                .codec(StringCodec.INSTANCE)
                .cacheSize(capacity)
                .evictionPolicy(LocalCachedMapOptions.EvictionPolicy.LRU)
                .syncStrategy(LocalCachedMapOptions.SyncStrategy.INVALIDATE));
    }
}
