package io.dsync.cache.client;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheCodec;
import io.dsync.cache.CacheCodecException;
import io.dsync.cache.CacheStats;
import io.dsync.cache.ValueTooLargeException;
import io.dsync.cache.core.Op;
import io.dsync.cache.core.OpResult;
import io.dsync.cache.core.Timing;
import io.dsync.cache.core.ReadableCopies;
import io.dsync.cache.core.Versioned;
import io.dsync.cache.protocol.ProtocolDriver;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A typed handle on a cache: validates keys and values on the calling thread, encodes with the handle's codec, and
 * submits operations to the node's {@link LocalCache}, which it remembers while it is open.
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

    /** Value types whose instances nobody can change: a decoded one may be handed to every reader. */
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Long.class, Integer.class, Short.class,
            Byte.class, Character.class, Boolean.class, Double.class, Float.class, BigInteger.class, BigDecimal.class,
            UUID.class, Instant.class, LocalDate.class, LocalDateTime.class, OffsetDateTime.class, Duration.class);

    private final ClientCacheService service;
    private final String name;
    private final CacheCodec<V> codec;
    private final Timing timing;
    /** The node's copies of the cache, remembered from the service while they are open. */
    private volatile LocalCache local;

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
        ReadableCopies.Copy hit = hit(key);
        if (hit != null) {
            try {
                return CompletableFuture.completedFuture(decodeHit(key, hit));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        Cache.requireValidKey(key);
        return run(getCall(key));
    }

    @Override
    public Optional<V> get(String key) {
        ReadableCopies.Copy hit = hit(key);
        if (hit != null) {
            return decodeHit(key, hit);
        }
        Cache.requireValidKey(key);
        return call(getCall(key));
    }

    private Call<Optional<V>> getCall(String key) {
        return new Call<>(local -> new Op.Get(key), r -> decode(key, ((OpResult.Read) r).data()));
    }

    /**
     * Decodes a hit, once per copy and codec if the value is of an immutable type (then every reader of that version
     * shares one instance, which nobody can change); other values are decoded afresh for each reader, as
     * {@link CacheCodec} promises.
     */
    @SuppressWarnings("unchecked")
    private Optional<V> decodeHit(String key, ReadableCopies.Copy copy) {
        Object memo = copy.memo(codec);
        if (memo != null) {
            return (Optional<V>) memo;
        }
        Optional<V> value = decode(key, copy.data());
        if (value.isEmpty() || IMMUTABLE.contains(value.get().getClass())) {
            copy.memo(codec, value);
        }
        return value;
    }

    /**
     * The hit path: the key's readable copy if the node has the cache open and holds one (no lock, no future),
     * otherwise {@code null}; always {@code null} inside a compute function, whose calls fail on the usual path. The
     * key is not validated here: only keys that passed validation have copies, so an invalid one misses and is refused
     * on the usual path.
     *
     * @throws NullPointerException if the key is {@code null}
     */
    private ReadableCopies.Copy hit(String key) {
        Objects.requireNonNull(key, "key");
        LocalCache local = this.local;
        if (local == null || local.stopping()) {
            local = service.opened(name);
            this.local = local;
        }
        return local != null && !ProtocolDriver.insideCall() ? local.readNow(key) : null;
    }

    @Override
    public CompletableFuture<Void> putAsync(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        return runEncoded(() -> putCall(key, value));
    }

    @Override
    public void put(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        call(putCall(key, value));
    }

    private Call<Void> putCall(String key, V value) {
        byte[] bytes = encode(key, value);
        return new Call<>(local -> sized(key, bytes, local, new Op.Put(key, bytes)), r -> null);
    }

    @Override
    public CompletableFuture<Optional<V>> putIfAbsentAsync(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        return runEncoded(() -> putIfAbsentCall(key, value));
    }

    @Override
    public Optional<V> putIfAbsent(String key, V value) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(value, "value");
        return call(putIfAbsentCall(key, value));
    }

    private Call<Optional<V>> putIfAbsentCall(String key, V value) {
        byte[] bytes = encode(key, value);
        return new Call<>(local -> sized(key, bytes, local, new Op.PutIfAbsent(key, bytes)),
                r -> r instanceof OpResult.Read read ? decode(key, read.data()) : Optional.empty());
    }

    @Override
    public CompletableFuture<Boolean> removeAsync(String key) {
        Cache.requireValidKey(key);
        return run(removeCall(key));
    }

    @Override
    public boolean remove(String key) {
        Cache.requireValidKey(key);
        return call(removeCall(key));
    }

    private static Call<Boolean> removeCall(String key) {
        return new Call<>(local -> new Op.Remove(key), r -> r instanceof OpResult.Wrote w && w.previous().present());
    }

    @Override
    public CompletableFuture<Optional<V>> computeAsync(String key, UnaryOperator<Optional<V>> remapping) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(remapping, "remapping");
        return run(computeCall(key, remapping));
    }

    @Override
    public Optional<V> compute(String key, UnaryOperator<Optional<V>> remapping) {
        Cache.requireValidKey(key);
        Objects.requireNonNull(remapping, "remapping");
        return call(computeCall(key, remapping));
    }

    private Call<Optional<V>> computeCall(String key, UnaryOperator<Optional<V>> remapping) {
        return new Call<>(local -> {
            int limit = local.config().maxValueBytes();
            UnaryOperator<Optional<byte[]>> onBytes = current -> {
                try {
                    return remap(key, remapping, current, limit);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Throwable t) {
                    // An Error or a checked exception thrown sneakily by the function or the codec: carried as a
                    // failure of this operation (which then writes nothing), not through the core, which would run
                    // the function again later.
                    throw new RemappingThrew(t);
                }
            };
            return new Op.Compute(key, onBytes);
        }, r -> r instanceof OpResult.Wrote w ? decode(key, w.current()) : decode(key, ((OpResult.Read) r).data()));
    }

    private Optional<byte[]> remap(String key, UnaryOperator<Optional<V>> remapping, Optional<byte[]> current,
            int limit) {
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
    }

    @Override
    public CompletableFuture<Void> invalidateAsync(String key) {
        Cache.requireValidKey(key);
        return run(new Call<>(local -> new Op.Invalidate(key), r -> null));
    }

    @Override
    public void invalidate(String key) {
        Cache.requireValidKey(key);
        call(new Call<Void>(local -> new Op.Invalidate(key), r -> null));
    }

    @Override
    public CompletableFuture<Void> invalidateAllAsync() {
        return run(new Call<>(local -> new Op.InvalidateAll(), r -> null));
    }

    @Override
    public void invalidateAll() {
        call(new Call<Void>(local -> new Op.InvalidateAll(), r -> null));
    }

    @Override
    public CacheStats stats() {
        LocalCache local = service.opened(name);
        return local == null ? CacheStats.empty() : local.stats();
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * An operation: what it submits, made once the node has the cache open (it may check the value against the
     * cache's limit, and throw), and what its result means.
     */
    private record Call<T>(Function<LocalCache, Op> op, Function<OpResult, T> result) {
    }

    /** The asynchronous path: the result is mapped on the completion pool (never on a network or Redis thread). */
    private <T> CompletableFuture<T> run(Call<T> call) {
        return service.local(name).thenCompose(local -> {
            Op op = call.op().apply(local);
            refuseInsideCompute();
            return local.submit(op).thenApply(r -> outcome(r, call));
        });
    }

    /** {@link #run} of a call whose making encodes a value: an encoding failure fails the future. */
    private <T> CompletableFuture<T> runEncoded(Supplier<Call<T>> call) {
        Call<T> made;
        try {
            made = call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return run(made);
    }

    /**
     * The blocking path: the calling thread waits for the core's result and maps it itself, so the result is handed
     * straight to it from the thread it arrives on (no completion pool in between).
     */
    private <T> T call(Call<T> call) {
        refuseInsideCompute();
        LocalCache local = await(service.local(name));
        return outcome(await(local.submitAwaited(call.op().apply(local))), call);
    }

    private static <T> T outcome(OpResult r, Call<T> call) {
        if (r instanceof OpResult.Failed failed) {
            if (failed.cause() instanceof RemappingThrew t) {
                throw CoherentCache.<RuntimeException>sneaky(t.getCause());
            }
            throw failed.cause();
        }
        return call.result().apply(r);
    }

    /** What a compute function threw that is not a {@link RuntimeException}, on its way to the caller. */
    private static final class RemappingThrew extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RemappingThrew(Throwable thrown) {
            super(thrown.toString(), thrown, false, false);
        }
    }

    /** Rethrows what a compute function threw as it was, checked or not. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    private static void refuseInsideCompute() {
        if (ProtocolDriver.insideCall()) {
            throw new IllegalStateException("a compute function must not call the cache");
        }
    }

    private Op sized(String key, byte[] bytes, LocalCache local, Op op) {
        checkSize(key, bytes, local.config().maxValueBytes());
        return op;
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
