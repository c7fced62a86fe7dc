package io.dsync.cache.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheConfigConflictException;
import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The declared caches of a cluster: one Redis hash, {@code dsync:<cluster>:caches}, cache name to its configuration
 * as JSON. A declaration is one {@code HSETNX}-like script, so two nodes declaring the same cache at once agree on one
 * configuration. Caches are never changed once declared, so a found cache is remembered for good; a missing one is
 * asked again each time.
 */
public final class CacheCatalog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String DECLARE = """
            local current = redis.call('HGET', KEYS[1], ARGV[1])
            if current then return current end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            return ARGV[2]
            """;

    private final RedissonClient client;
    private final String key;
    private final Map<String, CacheConfig> known = new ConcurrentHashMap<>();

    /**
     * @param client the node's Redisson client
     * @param key the catalog's key, {@code dsync:<cluster>:caches}
     */
    public CacheCatalog(RedissonClient client, String key) {
        this.client = client;
        this.key = key;
    }

    /**
     * Declares a cache, or finds it declared with an equal configuration.
     *
     * @return the configuration as stored; fails with {@link CacheConfigConflictException}, or with the Redis failure
     */
    public CompletionStage<CacheConfig> declare(CacheConfig config) {
        RScript script = client.getScript(StringCodec.INSTANCE);
        CompletionStage<String> reply = script.evalAsync(key, RScript.Mode.READ_WRITE, DECLARE,
                RScript.ReturnType.VALUE, List.of(key), config.name(), write(config));
        return reply.thenApply(json -> {
            CacheConfig stored = read(config.name(), json);
            known.put(stored.name(), stored);
            if (!stored.equals(config)) {
                throw new CacheConfigConflictException(stored, config);
            }
            return stored;
        });
    }

    /** The cache's configuration, remembered or from Redis; empty if it was never declared. */
    public CompletionStage<Optional<CacheConfig>> find(String cache) {
        CacheConfig cached = known.get(cache);
        if (cached != null) {
            return CompletableFuture.completedFuture(Optional.of(cached));
        }
        return client.<String, String>getMap(key, StringCodec.INSTANCE).getAsync(cache).thenApply(json -> {
            if (json == null) {
                return Optional.<CacheConfig>empty();
            }
            CacheConfig config = read(cache, json);
            known.put(cache, config);
            return Optional.of(config);
        });
    }

    /** Every declared cache, sorted by name (reads Redis). */
    public List<CacheConfig> list() {
        List<CacheConfig> caches = new ArrayList<>();
        client.<String, String>getMap(key, StringCodec.INSTANCE).readAllMap().forEach((name, json) -> {
            CacheConfig config = read(name, json);
            known.put(name, config);
            caches.add(config);
        });
        caches.sort(Comparator.comparing(CacheConfig::name));
        return caches;
    }

    static String write(CacheConfig config) {
        ObjectNode node = JSON.createObjectNode();
        node.put("localCapacity", config.localCapacity());
        node.put("maxValueBytes", config.maxValueBytes());
        node.put("writeMode", config.writeMode().name());
        if (config.evictionPolicy() != EvictionPolicy.LRU) {
            // Only when not the default: an LRU cache's entry stays as nodes before 1.2 wrote and read it.
            node.put("evictionPolicy", config.evictionPolicy().name());
        }
        if (config.localCapacityBytes() != 0) {
            // Likewise: a cache without a bound in bytes is stored as nodes before 1.3 wrote it; a node before 1.3
            // ignores the bound, which is each node's own (nodes need not agree on it).
            node.put("localCapacityBytes", config.localCapacityBytes());
        }
        return node.toString();
    }

    /** A policy this version does not know (declared by a later one) is LRU here: nodes need not agree on it. */
    private static EvictionPolicy evictionPolicy(String name) {
        for (EvictionPolicy p : EvictionPolicy.values()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return EvictionPolicy.LRU;
    }

    static CacheConfig read(String name, String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return new CacheConfig(name, node.path("localCapacity").asInt(), node.path("maxValueBytes").asInt(),
                    WriteMode.valueOf(node.path("writeMode").asText()),
                    evictionPolicy(node.path("evictionPolicy").asText(EvictionPolicy.LRU.name())),
                    node.path("localCapacityBytes").asLong(0));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the cache catalog holds an entry for '" + name
                    + "' that is not a cache configuration: "
                    + (json.length() > 200 ? json.substring(0, 200) + "..." : json), e);
        }
    }
}
