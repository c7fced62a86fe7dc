package io.dsync.bench.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheCodec;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.CacheStats;
import io.dsync.cache.WriteMode;

/**
 * dsync's coherent cache, used through a {@code Cache<String>} handle (UTF-8) by two cache clients in this JVM that the homes
 * reach as nodes ({@link BenchCacheNode}): hits are served from the node's copy, misses and writes go through the
 * key's home (a cache node) and main memory (Redis). One cache per workload, declared with the workload's local
 * capacity and the run's write mode.
 */
public final class DsyncCaches implements CacheSystem {

    private final List<BenchCacheNode> nodes;
    private final WriteMode mode;
    private final EvictionPolicy eviction;
    private final int maxValueBytes;

    /**
     * @param nodes the client nodes (the workloads use the first two, the sharers measurement three)
     * @param mode the caches' write mode
     * @param eviction the caches' eviction policy
     * @param maxValueBytes the largest value the caches accept
     */
    public DsyncCaches(List<BenchCacheNode> nodes, WriteMode mode, EvictionPolicy eviction, int maxValueBytes) {
        this.nodes = nodes;
        this.mode = mode;
        this.eviction = eviction;
        this.maxValueBytes = maxValueBytes;
    }

    public static String name(WriteMode mode) {
        return "dsync (" + (mode == WriteMode.WRITE_THROUGH ? "write-through" : "write-back") + ")";
    }

    @Override
    public String name() {
        return name(mode);
    }

    @Override
    public Store open(String space, int capacity) {
        String cacheName = "bench-" + space;
        nodes.get(0).service().declare(CacheConfig.of(cacheName).withLocalCapacity(capacity)
                .withMaxValueBytes(Math.max(maxValueBytes, CacheConfig.DEFAULT_MAX_VALUE_BYTES)).withWriteMode(mode)
                .withEvictionPolicy(eviction));
        List<Cache<String>> caches = new ArrayList<>();
        for (BenchCacheNode n : nodes) {
            // UTF-8: a String is immutable, so a node decodes each version of a hot key once.
            caches.add(n.service().cache(cacheName, CacheCodec.utf8()));
        }
        return new Store() {
            @Override
            public String get(int node, String key) {
                return caches.get(node).get(key).orElse(null);
            }

            @Override
            public void put(int node, String key, String value) {
                caches.get(node).put(key, value);
            }

            /** Up to 256 asynchronous puts in flight from node 0; fails with the first failed put. */
            @Override
            public void preload(List<String> keys, String value) throws Exception {
                Semaphore inFlight = new Semaphore(256);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                for (String k : keys) {
                    inFlight.acquire();
                    if (failure.get() != null) {
                        inFlight.release();
                        break;
                    }
                    CompletableFuture<Void> put = caches.get(0).putAsync(k, value);
                    put.whenComplete((ok, error) -> {
                        if (error != null) {
                            failure.compareAndSet(null, error);
                        }
                        inFlight.release();
                    });
                }
                inFlight.acquire(256);
                if (failure.get() != null) {
                    throw new IllegalStateException("preloading cache '" + cacheName + "' failed: "
                            + failure.get().getMessage(), failure.get());
                }
            }

            @Override
            public long[] hitsAndMisses() {
                long hits = 0;
                long misses = 0;
                long cold = 0;
                for (int i = 0; i < caches.size(); i++) {
                    CacheStats s = caches.get(i).stats();
                    hits += s.hits();
                    misses += s.misses();
                    cold += nodes.get(i).readsFromMemory(cacheName);
                }
                return new long[] {hits, misses, cold};
            }

            @Override
            public void close() {
                // Drop the copies, so that the next workload's homes and ticks do not carry this one's lines.
                for (Cache<String> c : caches) {
                    try {
                        c.invalidateAll();
                    } catch (RuntimeException e) {
                        // the copies lapse with their leases anyway
                    }
                }
            }
        };
    }
}
