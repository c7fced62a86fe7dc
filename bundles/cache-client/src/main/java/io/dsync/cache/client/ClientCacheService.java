package io.dsync.cache.client;

import io.dsync.cache.Cache;
import io.dsync.cache.CacheCodec;
import io.dsync.cache.CacheConfig;
import io.dsync.cache.CacheException;
import io.dsync.cache.CacheNotFoundException;
import io.dsync.cache.CacheService;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.core.CacheNode;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.HomeLocator;
import io.dsync.cache.core.Op;
import io.dsync.cache.core.Timing;
import io.dsync.cache.protocol.CacheCatalog;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.cache.protocol.ProtocolDriver;
import io.dsync.redis.RedisErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CacheService} of a node: one {@link LocalCache} per cache used here, made on first use once the cache is
 * found in the catalog, its homes located on the ring of cache nodes. Thread-safe.
 */
public final class ClientCacheService implements CacheService, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClientCacheService.class);
    /** The home named while no cache node is known: messages to it are dropped, and operations time out. */
    static final String NO_HOME = "(no cache node)";

    private final String self;
    private final long incarnation;
    private final Timing timing;
    private final CacheCatalog catalog;
    private final CoherenceTransport transport;
    private final MainMemory memory;
    private final Supplier<CacheTopology> topology;
    private final Executor completions;
    private final boolean coldReads;
    private final Map<String, LocalCache> caches = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Taken to open a cache and to stop: no cache opens after {@link #close} took the list of open ones. */
    private final Object opening = new Object();
    private volatile CacheLatencies latencies = new CacheLatencies() {
        @Override
        public void remote(String cache, boolean read, long nanos) {
        }

        @Override
        public void outage(long nanos) {
        }
    };

    /**
     * Takes the latency of every operation that did not complete locally, and how long the node waited for homes that
     * did not answer, the partition recovery time as it saw it (for the metrics).
     */
    public interface CacheLatencies {
        void remote(String cache, boolean read, long nanos);

        void outage(long nanos);
    }

    public void setLatencies(CacheLatencies latencies) {
        this.latencies = latencies;
    }

    /**
     * @param self this node's id
     * @param incarnation this start of the client, larger than any earlier one
     * @param timing the protocol's durations
     * @param catalog the declared caches
     * @param transport sends coherence messages
     * @param memory main memory
     * @param topology the ring of homes as last read
     * @param completions completes the operations that do not complete at once
     * @param coldReads whether write-through caches answer reads of keys missed rarely from main memory without
     *     keeping a copy ({@link CacheNode}'s cold reads); off whatever this says when main memory waits for replicas
     */
    public ClientCacheService(String self, long incarnation, Timing timing, CacheCatalog catalog,
                              CoherenceTransport transport, MainMemory memory, Supplier<CacheTopology> topology,
                              Executor completions, boolean coldReads) {
        this.self = self;
        this.incarnation = incarnation;
        this.timing = timing;
        this.catalog = catalog;
        this.transport = transport;
        this.memory = memory;
        this.topology = topology;
        this.completions = completions;
        this.coldReads = coldReads && !memory.waitsForReplicas();
    }

    @Override
    public CompletableFuture<CacheConfig> declareAsync(CacheConfig config) {
        Objects.requireNonNull(config, "config");
        try {
            // On the completion pool: the catalog's future completes on a Redis thread, which callbacks must not block.
            return catalog.declare(config).toCompletableFuture().handleAsync((stored, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    throw cause instanceof CacheException c ? c : new CacheUnavailableException(config.name(),
                            "could not declare cache '" + config.name() + "': Redis did not answer ("
                                    + RedisErrors.describe(cause) + ")",
                            cause);
                }
                return stored;
            }, completions);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new CacheUnavailableException(config.name(),
                    "could not declare cache '" + config.name() + "': " + e, e));
        }
    }

    @Override
    public CacheConfig declare(CacheConfig config) {
        return Blocking.await(declareAsync(config), config.name(), timing);
    }

    @Override
    public <V> Cache<V> cache(String name, CacheCodec<V> codec) {
        CacheConfig.requireValidName(Objects.requireNonNull(name, "name"));
        return new CoherentCache<>(this, name, Objects.requireNonNull(codec, "codec"), timing);
    }

    @Override
    public Cache<byte[]> cache(String name) {
        return cache(name, CoherentCache.BYTES);
    }

    /** The local copies of a declared cache, made on first use; fails with {@link CacheNotFoundException}. */
    CompletableFuture<LocalCache> local(String name) {
        if (closed) {
            return CompletableFuture.failedFuture(stopping(name));
        }
        LocalCache local = caches.get(name);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        CompletionStage<Optional<CacheConfig>> found;
        try {
            found = catalog.find(name);
        } catch (RuntimeException e) {
            found = CompletableFuture.failedFuture(e);
        }
        // On the completion pool: the catalog's future completes on a Redis thread, which callbacks must not block.
        return found.toCompletableFuture().handleAsync((config, error) -> {
            if (error != null) {
                throw new CacheUnavailableException(name, "could not read the catalog of caches for '" + name
                        + "': " + RedisErrors.describe(error), unwrap(error));
            }
            synchronized (opening) {
                // Checked with the opening, under the lock that close() takes: a cache opened after close() walked
                // the open ones would never be written back nor have its operations failed.
                if (closed) {
                    throw stopping(name);
                }
                return caches.computeIfAbsent(name, n -> open(config.orElseThrow(() -> new CacheNotFoundException(n))));
            }
        }, completions);
    }

    private static CacheUnavailableException stopping(String name) {
        return new CacheUnavailableException(name, "the cache client of this node is stopping (its bundle is being "
                + "stopped or updated); try again", null);
    }

    private LocalCache open(CacheConfig config) {
        String cache = config.name();
        HomeLocator homes = key -> {
            CacheTopology t = topology.get();
            String home = t.home(cache, key);
            return new HomeLocator.Home(home == null ? NO_HOME : home, Math.max(1, t.epoch()));
        };
        CacheNode node = new CacheNode(cache, self, incarnation, config.localCapacity(), config.localCapacityBytes(),
                config.writeMode(), config.evictionPolicy(), coldReads, timing, homes);
        LOG.debug("Cache '{}' opened on {} ({})", cache, self, config);
        return new LocalCache(config, node, (c, n, sink) -> new ProtocolDriver<>(c, n, transport, memory,
                CacheNode::onMemory, sink), completions, new LocalCache.Latencies() {
                    @Override
                    public void remote(boolean read, long nanos) {
                        latencies.remote(cache, read, nanos);
                    }

                    @Override
                    public void outage(long nanos) {
                        latencies.outage(nanos);
                    }
                });
    }

    /** Hands a message from a home to this node's copies of its cache. */
    public void onMessage(String cache, String from, CoherenceMessage.ToNode message) {
        LocalCache local = caches.get(cache);
        if (local != null) {
            local.onMessage(from, message);
            return;
        }
        // A home still counts a copy of an earlier start of this node: answer it (an invalidation is acknowledged
        // by a node that holds nothing), so that it does not wait for the lease.
        local(cache).thenAccept(l -> l.onMessage(from, message)).exceptionally(e -> {
            LOG.debug("Message for cache '{}' from {} dropped: {}", cache, from, e.toString());
            return null;
        });
    }

    /** Runs the timers of every cache's copies (retransmissions, lease renewals and ends, operation timeouts). */
    public void tick() {
        for (LocalCache local : caches.values()) {
            try {
                local.tick();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                // One cache's failure must not end the timer of every cache (a scheduled task that throws is not run
                // again): no timeouts, retransmissions or renewals would follow.
                LOG.warn("The timer of cache '{}' failed: {}", local.config().name(), t.toString());
            }
        }
    }

    /** Whether a cache was used on this node. */
    public boolean anyOpened() {
        return !caches.isEmpty();
    }

    /** The names of the caches used on this node so far. */
    public java.util.Set<String> openedNames() {
        return java.util.Set.copyOf(caches.keySet());
    }

    LocalCache opened(String name) {
        return caches.get(name);
    }

    /**
     * A declared cache's configuration (remembered once found).
     *
     * @throws CacheNotFoundException if it was never declared
     * @throws CacheUnavailableException if the catalog cannot be read
     */
    public io.dsync.cache.CacheConfig config(String name) {
        return Blocking.await(local(name), name, timing).config();
    }

    /**
     * The declared caches, sorted by name (reads Redis).
     *
     * @throws CacheUnavailableException if the catalog cannot be read (Redis down or slow)
     */
    public List<io.dsync.cache.CacheConfig> declared() {
        try {
            return catalog.list();
        } catch (CacheException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheUnavailableException("*", "could not read the catalog of caches: Redis did not answer ("
                    + e + ")", e);
        }
    }

    /** This node's view of a cache it uses: statistics and its first copies in LRU order; empty if unused here. */
    public Optional<LocalView> view(String name, int lineLimit) {
        LocalCache local = caches.get(name);
        return local == null ? Optional.empty() : Optional.of(new LocalView(local.stats(), local.size(),
                local.capacity(), local.bytes(), local.readsFromMemory(), local.writesLost(), local.linesByState(),
                local.transitions(), lineLimit == 0 ? List.of() : local.lines(lineLimit)));
    }

    /**
     * This node's copies of a cache.
     *
     * @param stats the statistics
     * @param lines how many copies it holds
     * @param capacity how many copies it may hold
     * @param bytes what its copies weigh: keys at two bytes per character, and values
     * @param readsFromMemory the reads answered from main memory without a copy (cold reads; misses too)
     * @param writesLost modified copies dropped without a successful write-back
     * @param byState the copies by the rights they hold now
     * @param transitions how often each MESI transition happened here, with its cause
     * @param first the first copies, most recently used first
     */
    public record LocalView(io.dsync.cache.CacheStats stats, int lines, int capacity, long bytes,
                            long readsFromMemory, long writesLost,
                            Map<io.dsync.cache.core.MesiState, Integer> byState,
                            Map<io.dsync.cache.core.Transition, Long> transitions, List<CacheNode.LineView> first) {
    }

    /**
     * Stops the service, as its bundle stops: operations submitted from now on fail with
     * {@link CacheUnavailableException}; those in flight may finish; then every local copy is dropped and modified
     * ones are written back (the write-back of a {@code WRITE_BACK} cache), all within 5 s. The transport and the timer
     * must keep running until this returns.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    public void close(Duration wait) {
        List<LocalCache> open;
        synchronized (opening) {
            closed = true;
            open = List.copyOf(caches.values());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> unflushed = new ArrayList<>();
        for (LocalCache local : open) {
            if (!local.close(deadline)) {
                unflushed.add(local.config().name());
            }
        }
        if (!unflushed.isEmpty()) {
            LOG.warn("Not every modified copy of caches {} could be written back within {} ms as the cache client "
                    + "stopped; they are lost if they were not written back", unflushed, wait.toMillis());
        }
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    String self() {
        return self;
    }
}
