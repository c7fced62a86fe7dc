package io.dsync.cache.node.home;

import io.dsync.cache.CacheConfig;
import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.Effect;
import io.dsync.cache.core.HomeDirectory;
import io.dsync.cache.core.Timing;
import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.CoherenceTransport;
import io.dsync.cache.protocol.HomeRing;
import io.dsync.cache.protocol.MainMemory;
import io.dsync.cache.protocol.ProtocolDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home directories of this cache node, one per cache, made on the first request for the cache. Applies what
 * {@link HomeTerms} decides to every directory, routes coherence messages to them and ticks them, and keeps the
 * records of hand-offs and of the previous bundle until directories adopt them. Thread-safe: the directories are
 * serialized by their {@link ProtocolDriver}s; the terms, the records and the making of directories by the monitor of
 * the terms.
 */
public final class Homes {

    private static final Logger LOG = LoggerFactory.getLogger(Homes.class);
    /** Nodes that sent a message naming no valid cache, logged once each. */
    private final Set<String> badNames = ConcurrentHashMap.newKeySet();

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
     * Directory records by cache that no directory has adopted yet, until one does or their leases end (guarded by
     * {@code terms}): the previous bundle's (kept only if the first epoch is taken up from its handover) and those that
     * came with hand-offs this node took an epoch up from, for caches it has no directory for yet.
     */
    private final Map<String, List<HomeDirectory.Holding>> adopted = new ConcurrentHashMap<>();
    /** When the last lease among {@link #adopted} ends: the records of caches not used by then are dropped. */
    private volatile long adoptedUntil = Long.MIN_VALUE;
    /**
     * The records that came with hand-offs not used yet, by the epoch they lead to, then by sender, then by cache
     * (guarded by {@code terms}).
     */
    private final TreeMap<Long, Map<String, Map<String, List<HomeDirectory.Holding>>>> handedOff = new TreeMap<>();
    private final HandOffs handOffs;
    private boolean assumedOnce;

    /** Sends the hand-offs this node owes others ({@link HomeTerms.HandOff}). */
    @FunctionalInterface
    public interface HandOffs {
        /**
         * Sends a hand-off; must not block.
         *
         * @param to the receiver
         * @param handOff the hand-off, times on this node's clock
         * @param records the records of the keys the receiver homes next, by cache
         */
        void send(String to, HomeTerms.HandOff handOff, Map<String, List<HomeDirectory.Holding>> records);
    }

    /**
     * @param self this node's id
     * @param incarnation this start of the cache node, larger than any earlier one
     * @param timing the protocol's durations
     * @param terms decides epochs and authority
     * @param transport sends the directories' messages
     * @param memory main memory, for the fenced reads before grants
     * @param retainBytes per directory, the bytes kept for the values of keys nobody holds (see
     *     {@link HomeDirectory#HomeDirectory(String, String, long, Timing, long)})
     * @param handOffs sends the hand-offs this node owes a node that joins
     */
    public Homes(String self, long incarnation, Timing timing, HomeTerms terms, CoherenceTransport transport,
                 MainMemory memory, long retainBytes, HandOffs handOffs) {
        this.self = self;
        this.incarnation = incarnation;
        this.timing = timing;
        this.terms = terms;
        this.transport = transport;
        this.memory = memory;
        this.retainBytes = retainBytes;
        this.handOffs = handOffs;
    }

    /** Applies what the terms decided (after a read of the ring or a hand-off). Under {@code terms}. */
    private void apply(HomeTerms.Action action) {
        if (action instanceof HomeTerms.Extend extend) {
            directories.values().forEach(d -> d.call((dir, now) -> dir.extendAuthority(now, extend.epoch(),
                    extend.until())));
        } else if (action instanceof HomeTerms.Assume assume) {
            LOG.info("Cache homes of {} take up epoch {} (ring {}){}", self, assume.topology().epoch(),
                    assume.topology().record().members(), how(assume));
            if (!assumedOnce) {
                assumedOnce = true;
                if (!assume.resumed()) {
                    adopted.clear(); // the usual way: the previous bundle's records are not needed (nor relied on)
                }
            }
            for (HomeTerms.HandOff h : assume.received()) {
                Map<String, List<HomeDirectory.Holding>> records = handedOff.getOrDefault(h.next(), Map.of())
                        .get(h.from());
                if (records == null) {
                    // Kept with the hand-off; cannot be missing (the terms and this keep and drop them alike).
                    LOG.error("Cache homes of {}: the records {} handed off for epoch {} are missing; keys may be"
                            + " granted without knowing its leases. Please report this.", self, h.from(), h.next());
                } else {
                    adopt(records);
                }
            }
            handedOff.headMap(assume.topology().epoch(), true).clear();
            if (assume.give() == null) {
                directories.values().forEach(d -> assume(d, assume, null));
            } else {
                // The records of the keys lost to the joiner, taken as each directory stops granting them, and those
                // of caches without a directory yet that the previous bundle or a leaver left here.
                String joiner = assume.joiner();
                CacheTopology was = CacheTopology.of(new HomeRing.Record(assume.give().epoch(),
                        assume.give().members()), List.of());
                Map<String, List<HomeDirectory.Holding>> given = takeLeftovers(ProtocolDriver.now(),
                        (cache, key) -> joiner.equals(assume.topology().home(cache, key))
                                && self.equals(was.home(cache, key)));
                directories.values().forEach(d -> assume(d, assume, given));
                handOffs.send(joiner, assume.give(), given);
            }
        }
    }

    private static String how(HomeTerms.Assume assume) {
        if (assume.resumed()) {
            return ", where the previous cache-node bundle left off";
        }
        if (assume.received().size() == 1 && assume.received().get(0).leaves(assume.topology())) {
            return ", with the records " + assume.received().get(0).from() + " handed off as it left";
        }
        if (!assume.received().isEmpty()) {
            return ", with the records " + assume.received().stream().map(HomeTerms.HandOff::from).toList()
                    + " handed off as this node joined";
        }
        return assume.give() != null ? ", handing the keys it loses off to " + assume.joiner() : "";
    }

    /**
     * Takes the epoch up in one directory, adopting the records left for its cache in the same serialized call (no
     * request may reach the directory between the two: it would be served without knowing the old leases), and, with
     * {@code given}, taking first the records of the keys it loses to a joiner.
     */
    private void assume(ProtocolDriver<HomeDirectory> d, HomeTerms.Assume assume,
            Map<String, List<HomeDirectory.Holding>> given) {
        String cache = d.cache();
        List<HomeDirectory.Holding> records = adopted.remove(cache);
        try {
            assume(d, assume, given, records);
        } catch (RuntimeException e) {
            // A defect (adopt refuses records for keys the directory served): the directory may have taken the epoch
            // up without knowing every lease. Drop it, keeping its records and the ones it could not adopt: the next
            // request makes a new directory, which adopts them all.
            LOG.error("Cache homes of {}: the directory of cache '{}' could not take epoch {} up; it is made anew."
                    + " Please report this.", self, cache, assume.topology().epoch(), e);
            d.close();
            directories.remove(cache, d);
            long now = ProtocolDriver.now();
            List<HomeDirectory.Holding> all = new ArrayList<>(d.query(dir -> dir.holdings(now)));
            if (records != null) {
                all.addAll(records);
            }
            all.removeIf(h -> !self.equals(assume.topology().home(cache, h.key()))); // others' records are stale here
            adopt(Map.of(cache, all));
        }
    }

    private void assume(ProtocolDriver<HomeDirectory> d, HomeTerms.Assume assume,
            Map<String, List<HomeDirectory.Holding>> given, List<HomeDirectory.Holding> records) {
        String cache = d.cache();
        d.call((dir, now) -> {
            if (dir.epoch() >= assume.topology().epoch()) {
                return List.of();
            }
            if (given != null) {
                String joiner = assume.joiner();
                for (HomeDirectory.Holding h : dir.holdings(now)) {
                    if (joiner.equals(assume.topology().home(cache, h.key()))) {
                        given.computeIfAbsent(cache, c -> new ArrayList<>()).add(h);
                    }
                }
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
        Map<String, List<HomeDirectory.Holding>> all;
        synchronized (terms) {
            all = live(now);
        }
        directories.forEach((cache, d) -> all.computeIfAbsent(cache, c -> new ArrayList<>())
                .addAll(d.query(dir -> dir.holdings(now))));
        return all;
    }

    /**
     * The records left here (by the previous bundle, or handed off) for caches without a directory yet whose leases
     * have not ended: this node's to pass on as much as its directories' own. Under {@code terms}.
     */
    private Map<String, List<HomeDirectory.Holding>> live(long now) {
        CacheTopology current = terms.current();
        Map<String, List<HomeDirectory.Holding>> live = new TreeMap<>();
        adopted.forEach((cache, holdings) -> holdings.stream().filter(h -> h.expiry() - now > 0
                        && current != null && self.equals(current.home(cache, h.key())))
                .forEach(h -> live.computeIfAbsent(cache, c -> new ArrayList<>()).add(h)));
        return live;
    }

    /**
     * Removes from the records left here those of the keys {@code lost} accepts and returns the live ones: they go to
     * the keys' next home, and must not travel from here again (that home may be serving the keys by then). Under
     * {@code terms}.
     */
    private Map<String, List<HomeDirectory.Holding>> takeLeftovers(long now, BiPredicate<String, String> lost) {
        Map<String, List<HomeDirectory.Holding>> taken = new TreeMap<>();
        adopted.replaceAll((cache, holdings) -> {
            List<HomeDirectory.Holding> kept = new ArrayList<>();
            for (HomeDirectory.Holding h : holdings) {
                if (!lost.test(cache, h.key())) {
                    kept.add(h);
                } else if (h.expiry() - now > 0) {
                    taken.computeIfAbsent(cache, c -> new ArrayList<>()).add(h);
                }
            }
            return kept;
        });
        return taken;
    }

    /**
     * Gives records for the directories to adopt as they take their next epoch up or are made: the previous bundle's,
     * before the first read of the ring (adopted only if the first epoch is taken up from its handover), and those of
     * the hand-offs an epoch is taken up from.
     */
    public void adopt(Map<String, List<HomeDirectory.Holding>> records) {
        synchronized (terms) {
            records.forEach((cache, holdings) -> adopted.merge(cache, List.copyOf(holdings), (a, b) -> {
                List<HomeDirectory.Holding> both = new ArrayList<>(a);
                both.addAll(b);
                return both;
            }));
            adoptedUntil = Math.max(adoptedUntil, records.values().stream().flatMap(List::stream)
                    .mapToLong(HomeDirectory.Holding::expiry).max().orElse(Long.MIN_VALUE));
        }
    }

    /**
     * Takes in what another cache node handed off to this one (see {@link HomeTerms.HandOff}): the epoch it leads to
     * is taken up at once if this node has read it already and every hand-off it needs is in, else as the ring reads
     * find it.
     *
     * @param handOff the hand-off, its times on this node's clock
     * @param records the sender's records of the keys this node homes under the epoch it leads to, by cache, their
     *     expiries on this node's clock
     */
    public void offer(HomeTerms.HandOff handOff, Map<String, List<HomeDirectory.Holding>> records) {
        synchronized (terms) {
            if (closed) {
                return;
            }
            handedOff.computeIfAbsent(handOff.next(), e -> new TreeMap<>()).put(handOff.from(), records);
            while (handedOff.size() > HomeTerms.MAX_SEEN) { // as the terms keep them: the two evict alike
                handedOff.pollFirstEntry();
            }
            apply(terms.offer(handOff, ProtocolDriver.now()));
            handedOff.headMap(terms.epoch(), true).clear(); // came too late: the epoch was taken up the usual way
        }
    }

    /**
     * The records of every directory, after {@link #close}, by the node that homes their keys under {@code ring}: what
     * this node hands off to each as it leaves for good.
     *
     * @param ring the ring this node made by leaving
     * @return the records by node, then by cache
     */
    public Map<String, Map<String, List<HomeDirectory.Holding>>> holdingsByHome(CacheTopology ring) {
        Map<String, Map<String, List<HomeDirectory.Holding>>> byHome = new TreeMap<>();
        ring.record().members().forEach(m -> byHome.put(m, new TreeMap<>()));
        holdings().forEach((cache, holdings) -> holdings.forEach(h -> byHome.get(ring.home(cache, h.key()))
                .computeIfAbsent(cache, c -> new ArrayList<>()).add(h)));
        return byHome;
    }

    /**
     * Hands a message from a node to the home directory of its cache. A message naming no valid cache (a peer of
     * another version, or not a dsync node) is dropped: a directory made for it would live for good, and its name
     * would fail every Redis key made from it, on the timer's thread.
     */
    public void onMessage(String cache, String from, CoherenceMessage.ToHome message) {
        try {
            CacheConfig.requireValidName(cache);
        } catch (RuntimeException e) {
            if (badNames.add(from)) {
                LOG.warn("Cache homes: dropping messages from {} that name no valid cache ({}); logged once per node",
                        from, e.getMessage());
            }
            return;
        }
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
                    // Not the assume that drops a failing directory (it is not in the map yet): a new directory has
                    // no entries, so its adopt cannot refuse; if anything fails, nothing is stored, the records stay.
                    List<HomeDirectory.Holding> records = adopted.get(c);
                    assume(made, assume, null, records);
                    adopted.remove(c, records);
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
                if (ProtocolDriver.now() - adoptedUntil > 0) { // again: a hand-off may have come in meanwhile
                    adopted.clear(); // every lease they name has ended
                    adoptedUntil = Long.MIN_VALUE;
                }
            }
        }
    }

    /** The terms, for the reads of the ring (serialized with the making of directories). */
    public HomeTerms.Action observe(CacheTopology ring, List<CacheTopology> earlier, long startedAt,
            long receivedAt) {
        synchronized (terms) {
            if (closed) {
                return new HomeTerms.None(); // a read that outlived the stop: nothing to take up any more
            }
            HomeTerms.Action action = terms.observe(ring, earlier, startedAt, receivedAt);
            long late = terms.takeHandoverTooOld();
            if (late >= 0) {
                LOG.info("Cache homes of {}: the previous cache-node bundle left {} ms before this one read the ring "
                        + "(its handover is used within {} ms); its keys take the usual way and wait out its leases",
                        self, TimeUnit.NANOSECONDS.toMillis(late), TimeUnit.NANOSECONDS.toMillis(terms.handoverLimit()));
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

    /** Tells the terms that this node made {@code epoch} by adding itself ({@link HomeTerms#joined}). */
    public void joined(long epoch) {
        synchronized (terms) {
            terms.joined(epoch);
        }
    }

    /** The ring of the epoch the directories are at, {@code null} before the first. */
    public CacheTopology current() {
        synchronized (terms) {
            return terms.current();
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
