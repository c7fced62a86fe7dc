package io.dsync.cache.node.home;

import io.dsync.cache.protocol.CacheTopology;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Decides, from this node's reads of the agreed ring ({@link io.dsync.cache.protocol.HomeRing}), when its home
 * directories take up a new home epoch and until when they may grant. Plain Java and deterministic: the adapter feeds
 * it observations with times from the monotonic clock and applies what it answers.
 *
 * <h2>The rule it keeps</h2>
 * A directory may {@code assume} an epoch only after every earlier home of the keys it newly homes has lost its
 * authority to grant (the contract of {@code HomeDirectory.assume}), or can have granted nothing (a bundle that
 * replaces this node's previous one, below). Authority comes from reads: after a read that
 * started at local time {@code t} found the ring still at epoch {@code E}, a home of {@code E} may grant until
 * {@code t + term}. A newer ring is written at some instant {@code P}; every read that confirmed an older epoch
 * started before {@code P}, so every older authority ends by {@code P + term} (plus clock drift). This node receives
 * the newer ring at {@code r >= P}; if the newer ring gives it keys that others homed, it waits until
 * {@code r + term + margin} before it assumes. A ring that only takes keys away from this node (members joined) is
 * assumed at once: this node gains nothing, and it stops granting the keys it lost as soon as it assumes.
 * <p>
 * "Gains" counts every ring seen since the epoch taken up last, not only the newest: a key is newly homed unless
 * this node homed it under each of them. A node whose cache-node bundle is updated leaves the ring and comes back
 * (two epochs, usually both seen here before the wait for the first is over); the keys that stayed with this node
 * under both were homed by nobody else, so the newer ring is taken up at once and nothing is quarantined. Only when
 * an epoch in between was never seen does every key count as gained.
 * <p>
 * While it waits, this node does not extend its old authority either (its epoch is no longer the ring's), so the keys
 * it keeps are not granted for up to {@code term} after a ring change in which it gains keys; copies already held
 * stay valid.
 *
 * <h2>Directories created later</h2>
 * A directory made for a cache this node had no directory for (directories are made on the first request) has no
 * records: it assumes the current epoch at once, with the keys this node gained within the last quarantine (and all
 * keys in the quarantine after this node's first epoch) as newly homed, quarantined until that quarantine ends (it
 * began when the keys were gained, not when the directory was made). Keys this node has homed longer than that were
 * granted by nobody else since, and by this node only through a directory, which did not exist.
 *
 * <h2>A bundle that replaces the previous one</h2>
 * A new cache-node bundle (an update, a restart) has no records, and so far counted every key as gained: a wait for
 * authority and a full quarantine, about 3 s without misses on its keys. When the previous bundle of the same JVM left
 * a {@link Handover} and came back quickly, the keys are taken up at once and quarantined only until the previous
 * bundle's leases end (see {@code resumed}); when it also left its directories' records, which the new directories
 * adopt, not even that.
 *
 * <h2>Hand-offs</h2>
 * A node whose process stops, and a member that loses keys to a node that joins, is the old home of the keys that
 * move and knows every lease it granted: it stops granting them and sends their new home its records and its own
 * quarantine's end (a {@link HandOff}). The new home takes the ring up at once when the keys it gains are exactly
 * those handed off ({@code handedOff}); its directories adopt the records. Otherwise the usual way.
 */
public final class HomeTerms {

    /** What the directories are to do after an observation. */
    public sealed interface Action {
    }

    /** Nothing to do (a read of an older ring, or waiting before a new epoch). */
    public record None() implements Action {
    }

    /** Extend the authority under the current epoch. */
    public record Extend(long epoch, long until) implements Action {
    }

    /** Which keys of a cache are newly homed. */
    @FunctionalInterface
    public interface NewlyHomed {
        boolean test(String cache, String key);
    }

    /**
     * Take up a new epoch.
     *
     * @param topology the ring of the epoch
     * @param authorityUntil until when the directories may grant
     * @param newlyHomed the keys not homed continuously by this node before (see {@code HomeDirectory.assume})
     * @param quarantineUntil when every lease an earlier home of those keys granted has ended (the monotonic time):
     *     the directories grant none of them before
     * @param resumed whether the epoch was taken up from a {@link Handover}: then the previous bundle's directory
     *     records, if it left them, are facts the directories may adopt
     * @param received the {@link HandOff}s the epoch was taken up from (none if it was not): the records that came
     *     with them are facts the directories adopt
     * @param give the hand-off this node owes the node that the epoch adds, or {@code null}: the directories give up
     *     their records of the keys they lose to it as they take the epoch up
     */
    public record Assume(CacheTopology topology, long authorityUntil, NewlyHomed newlyHomed, long quarantineUntil,
            boolean resumed, List<HandOff> received, HandOff give) implements Action {

        public Assume {
            received = List.copyOf(received);
        }

        /** The node the epoch adds, to which {@link #give} goes. */
        public String joiner() {
            List<String> added = new ArrayList<>(topology.record().members());
            added.removeAll(give.members());
            return added.get(0);
        }

        /** The keys of {@code cache} this node homes under the new epoch. */
        public Predicate<String> homes(String cache, String self) {
            return key -> self.equals(topology.home(cache, key));
        }

        /** The keys of {@code cache} this node did not home continuously before. */
        public Predicate<String> newlyHomed(String cache) {
            return key -> newlyHomed.test(cache, key);
        }
    }

    /**
     * What the cache-node bundle that ran before this one on the same node (the same JVM, so the same monotonic clock)
     * left behind when it stopped: it had taken up {@code epoch}, stopped every directory at {@code stoppedAt}, then
     * left by {@code leftEpoch}, the ring without itself (made by it, or by another node that saw its bundle stopping),
     * which was written after {@code leftAt}.
     *
     * @param epoch the epoch its directories were at
     * @param members the members of that epoch
     * @param leftEpoch the epoch it left by
     * @param leftAt a time before {@code leftEpoch} was written: the start of a ring read that still found
     *     {@code epoch}
     * @param stoppedAt when its directories stopped (no grant or renewal after it)
     * @param recordsUntil {@link Long#MIN_VALUE} if the records of its directories were not left; else they were,
     *     and this is when the quarantines it kept for keys it had gained end (every lease it granted is a record)
     */
    public record Handover(long epoch, List<String> members, long leftEpoch, long leftAt, long stoppedAt,
            long recordsUntil) {

        public Handover {
            members = List.copyOf(members);
        }

        /** Whether the records of the previous directories were left. */
        public boolean withRecords() {
            return recordsUntil != Long.MIN_VALUE;
        }

        /** The same handover without the records (they could not be read). */
        public Handover withoutRecords() {
            return new Handover(epoch, members, leftEpoch, leftAt, stoppedAt, Long.MIN_VALUE);
        }

        /** The handover as text (lines: node, epoch, left epoch, left at, stopped at, records until, members). */
        public String encode(String node) {
            StringBuilder b = new StringBuilder(node).append('\n').append(epoch).append('\n').append(leftEpoch)
                    .append('\n').append(leftAt).append('\n').append(stoppedAt).append('\n').append(recordsUntil);
            members.forEach(m -> b.append('\n').append(m));
            return b.toString();
        }

        /** Reads {@link #encode}'s text if it is {@code node}'s; {@code null} if it is not, or absent or malformed. */
        public static Handover decode(String text, String node) {
            if (text == null) {
                return null;
            }
            String[] lines = text.split("\n");
            try {
                if (lines.length < 6 || !lines[0].equals(node)) {
                    return null;
                }
                return new Handover(Long.parseLong(lines[1]), List.of(lines).subList(6, lines.length),
                        Long.parseLong(lines[2]), Long.parseLong(lines[3]), Long.parseLong(lines[4]),
                        Long.parseLong(lines[5]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * Records of keys that one cache node hands to another as the ring changes, so that the receiver may take its new
     * keys up at once (see {@code handedOff}): the sender had taken up {@code epoch} (whose members were
     * {@code members}), and then stopped granting the keys it hands off: every directory, when it leaves the ring for
     * good (its process stops; {@code next} is the ring without it, which it made), or the keys it lost to a node that
     * joins, in the same serialized call in which each directory took {@code next} up (this node's members plus the
     * joiner). Its records of those keys name every lease it had granted and not seen end; its own quarantines of
     * keys it had gained end at {@code quarantineUntil}. Times are on the receiver's clock: it converts the remaining
     * durations it was sent, adding a drift margin.
     *
     * @param from the sender
     * @param epoch the epoch the sender was at
     * @param members the members of that epoch
     * @param next the epoch the hand-off leads to
     * @param quarantineUntil when the sender's quarantines of keys it had gained end ({@link Long#MIN_VALUE}: none)
     */
    public record HandOff(String from, long epoch, List<String> members, long next, long quarantineUntil) {

        public HandOff {
            members = List.copyOf(members);
        }

        /** Whether the sender left the ring: {@code ring} is its epoch's members less itself. */
        boolean leaves(CacheTopology ring) {
            List<String> left = new ArrayList<>(members);
            return left.remove(from) && ring.record().members().equals(left);
        }
    }

    /**
     * Keys gained at {@code at}: those not homed by this node in every ring of {@code before} (all, if empty), whose
     * earlier homes' leases have all ended at {@code until}.
     */
    private record Gain(long at, List<CacheTopology> before, long until) {
    }

    private static final None NONE = new None();
    /** The most rings kept that were seen and not taken up (a longer run of epochs counts as a missed one). */
    static final int MAX_SEEN = 16;

    private final String self;
    private final long term;
    private final long margin;
    private final long quarantine;

    private CacheTopology current;
    private long authorityUntil = Long.MIN_VALUE;
    private long newestSeen;
    private CacheTopology pending;
    private long pendingUntil;
    /** Rings newer than {@link #current} seen and not taken up, by epoch. */
    private final TreeMap<Long, CacheTopology> seen = new TreeMap<>();
    private final Deque<Gain> gains = new ArrayDeque<>();
    private Handover handover;
    /** How late the ring came after the previous bundle left, when that was too late to use its handover; else -1. */
    private long handoverTooOldBy = -1;
    /** Hand-offs received and not used yet, by the epoch they lead to, then by sender. */
    private final TreeMap<Long, Map<String, HandOff>> handOffs = new TreeMap<>();
    /** When the read that found {@link #pending} was sent. */
    private long pendingStartedAt;
    /** The epoch this node made by adding itself to the ring (0: none). */
    private long joinedEpoch;

    /**
     * @param self this node's id
     * @param term how long a read that confirmed the epoch lets a home grant, in nanoseconds
     * @param margin the clock-drift margin, in nanoseconds
     * @param quarantine how long a key is newly homed after it was gained (the directories' quarantine)
     */
    public HomeTerms(String self, long term, long margin, long quarantine) {
        this.self = Objects.requireNonNull(self, "self");
        this.term = term;
        this.margin = margin;
        this.quarantine = quarantine;
    }

    /**
     * Tells what the previous cache-node bundle of this node left behind (see {@link Handover}), before the first
     * observation.
     */
    public void resume(Handover left) {
        this.handover = Objects.requireNonNull(left, "left");
    }

    /**
     * Takes in a read of the ring.
     *
     * @param ring what the read returned
     * @param startedAt when the read was sent
     * @param receivedAt when it returned
     * @return what the directories are to do
     */
    public Action observe(CacheTopology ring, long startedAt, long receivedAt) {
        return observe(ring, List.of(), startedAt, receivedAt);
    }

    /**
     * Takes in a read of the ring that also returned the rings of some earlier epochs (as the agreed record keeps
     * them): those newer than the epoch taken up count as seen, so that an epoch that lasted less than a read's
     * interval is not taken for a missed one.
     *
     * @param ring what the read returned
     * @param earlier the rings of earlier epochs the read returned, in any order
     * @param startedAt when the read was sent
     * @param receivedAt when it returned
     * @return what the directories are to do
     */
    public Action observe(CacheTopology ring, List<CacheTopology> earlier, long startedAt, long receivedAt) {
        if (ring.epoch() == 0 || ring.epoch() < newestSeen) {
            return NONE; // a read answered late: a newer ring was seen already
        }
        newestSeen = ring.epoch();
        if (current != null && ring.epoch() == current.epoch()) {
            if (!ring.isMember(self)) {
                return NONE;
            }
            authorityUntil = Math.max(authorityUntil, startedAt + term);
            return new Extend(ring.epoch(), authorityUntil);
        }
        if (handover != null && current == null) {
            if (receivedAt - handover.leftAt() >= quarantine / 2) {
                handoverTooOldBy = receivedAt - handover.leftAt();
                handover = null; // too long ago: the usual way
            } else if (ring.epoch() <= handover.leftEpoch()) {
                // This bundle's own ring is not made yet (its first read may come before the registry shows it
                // active): wait for it rather than taking up a ring without this node, which would end the
                // handover. Nothing is granted before the first epoch anyway.
                return NONE;
            } else {
                Handover h = handover;
                handover = null;
                Assume resumed = resumed(h, ring, startedAt, receivedAt);
                if (resumed != null) {
                    return resumed;
                }
            }
        }
        seen.put(ring.epoch(), ring);
        for (CacheTopology r : earlier) {
            if (r.epoch() < ring.epoch() && (current == null || r.epoch() > current.epoch())) {
                seen.putIfAbsent(r.epoch(), r);
            }
        }
        while (seen.size() > MAX_SEEN) {
            seen.pollFirstEntry(); // leaves a gap: counted as a missed epoch below
        }
        List<CacheTopology> before = since(ring);
        boolean gainsKeys = ring.isMember(self) && (before.isEmpty() || before.stream().anyMatch(r ->
                !r.isMember(self) || !ring.record().members().containsAll(r.record().members())));
        if (gainsKeys) {
            if (pending == null || pending.epoch() != ring.epoch()) {
                pending = ring;
                pendingUntil = receivedAt + term + margin;
                pendingStartedAt = startedAt;
            }
            Assume handedOff = handedOff(ring, before, startedAt, receivedAt);
            if (handedOff != null) {
                return handedOff;
            }
            if (receivedAt < pendingUntil) {
                return NONE;
            }
        }
        return take(ring, before, gainsKeys, startedAt, receivedAt, receivedAt + quarantine, List.of());
    }

    /** Takes {@code ring} up: the keys not homed in every ring of {@code before} are newly homed. */
    private Assume take(CacheTopology ring, List<CacheTopology> before, boolean gainsKeys, long startedAt,
            long receivedAt, long quarantineUntil, List<HandOff> received) {
        pending = null;
        seen.clear();
        handOffs.headMap(ring.epoch(), true).clear();
        HandOff give = gainsKeys ? null : joinedBy(before, ring, receivedAt);
        current = ring;
        authorityUntil = ring.isMember(self) ? startedAt + term : Long.MIN_VALUE;
        if (gainsKeys) {
            gains.addLast(new Gain(receivedAt, before, quarantineUntil));
        }
        prune(receivedAt);
        return new Assume(ring, authorityUntil, gainedSince(before), quarantineUntil, false, received, give);
    }

    /**
     * The hand-off this node owes a node that {@code ring} adds to the epoch it was at, if that is all {@code ring}
     * changes: the keys this node loses are the joiner's and nobody else's (consistent hashing), so the joiner may take
     * them up at once once every member of that epoch handed its records of them off ({@code handedOff}).
     */
    private HandOff joinedBy(List<CacheTopology> before, CacheTopology ring, long now) {
        if (before.size() != 1 || !before.get(0).isMember(self)) {
            return null;
        }
        CacheTopology was = before.get(0);
        List<String> added = new ArrayList<>(ring.record().members());
        added.removeAll(was.record().members());
        if (added.size() != 1 || ring.record().members().size() != was.record().members().size() + 1) {
            return null;
        }
        return new HandOff(self, was.epoch(), was.record().members(), ring.epoch(), quarantinesUntil(now));
    }

    /**
     * Takes in a {@link HandOff} from another cache node.
     *
     * @param handOff what it sent, its times converted to this node's clock
     * @param now the monotonic time
     * @return what the directories are to do: take the ring it leads to up now if this node has read that ring
     *     already and waits before taking it up; else nothing (the hand-off is kept for the reads to come)
     */
    public Action offer(HandOff handOff, long now) {
        if (handOff.next() <= epoch()) {
            return NONE;
        }
        handOffs.computeIfAbsent(handOff.next(), e -> new TreeMap<>()).put(handOff.from(), handOff);
        while (handOffs.size() > MAX_SEEN) {
            handOffs.pollFirstEntry();
        }
        if (pending != null && pending.epoch() == handOff.next()) {
            Assume handedOff = handedOff(pending, since(pending), pendingStartedAt, now);
            if (handedOff != null) {
                return handedOff;
            }
        }
        return NONE;
    }

    /**
     * Takes up at once a ring that gives this node keys, when every key it gains was handed off to it, in one of two
     * cases:
     * <ul>
     *   <li><em>A node left for good:</em> this node was at the epoch the leaver was at, and the ring is the one the
     *       leaver made by leaving: those members less the leaver. On the ring (consistent hashing) a member's
     *       removal moves that member's keys and no other, so every key this node gains was the leaver's, and every
     *       key it keeps was its own under both epochs.</li>
     *   <li><em>This node joins:</em> the ring is the members of one epoch plus this node, made by this node
     *       ({@link #joined}), and every one of them handed off from that epoch: each key this node homes was homed
     *       under that epoch by exactly one of them, which took this ring up and stopped granting the key before it
     *       sent its records.</li>
     * </ul>
     * Under that epoch only the senders homed those keys: each took it up after every earlier authority over its keys
     * had ended (or, taken up from a {@link Handover}, while the gainers of the epochs in between kept them in
     * quarantine), and kept its own quarantine of the keys it had gained, which this node keeps on. The records name
     * every lease the senders granted: the directories adopt them. So the keys need neither the wait for the others'
     * authority nor a quarantine for unknown leases. Anything else (a missed epoch, another change made at the same
     * time, a member that did not hand off) takes the usual way.
     */
    private Assume handedOff(CacheTopology ring, List<CacheTopology> before, long startedAt, long receivedAt) {
        Map<String, HandOff> offers = handOffs.get(ring.epoch());
        if (offers == null || !ring.isMember(self)) {
            return null;
        }
        List<HandOff> used = null;
        if (before.size() == 1) {
            CacheTopology was = before.get(0);
            used = offers.values().stream().filter(h -> h.epoch() == was.epoch()
                    && h.members().equals(was.record().members()) && h.leaves(ring)).limit(1).toList();
        }
        if (used == null || used.isEmpty()) {
            HandOff any = offers.values().iterator().next();
            List<String> others = new ArrayList<>(ring.record().members());
            others.remove(self);
            boolean joins = ring.epoch() == joinedEpoch && !any.members().contains(self)
                    && any.members().equals(others)
                    && offers.keySet().containsAll(others) && offers.values().stream()
                    .allMatch(h -> h.epoch() == any.epoch() && h.members().equals(any.members()));
            used = joins ? others.stream().map(offers::get).toList() : List.of();
        }
        if (used.isEmpty()) {
            return null;
        }
        long until = receivedAt;
        for (HandOff h : used) {
            until = Math.max(until, h.quarantineUntil());
        }
        return take(ring, before, true, startedAt, receivedAt, until, used);
    }

    /**
     * The first epoch of a bundle that replaced this node's previous one (an update or a quick restart), taken up at
     * once when the {@link Handover} shows that nobody but the previous bundle can have granted this node's keys:
     * <ul>
     *   <li>this node's keys under the ring were this node's under the epoch the previous bundle had taken up (the
     *       members are those and maybe more);</li>
     *   <li>under that epoch only the previous bundle homed them, and its leases (and any quarantine it still kept)
     *       end by {@code stoppedAt + quarantine};</li>
     *   <li>under the epoch it left by, and any made after it and before this ring (nodes of versions that added
     *       other nodes could add this node back and drop it again while the registry still showed its old bundle),
     *       other nodes may have homed them,
     *       but a node gaining keys waits {@code term + margin} after it sees a ring and then quarantines them for
     *       {@code quarantine}, while its authority under that ring ends {@code term} after the next ring is written,
     *       at the latest this one. This ring came less than {@code quarantine / 2} after the previous bundle left
     *       (both times on this node's clock: {@code leftAt} came before the ring it left by was written, and this
     *       read returned after this ring was), so each of those authorities ended before any of its quarantines
     *       did: nobody granted under them. Under those that gave the keys back to this node, nobody homed them: no
     *       bundle ran here.</li>
     * </ul>
     * So the keys need no wait for authority, only a quarantine until {@code stoppedAt + quarantine}: the previous
     * bundle's leases, not a full quarantine after a wait; and when the directories adopt the previous bundle's
     * records, which name every lease it granted, only the quarantines it still kept. Anything else (a later ring, a
     * longer absence) takes the usual way. This is the one case where an epoch is taken up while other homes may
     * still have authority under an earlier one: not the gaining nodes' authority but their quarantine keeps them
     * from granting the keys.
     */
    private Assume resumed(Handover h, CacheTopology ring, long startedAt, long receivedAt) {
        if (h.leftEpoch() != h.epoch() + 1 || !ring.isMember(self)
                || !h.members().contains(self) || !ring.record().members().containsAll(h.members())) {
            return null;
        }
        current = ring;
        seen.clear();
        pending = null;
        handOffs.headMap(ring.epoch(), true).clear();
        authorityUntil = startedAt + term;
        // With the records, the directories know every lease the previous bundle granted: only the quarantines it
        // kept remain. Without them, its leases end by stoppedAt + quarantine (its quarantines too).
        long until = Math.max(receivedAt, h.withRecords() ? h.recordsUntil() : h.stoppedAt() + quarantine);
        List<CacheTopology> all = List.of();
        gains.addLast(new Gain(receivedAt, all, until));
        return new Assume(ring, authorityUntil, gainedSince(all), until, true, List.of(), null);
    }

    /**
     * The rings a key must have been this node's in, all of them, to be homed continuously up to {@code ring}: the
     * current one and every ring seen since, one per epoch. Empty (every key counts as gained) before the first epoch,
     * and when an epoch in between was never seen: it may have moved keys away and back (a node joined and left in
     * between, and its home granted them). Rings seen but not taken up count too: a node that leaves and comes back
     * (a bundle update) makes two epochs, and the keys that stayed with this node through both stay homed without a
     * wait or a quarantine.
     */
    private List<CacheTopology> since(CacheTopology ring) {
        if (current == null) {
            return List.of();
        }
        List<CacheTopology> chain = new ArrayList<>();
        chain.add(current);
        long next = current.epoch() + 1;
        for (CacheTopology r : seen.headMap(ring.epoch()).values()) {
            if (r.epoch() != next) {
                return List.of();
            }
            chain.add(r);
            next++;
        }
        return next == ring.epoch() ? chain : List.of();
    }

    /**
     * What a directory made now for a cache takes up, or {@code null} before this node's first epoch (the directory
     * then takes up the first one with the others).
     *
     * @param now the monotonic time
     * @return the assume for a new directory: the current epoch, with newly homed keys as explained above
     */
    public Assume forNewDirectory(long now) {
        if (current == null) {
            return null;
        }
        prune(now);
        List<NewlyHomed> recent = new ArrayList<>();
        long until = Long.MIN_VALUE;
        for (Gain g : gains) {
            recent.add(gainedSince(g.before()));
            until = Math.max(until, g.until());
        }
        return new Assume(current, authorityUntil, (cache, key) -> recent.stream().anyMatch(n -> n.test(cache, key)),
                until, false, List.of(), null);
    }

    /**
     * Once, after a handover was set aside because this bundle's first ring came too long after the previous bundle
     * left (a slow restart: its keys then take the usual way); else -1.
     *
     * @return how long after the previous bundle left the ring came, in the clock's unit, or -1
     */
    public long takeHandoverTooOld() {
        long late = handoverTooOldBy;
        handoverTooOldBy = -1;
        return late;
    }

    /** The most a ring may come after the previous bundle left for its handover to be used ({@code quarantine / 2}). */
    public long handoverLimit() {
        return quarantine / 2;
    }

    /**
     * When the quarantines of the keys this node gained recently end: what a directory made now would quarantine them
     * until ({@link Long#MIN_VALUE} if none).
     */
    public long quarantinesUntil(long now) {
        prune(now);
        return gains.stream().mapToLong(Gain::until).max().orElse(Long.MIN_VALUE);
    }

    private NewlyHomed gainedSince(List<CacheTopology> before) {
        return (cache, key) -> before.isEmpty() || before.stream().anyMatch(r -> !self.equals(r.home(cache, key)));
    }

    private void prune(long now) {
        gains.removeIf(g -> g.until() <= now);
    }

    /**
     * Tells that this node (this process, since it started) made {@code epoch} by adding itself to the ring: only
     * such an epoch may be taken up from the hand-offs of the members it joins. An epoch that already had this node
     * as a member when this process started may have been taken up by an earlier process of the node, which granted
     * under it what no hand-off names.
     */
    public void joined(long epoch) {
        joinedEpoch = Math.max(joinedEpoch, epoch);
    }

    /** The ring of the epoch the directories are at, {@code null} before the first. */
    public CacheTopology current() {
        return current;
    }

    /** The epoch the directories are at, 0 before the first. */
    public long epoch() {
        return current == null ? 0 : current.epoch();
    }
}
