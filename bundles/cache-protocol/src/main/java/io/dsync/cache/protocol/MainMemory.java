package io.dsync.cache.protocol;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.OptionalOptions;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.cache.core.Effect;
import io.dsync.cache.core.MemoryResult;
import io.dsync.cache.core.MemoryResult.WriteOutcome;
import io.dsync.cache.core.Versioned;

/**
 * Main memory: runs the core's {@link Effect.ReadMemory fenced reads} and {@link Effect.WriteMemory
 * conditional writes} as Lua scripts in Redis (see {@link MainMemoryScripts} and docs/cache.md) and answers
 * the {@link MemoryResult} to feed back to the core.
 * <p>
 * <b>Keys.</b> Each cache key is one Redis hash, named by the {@code keyOf} function from
 * {@code <cache>:<key>} (cache names have no colon, see {@link io.dsync.cache.CacheConfig}, so the first
 * colon separates the two). {@link #keyLayout(String)} gives the usual function. Each script touches exactly
 * one Redis key, so any layout works in a Redis Cluster; the layout's per-key hash tag spreads the keys over
 * the shards.
 * <p>
 * <b>Failures.</b> The stages never complete exceptionally: a Redis error, a timeout (Redisson's command
 * timeout and retries), a client that is shut down or an unexpected reply give
 * {@link MemoryResult.ReadFailed} or {@link MemoryResult.WriteDone} with {@link WriteOutcome#FAILED}, in
 * which case the script may or may not have run. The stages complete on Redisson's threads: callers must
 * not block there.
 * <p>
 * <b>Replicas.</b> With {@code replicaAcks > 0}, every script is followed, in the same round trip, by a
 * {@code WAIT replicaAcks timeout}, and a read or a write that fewer replicas confirmed in time fails (its
 * effect is on the primary, but a failover could lose it); a rejected write changed nothing and stays
 * rejected. Reads wait too: the fence a read raises is what stops a ghost write, and a failover that lost
 * it would let one through.
 * <p>
 * Thread-safe.
 */
public final class MainMemory {

    private static final Logger LOG = LoggerFactory.getLogger(MainMemory.class);

    private final RedissonClient client;
    private final Function<String, String> keyOf;
    private final int replicaAcks;
    /** Whether fenced reads fail now: told once per outage, at WARN (the homes grant nothing meanwhile). */
    private final AtomicBoolean readsFailing = new AtomicBoolean();
    private final Duration replicaTimeout;
    /**
     * A write that took this long may have been sent twice (the Redis client sends a command again after its timeout
     * or, after a failure, after a delay of 500 ms or more): its rejection may be the answer to the second send after
     * the first one landed, so it is unknown, not a rejection.
     */
    private final long resendAfterNanos;

    /**
     * A cold read waits for Redis at most this long and is not sent again: it changes nothing, and when it fails its
     * operation goes the home's way (which may answer from its copy of memory) instead of waiting out the client's
     * whole retry budget.
     */
    static final Duration PLAIN_READ_TIMEOUT = Duration.ofMillis(500);
    private static final OptionalOptions PLAIN_READ = OptionalOptions.defaults().codec(ByteArrayCodec.INSTANCE)
            .timeout(PLAIN_READ_TIMEOUT).retryAttempts(0);

    /**
     * Creates a main memory whose scripts complete when the Redis primary has run them.
     *
     * @param client the Redis client
     * @param keyOf maps {@code <cache>:<key>} to the key's Redis key, for example {@link #keyLayout(String)}
     */
    public MainMemory(RedissonClient client, Function<String, String> keyOf) {
        this(client, keyOf, 0, Duration.ZERO);
    }

    /**
     * Creates a main memory whose scripts complete when the Redis primary has run them and, if
     * {@code replicaAcks > 0}, that many replicas have them.
     *
     * @param client the Redis client
     * @param keyOf maps {@code <cache>:<key>} to the key's Redis key, for example {@link #keyLayout(String)}
     * @param replicaAcks how many replicas must confirm each script ({@code WAIT}); 0 for none
     * @param replicaTimeout how long to wait for them
     * @throws IllegalArgumentException if {@code replicaAcks} is negative, or positive with a timeout that is
     *     not positive
     */
    public MainMemory(RedissonClient client, Function<String, String> keyOf, int replicaAcks, Duration replicaTimeout) {
        this(client, keyOf, replicaAcks, replicaTimeout, resendAfter(client));
    }

    MainMemory(RedissonClient client, Function<String, String> keyOf, int replicaAcks, Duration replicaTimeout,
               long resendAfterNanos) {
        this.client = Objects.requireNonNull(client, "client");
        this.keyOf = Objects.requireNonNull(keyOf, "keyOf");
        this.replicaTimeout = Objects.requireNonNull(replicaTimeout, "replicaTimeout");
        if (replicaAcks < 0) {
            throw new IllegalArgumentException("replicaAcks must not be negative, was " + replicaAcks);
        }
        if (replicaAcks > 0 && (replicaTimeout.isZero() || replicaTimeout.isNegative())) {
            throw new IllegalArgumentException("replicaTimeout must be positive when waiting for replicas, was "
                    + replicaTimeout);
        }
        this.replicaAcks = replicaAcks;
        this.resendAfterNanos = resendAfterNanos;
    }

    /** The shortest time after which the client may send a command again: its timeout, at most 250 ms. */
    private static long resendAfter(RedissonClient client) {
        long cap = TimeUnit.MILLISECONDS.toNanos(250);
        try {
            Config c = client.getConfig();
            int timeout = c.isClusterConfig() ? c.useClusterServers().getTimeout()
                    : c.isSentinelConfig() ? c.useSentinelServers().getTimeout()
                    : c.isSingleConfig() ? c.useSingleServer().getTimeout() : Integer.MAX_VALUE;
            return Math.min(cap, TimeUnit.MILLISECONDS.toNanos(timeout));
        } catch (RuntimeException e) {
            return cap;
        }
    }

    /**
     * Tells whether writes and fenced reads wait for replicas: then reads without a fence are not used (see
     * {@link #readPlain}).
     *
     * @return {@code true} if replicas must confirm
     */
    public boolean waitsForReplicas() {
        return replicaAcks > 0;
    }

    /**
     * The usual key layout: under {@code prefix}, one hash per cache key whose hash tag is the cache and the
     * key, so that the keys spread over a Redis Cluster's shards.
     * <ul>
     * <li>A prefix without <code>'&#123;'</code>, such as {@code RedisConnection.key}'s {@code dsync:<cluster>:}, is
     * kept in front: {@code <prefix>cache:{<cache>:<key>}}, for example {@code dsync:prod:cache:{users:42}}.</li>
     * <li>A prefix with a <code>'&#123;'</code>, such as the registry's {@code dsync:{<cluster>}:}, would make its
     * own braces the hash tag of every cache key (Redis hashes the first <code>&#123;...&#125;</code> of a key)
     * and put all of main memory on one shard. The per-key tag then comes first:
     * {@code {<cache>:<key>}:<prefix>cache}, for example {@code {users:42}:dsync:{prod}:cache}.</li>
     * </ul>
     * A brace inside a key can cut the tag short (the tag ends at the first <code>'&#125;'</code> after the
     * opening one); the tag still holds the cache name and the key up to there, which is enough to spread the keys.
     *
     * @param prefix the name space, for example {@code "dsync:prod:"}; may be empty
     * @return a function from {@code <cache>:<key>} to the Redis key
     */
    public static Function<String, String> keyLayout(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.indexOf('{') >= 0) {
            return name -> "{" + name + "}:" + prefix + "cache";
        }
        return name -> prefix + "cache:{" + name + "}";
    }

    /**
     * Runs a fenced read: raises the key's stored fence to {@code r.fence()} if it is lower, and reads the
     * value and version.
     *
     * @param cache the cache's name
     * @param r the read
     * @return {@link MemoryResult.ReadDone} ({@link Versioned#INITIAL} for a key never written, an absent value
     *     for a tombstone), or {@link MemoryResult.ReadFailed}; never completes exceptionally
     * @throws IllegalArgumentException if the cache name contains a colon
     */
    public CompletionStage<MemoryResult> read(String cache, Effect.ReadMemory r) {
        String key = redisKey(cache, r.key());
        return run(key, MainMemoryScripts.READ, RScript.ReturnType.LIST, MainMemoryScripts.fence(r.fence()))
                .handle((reply, error) -> {
                    MemoryResult result;
                    if (error == null && !reply.replicated()) {
                        LOG.debug("Main memory: the read of {} was not confirmed by {} replica(s) in time", key,
                                replicaAcks);
                        result = new MemoryResult.ReadFailed(r.read(), r.key());
                        readsFail("fewer than " + replicaAcks + " replica(s) confirmed a read in time");
                    } else {
                        result = readResult(r.read(), r.key(), "read", key, error == null ? reply.value() : null, error);
                        if (result instanceof MemoryResult.ReadFailed) {
                            readsFail(error == null ? "an unexpected answer" : error.toString());
                        } else if (readsFailing.compareAndSet(true, false)) {
                            LOG.info("Main memory: fenced reads succeed again");
                        }
                    }
                    return result;
                });
    }

    /**
     * Reads a key as main memory holds it, without a fence and without waiting for replicas: a cold read of a
     * write-through cache ({@link Effect.ReadPlain}). Run as a script so that it goes to the master whatever the
     * client's read mode; with replicas, a read may see a write that a failover then loses, so nodes that wait for
     * replicas do not make cold reads.
     *
     * @param cache the cache name
     * @param r the read
     * @return its result, {@link MemoryResult.ReadFailed} if Redis did not answer
     */
    public CompletionStage<MemoryResult> readPlain(String cache, Effect.ReadPlain r) {
        String key = redisKey(cache, r.key());
        CompletionStage<Object> reply;
        try {
            reply = client.getScript(PLAIN_READ).evalAsync(key, RScript.Mode.READ_WRITE, MainMemoryScripts.READ_PLAIN,
                    RScript.ReturnType.LIST, List.of(key));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((value, error) -> readResult(r.read(), r.key(), "cold read", key, value, error));
    }

    private void readsFail(String why) {
        if (readsFailing.compareAndSet(false, true)) {
            LOG.warn("Main memory: fenced reads fail ({}); homes grant no copy until Redis answers them, and try again "
                    + "every {} ms", why, ProtocolDriver.READ_RETRY_PAUSE_MILLIS);
        }
    }

    /** The result of a read script: what it read, or a failed read if it failed or answered something else. */
    private static MemoryResult readResult(long read, String cacheKey, String what, String key, Object value,
            Throwable error) {
        if (error != null) {
            LOG.debug("Main memory: the {} of {} failed", what, key, error);
        } else {
            try {
                return new MemoryResult.ReadDone(read, cacheKey, versioned(value));
            } catch (RuntimeException e) {
                LOG.warn("Main memory: unexpected answer to the {} of {}: {}", what, key, value, e);
            }
        }
        return new MemoryResult.ReadFailed(read, cacheKey);
    }

    /**
     * Runs a conditional write: stores {@code w.data()} under {@code w.fence()} unless main memory has a newer
     * fence or version (see docs/cache.md); a repeat of the stored write counts as written.
     *
     * @param cache the cache's name
     * @param w the write
     * @return {@link MemoryResult.WriteDone} with {@link WriteOutcome#WRITTEN}, {@link WriteOutcome#REJECTED}
     *     or {@link WriteOutcome#FAILED}; never completes exceptionally
     * @throws IllegalArgumentException if the cache name contains a colon
     */
    public CompletionStage<MemoryResult> write(String cache, Effect.WriteMemory w) {
        String key = redisKey(cache, w.key());
        Versioned data = w.data();
        byte[] present = MainMemoryScripts.number(data.present() ? 1 : 0);
        byte[] value = data.present() ? data.value() : new byte[0];
        long started = System.nanoTime();
        return run(key, MainMemoryScripts.WRITE, RScript.ReturnType.LONG, MainMemoryScripts.fence(w.fence()),
                MainMemoryScripts.number(data.version()), present, value)
                .handle((reply, error) -> new MemoryResult.WriteDone(w.write(), w.key(),
                        outcome(key, reply, error, System.nanoTime() - started >= resendAfterNanos)));
    }

    /**
     * Tells what came of a write. A rejection changed nothing, so it needs no replica, unless the write may have been
     * sent twice (then it is unknown: the first send may have landed before whatever makes the second one rejected);
     * a write (or a repeat of one) that too few replicas confirmed is unknown: a failover could lose it.
     */
    private WriteOutcome outcome(String key, Reply reply, Throwable error, boolean mayHaveBeenSentTwice) {
        if (error != null) {
            LOG.debug("Main memory: the write of {} failed", key, error);
            return WriteOutcome.FAILED;
        }
        if (!(reply.value() instanceof Long n) || n < 0 || n > 1) {
            LOG.warn("Main memory: unexpected answer to the write of {}: {}", key, reply.value());
            return WriteOutcome.FAILED;
        }
        if (n == 0) {
            if (mayHaveBeenSentTwice) {
                LOG.debug("Main memory: the write of {} was rejected after it may have been sent twice: unknown", key);
                return WriteOutcome.FAILED;
            }
            return WriteOutcome.REJECTED;
        }
        if (!reply.replicated()) {
            LOG.debug("Main memory: the write of {} was not confirmed by {} replica(s) in time", key, replicaAcks);
            return WriteOutcome.FAILED;
        }
        return WriteOutcome.WRITTEN;
    }

    private String redisKey(String cache, String key) {
        Objects.requireNonNull(cache, "cache");
        if (cache.indexOf(':') >= 0) {
            throw new IllegalArgumentException("cache name must not contain ':', was '" + cache + "'");
        }
        return keyOf.apply(cache + ":" + key);
    }

    /** Decodes the read script's answer: {@code {version}} or {@code {version, value}}. */
    private static Versioned versioned(Object reply) {
        List<?> list = (List<?>) reply;
        if (list.size() != 1 && list.size() != 2) {
            throw new IllegalStateException("expected 1 or 2 elements, got " + list.size());
        }
        long version = MainMemoryScripts.number(list.get(0));
        byte[] value = list.size() == 2 ? (byte[]) list.get(1) : null;
        return value == null && version == 0 ? Versioned.INITIAL : new Versioned(value, version);
    }

    /**
     * Runs a script on one key, followed by a {@code WAIT} if replicas must confirm it. Never throws: a
     * failure to send is a failed stage.
     */
    private CompletionStage<Reply> run(String key, String script, RScript.ReturnType type, Object... args) {
        try {
            List<Object> keys = List.of(key);
            if (replicaAcks == 0) {
                CompletionStage<Object> reply = client.getScript(ByteArrayCodec.INSTANCE).evalAsync(key,
                        RScript.Mode.READ_WRITE, script, type, keys, args);
                return reply.thenApply(value -> new Reply(value, true));
            }
            // the script and a WAIT for the replicas, in one round trip
            RBatch batch = client.createBatch(BatchOptions.defaults().sync(replicaAcks, replicaTimeout));
            CompletionStage<Object> reply = batch.getScript(ByteArrayCodec.INSTANCE).evalAsync(key,
                    RScript.Mode.READ_WRITE, script, type, keys, args);
            // WAIT answers how many replicas have the script's effect; Redisson passes the count on unchecked
            return batch.executeAsync().thenCombine(reply,
                    (done, value) -> new Reply(value, done.getSyncedSlaves() >= replicaAcks));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * What a script answered.
     *
     * @param value the script's answer
     * @param replicated whether as many replicas as asked confirmed the script (always with none asked)
     */
    private record Reply(Object value, boolean replicated) {
    }
}
