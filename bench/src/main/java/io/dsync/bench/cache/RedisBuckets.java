package io.dsync.bench.cache;

import java.util.List;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Redis used directly, no local copy: {@code GET} and {@code SET} of one string key per cache key through Redisson's
 * {@code RBucket}, on the cluster's Redis. Every operation is a round trip; what dsync's homes and main memory
 * ultimately rest on.
 */
public final class RedisBuckets implements CacheSystem {

    public static final String NAME = "Redis GET/SET (RBucket)";

    private final RedissonClient redisson;

    public RedisBuckets(RedissonClient redisson) {
        this.redisson = redisson;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Store open(String space, int capacity) {
        String prefix = "bench:bucket:" + space + ":";
        return new Store() {
            @Override
            public String get(int node, String key) {
                return redisson.<String>getBucket(prefix + key, StringCodec.INSTANCE).get();
            }

            @Override
            public void put(int node, String key, String value) {
                redisson.<String>getBucket(prefix + key, StringCodec.INSTANCE).set(value);
            }

            @Override
            public void preload(List<String> keys, String value) {
                for (int from = 0; from < keys.size(); from += 1_000) {
                    RBatch batch = redisson.createBatch(BatchOptions.defaults());
                    for (String k : keys.subList(from, Math.min(keys.size(), from + 1_000))) {
                        batch.<String>getBucket(prefix + k, StringCodec.INSTANCE).setAsync(value);
                    }
                    batch.execute();
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
