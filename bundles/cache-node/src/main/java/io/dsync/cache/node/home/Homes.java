package io.dsync.cache.node.home;

import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.Effect;
import io.dsync.cache.core.HomeDirectory;
import io.dsync.cache.core.Timing;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.cache.protocol.ProtocolDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home directories of this cache node, one per cache, made on the first request for the cache. Applies what
 * {@link HomeTerms} decides to every directory, routes coherence messages to them and ticks them. Thread-safe: the
 * directories are serialized by their {@link ProtocolDriver}s, and the terms by this object.
 */
public final class Homes {

    private static final Logger LOG = LoggerFactory.getLogger(Homes.class);

    private final String self;
    private final long incarnation;
    private final Timing timing;
    private final HomeTerms terms;
    private final CoherenceTransport transport;
    private final MainMemory memory;
    private final long retainBytes;
    private final ConcurrentMap<String, ProtocolDriver<HomeDirectory>> directories = new ConcurrentHashMap<>();
    /** Set by {@link #close} (guarded by {@code terms}). */
    private boolean closed;
    /**
     * The previous bundle's directory records by cache, until a directory adopts them (guarded by {@code terms}):
     * kept only if the first epoch is taken up from its handover.
     */
    private final Map<String, List<HomeDirectory.Holding>> adopted = new ConcurrentHashMap<>();
    /** When the last lease among {@link #adopted} ends: the records of caches not used by then are dropped. */
    private volatile long adoptedUntil = Long.MIN_VALUE;
    private boolean assumedOnce;

    /**
     * @param self this node's id
     * @param incarnation this start of the cache node, larger than any earlier one
     * @param timing the protocol's durations
     * @param terms decides epochs and authority
     * @param transport sends the directories' messages
     * @param memory main memory, for the fenced reads before grants
     * @param retainBytes per directory, the bytes kept for the values of keys nobody holds (see
     *     {@link HomeDirectory#HomeDirectory(String, String, long, Timing, long)})
     */
    public Homes(String self, long incarnation, Timing timing, HomeTerms terms, CoherenceTransport transport,
                 MainMemory memory, long retainBytes) {
        this.self = self;
        this.incarnation = incarnation;
        this.timing = timing;
        this.terms = terms;
        this.transport = transport;
        this.memory = memory;
        this.retainBytes = retainBytes;
    }

    /** Applies what the terms decided after a read of the ring. */
    public void apply(HomeTerms.Action action) {
        if (action instanceof HomeTerms.Extend extend) {
            directories.values().forEach(d -> d.call((dir, now) -> dir.extendAuthority(now, extend.epoch(),
                    extend.until())));
        } else if (action instanceof HomeTerms.Assume assume) {
            LOG.info("Cache homes of {} take up epoch {} (ring {}){}", self, assume.topology().epoch(),
                    assume.topology().record().members(), assume.resumed() ? ", where the previous cache-node bundle"
                            + " left off" : "");
            directories.values().forEach(d -> assume(d, assume));
        }
    }

    /**
     * Takes the epoch up in one directory and, the first time, adopts the previous bundle's records of its cache in the
     * same serialized call: no request may reach the directory between the two (it would be served without knowing
     * the old leases).
     */
    private void assume(ProtocolDriver<HomeDirectory> d, HomeTerms.Assume assume) {
        String cache = d.cache();
        List<HomeDirectory.Holding> records = adopted.remove(cache);
        d.call((dir, now) -> {
            if (dir.epoch() >= assume.topology().epoch()) {
                return List.of();
            }
            List<Effect> effects = new ArrayList<>(dir.assume(now, assume.topology().epoch(), assume.authorityUntil(),
                    assume.homes(cache, self), assume.newlyHomed(cache), assume.quarantineUntil()));
            if (records != null) {
                effects.addAll(dir.adopt(now, records));
            }
            return effects;
        });
    }

    /**
     * Stops every directory: no grant, renewal or message after this returns (see {@link ProtocolDriver#close}).
     *
     * @return the time they stopped, on the monotonic clock
     */
    public long close() {
        synchronized (terms) {
            closed = true;
            directories.values().forEach(ProtocolDriver::close);
            return ProtocolDriver.now();
        }
    }

    /**
     * The records of every directory, after {@link #close}, for the next bundle of this node.
     *
     * @return the records by cache
     */
    public Map<String, List<HomeDirectory.Holding>> holdings() {
        long now = ProtocolDriver.now();
        Map<String, List<HomeDirectory.Holding>> all = new TreeMap<>();
        directories.forEach((cache, d) -> all.put(cache, d.query(dir -> dir.holdings(now))));
        return all;
    }

    /**
     * Gives the records the previous bundle of this node left, before the first read of the ring: the directories
     * adopt them (as they are made) if the first epoch is taken up from that bundle's handover.
     */
    public void adopt(Map<String, List<HomeDirectory.Holding>> records) {
        synchronized (terms) {
            adopted.putAll(records);
            adoptedUntil = records.values().stream().flatMap(List::stream)
                    .mapToLong(HomeDirectory.Holding::expiry).max().orElse(Long.MIN_VALUE);
        }
    }

    /** Hands a message from a node to the home directory of its cache. */
    public void onMessage(String cache, String from, CoherenceMessage.ToHome message) {
        directory(cache).call((dir, now) -> dir.onMessage(now, from, message));
    }

    private ProtocolDriver<HomeDirectory> directory(String cache) {
        ProtocolDriver<HomeDirectory> d = directories.get(cache);
        if (d != null) {
            return d;
        }
        synchronized (terms) {
            return directories.computeIfAbsent(cache, c -> {
                ProtocolDriver<HomeDirectory> made = new ProtocolDriver<>(c,
                        new HomeDirectory(c, self, incarnation, timing, retainBytes), transport, memory,
                        HomeDirectory::onMemory, Homes::unexpected);
                HomeTerms.Assume assume = terms.forNewDirectory(ProtocolDriver.now());
                if (closed) {
                    made.close(); // a message that came in as the node stopped: nothing to home it with
                } else if (assume != null) {
                    assume(made, assume);
                }
                return made;
            });
        }
    }

    /** Runs the directories' timers (retransmissions, lease ends, quarantines). */
    public void tick() {
        directories.values().forEach(d -> d.call(HomeDirectory::tick));
        if (adoptedUntil != Long.MIN_VALUE && ProtocolDriver.now() - adoptedUntil > 0) {
            synchronized (terms) {
                adopted.clear(); // every lease they name has ended
                adoptedUntil = Long.MIN_VALUE;
            }
        }
    }

    /** The terms, for the reads of the ring (serialized with the making of directories). */
    public HomeTerms.Action observe(CacheTopology ring, List<CacheTopology> earlier, long startedAt,
            long receivedAt) {
        synchronized (terms) {
            HomeTerms.Action action = terms.observe(ring, earlier, startedAt, receivedAt);
            if (action instanceof HomeTerms.Assume a && !assumedOnce) {
                assumedOnce = true;
                if (!a.resumed()) {
                    adopted.clear(); // the usual way: the records are not needed (and not relied on)
                }
            }
            apply(action);
            return action;
        }
    }

    /** When the quarantines of the keys this node gained recently end ({@link HomeTerms#quarantinesUntil}). */
    public long quarantinesUntil() {
        synchronized (terms) {
            return terms.quarantinesUntil(ProtocolDriver.now());
        }
    }

    public long epoch() {
        synchronized (terms) {
            return terms.epoch();
        }
    }

    /** The directory entries of a cache, for the admin API. */
    public Optional<List<HomeDirectory.EntryView>> entries(String cache, int limit) {
        ProtocolDriver<HomeDirectory> d = directories.get(cache);
        return d == null ? Optional.empty() : Optional.of(d.query(dir -> dir.entries(limit)));
    }

    /** The caches this node has directories for, with their entry counts. */
    public Map<String, Integer> sizes() {
        return perCache(HomeDirectory::size);
    }

    /** The caches this node has directories for, with the number of keys nobody holds whose values they keep. */
    public Map<String, Integer> retained() {
        return perCache(HomeDirectory::retained);
    }

    /** The grants all directories served from their copies of memory, without a Redis read. */
    public long grantsFromCopy() {
        return directories.values().stream().mapToLong(d -> d.query(HomeDirectory::grantsFromCopy)).sum();
    }

    private <T> Map<String, T> perCache(Function<HomeDirectory, T> figure) {
        return directories.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().query(figure), (a, b) -> a, TreeMap::new));
    }

    private static void unexpected(Effect effect) {
        LOG.warn("A home directory asked for {}, which only nodes do: ignored", effect);
    }
}
