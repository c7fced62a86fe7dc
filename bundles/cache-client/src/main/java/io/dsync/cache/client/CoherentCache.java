package io.dsync.cache.client;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheCodec;
import io.dsync.cache.CacheCodecException;
import io.dsync.cache.CacheStats;
import io.dsync.cache.ValueTooLargeException;
import io.dsync.cache.core.Op;
import io.dsync.cache.core.OpResult;
import io.dsync.cache.core.Timing;
import io.dsync.cache.core.Versioned;
import io.dsync.cache.protocol.ProtocolDriver;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A typed handle on a cache: validates keys and values on the calling thread, encodes with the handle's codec, and
 * submits operations to the node's {@link LocalCache}. Holds no state of its own.
 *
 * @param <V> the type of the values
 */
final class CoherentCache<V> implements Cache<V> {

    /** Raw bytes, copied on the way in and out. */
    static final CacheCodec<byte[]> BYTES = new CacheCodec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return value.clone();
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes.clone();
        }
    };

    private final ClientCacheService service;
    private final String name;
    private final CacheCodec<V> codec;
    private final Timing timing;

    CoherentCache(ClientCacheService service, String name, CacheCodec<V> codec, Timing timing) {
        this.service = service;
        this.name = name;
        this.codec = codec;
        this.timing = timing;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<Optional<V>> getAsync(String key) {
        Cache.requireValidKey(key);
        return run(new Op.Get(key), null, r -> decode(key, ((OpResult.Read) r).data()));
    }

    @Override
    public Optional<V> get(String key) {
        Cache.requireValidKey(key);
        // The hit path: no future chain when the node has the cache open and the copy answers at once.
        LocalCache local = service.opened(name);
        if (local != null && !ProtocolDriver.insideCall()) {
            OpResult r = local.submitNow(new Op.Get(key));
            if (r instanceof OpResult.Read read) {
                return decode(key, read.data());
            }
        }
        return await(getAsync(key));
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        byte[] bytes;
        try {
            bytes = encode(key, value);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return run(new Op.Put(key, bytes), bytes, r -> null);
    }

    @Override
    public void put(String key, V value) {
        await(putAsync(key, value));
    }

    @Override
    public CompletableFuture<Optional<V>> putIfAbsentAsync(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        byte[] bytes;
        try {
            bytes = encode(key, value);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return run(new Op.PutIfAbsent(key, bytes), bytes,
                r -> r instanceof OpResult.Read read ? decode(key, read.data()) : Optional.empty());
    }

    @Override
    public Optional<V> putIfAbsent(String key, V value) {
        return await(putIfAbsentAsync(key, value));
    }

    @Override
    public CompletableFuture<Boolean> removeAsync(String key) {
        Cache.requireValidKey(key);
        return run(new Op.Remove(key), null, r -> r instanceof OpResult.Wrote w && w.previous().present());
    }

    @Override
    public boolean remove(String key) {
        return await(removeAsync(key));
    }

    @Override
    public CompletableFuture<Optional<V>> computeAsync(String key, UnaryOperator<Optional<V>> remapping) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(remapping, "remapping");
        return service.local(name).thenCompose(local -> {
            int limit = local.config().maxValueBytes();
            UnaryOperator<Optional<byte[]>> onBytes = current -> {
                Optional<V> next = remapping.apply(current.isEmpty() ? Optional.empty()
                        : Optional.of(decodeValue(key, current.get())));
                if (next == null) {
                    throw new NullPointerException("the remapping function of compute returned null for key '"
                            + key + "' of cache '" + name + "'");
                }
                if (next.isEmpty()) {
                    return Optional.empty();
                }
                byte[] bytes = encode(key, next.get());
                checkSize(key, bytes, limit);
                return Optional.of(bytes);
            };
            return submit(local, new Op.Compute(key, onBytes),
                    r -> r instanceof OpResult.Wrote w ? decode(key, w.current()) : decode(key, ((OpResult.Read) r).data()));
        });
    }

    @Override
    public Optional<V> compute(String key, UnaryOperator<Optional<V>> remapping) {
        return await(computeAsync(key, remapping));
    }

    @Override
    public CompletableFuture<Void> invalidateAsync(String key) {
        Cache.requireValidKey(key);
        return run(new Op.Invalidate(key), null, r -> null);
    }

    @Override
    public void invalidate(String key) {
        await(invalidateAsync(key));
    }

    @Override
    public CompletableFuture<Void> invalidateAllAsync() {
        return run(new Op.InvalidateAll(), null, r -> null);
    }

    @Override
    public void invalidateAll() {
        await(invalidateAllAsync());
    }

    @Override
    public CacheStats stats() {
        LocalCache local = service.opened(name);
        return local == null ? CacheStats.empty() : local.stats();
    }

    // ---------------------------------------------------------------- plumbing

    private <T> CompletableFuture<T> run(Op op, byte[] value, Function<OpResult, T> result) {
        return service.local(name).thenCompose(local -> {
            if (value != null) {
                checkSize(op instanceof Op.Put p ? p.key() : ((Op.PutIfAbsent) op).key(), value,
                        local.config().maxValueBytes());
            }
            return submit(local, op, result);
        });
    }

    private static <T> CompletableFuture<T> submit(LocalCache local, Op op, Function<OpResult, T> result) {
        if (ProtocolDriver.insideCall()) {
            throw new IllegalStateException("a compute function must not call the cache");
        }
        return local.submit(op).thenApply(r -> {
            if (r instanceof OpResult.Failed failed) {
                throw failed.cause();
            }
            return result.apply(r);
        });
    }

    private void checkSize(String key, byte[] bytes, int limit) {
        if (bytes.length > limit) {
            throw new ValueTooLargeException(name, key, bytes.length, limit);
        }
    }

    private byte[] encode(String key, V value) {
        byte[] bytes;
        try {
            bytes = codec.encode(value);
        } catch (RuntimeException e) {
            throw new CacheCodecException(name, key, "could not encode the value for key '" + key + "' of cache '"
                    + name + "': " + e, e);
        }
        if (bytes == null) {
            throw new CacheCodecException(name, key, "the codec encoded the value for key '" + key + "' of cache '"
                    + name + "' as null", null);
        }
        return bytes;
    }

    private Optional<V> decode(String key, Versioned data) {
        return data.present() ? Optional.of(decodeValue(key, data.value())) : Optional.empty();
    }

    private V decodeValue(String key, byte[] bytes) {
        V value;
        try {
            // The core shares its arrays: a codec that kept or changed them would corrupt the copy.
            value = codec.decode(codec == BYTES ? bytes : Arrays.copyOf(bytes, bytes.length));
        } catch (RuntimeException e) {
            throw new CacheCodecException(name, key, "could not decode the value of key '" + key + "' of cache '"
                    + name + "': " + e, e);
        }
        if (value == null) {
            throw new CacheCodecException(name, key, "the codec decoded the value of key '" + key + "' of cache '"
                    + name + "' as null", null);
        }
        return value;
    }

    private <T> T await(CompletableFuture<T> future) {
        return Blocking.await(future, name, timing);
    }
}
