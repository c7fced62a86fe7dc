package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

import io.dsync.cache.core.CoherenceMessage.Ack;
import io.dsync.cache.core.CoherenceMessage.Downgrade;
import io.dsync.cache.core.CoherenceMessage.GetExclusive;
import io.dsync.cache.core.CoherenceMessage.GetShared;
import io.dsync.cache.core.CoherenceMessage.Grant;
import io.dsync.cache.core.CoherenceMessage.Invalidate;
import io.dsync.cache.core.CoherenceMessage.LeaseRef;
import io.dsync.cache.core.CoherenceMessage.RefusalReason;
import io.dsync.cache.core.CoherenceMessage.Refused;
import io.dsync.cache.core.CoherenceMessage.Release;
import io.dsync.cache.core.CoherenceMessage.Renew;
import io.dsync.cache.core.CoherenceMessage.Renewed;
import io.dsync.cache.core.Transaction.Kind;
import io.dsync.cache.core.Transaction.Revocation;
import io.dsync.cache.core.Transaction.Waiter;

/**
 * One node's home role for one cache: the directory of the keys it homes. For each key it records the
 * owner (E or M, which it cannot tell apart) or the sharers, each with the grant and the home's end of
 * its lease, and it serves the requests for the key one at a time, in arrival order (consecutive GetS
 * together). The home's state table is in {@code docs/cache.md}; {@link HomeState} names its rows.
 *
 * <h2>Serving a request</h2>
 * <ol>
 *   <li>Revoke the conflicting copies: for a GetS, downgrade the owner; for a GetM, invalidate every
 *       other holder. Wait until each has acknowledged (after writing back a modified copy) or its
 *       lease has run out by the home's count. Revocations are sent again every
 *       {@link Timing#retry()}.</li>
 *   <li>Read the value from main memory, raising the key's fence to the new grant's id (the read may
 *       start while sharers are still being invalidated, but never before an owner has answered or
 *       expired, since it may write back). The read is skipped when the home knows what memory holds:
 *       it keeps the value of its last read until it next grants an owner, and takes the value an owner
 *       vouches for when it returns its grant (see {@link DirectoryEntry#memory}); it keeps that copy for
 *       keys nobody holds too, within a budget of bytes, least recently used out first.</li>
 *   <li>Grant: S to GetS requesters (E if a single requester is then the only holder), E to a GetM
 *       requester; record the holders with a lease of {@link Timing#lease()} plus the margin, counted
 *       from now.</li>
 * </ol>
 * Holders may renew their leases while no conflicting request waits for the key.
 *
 * <h2>Epochs, authority and quarantine</h2>
 * The adapter tells the directory which keys it homes, under which epoch, and until when it has the
 * authority to grant ({@link #assume}, {@link #extendAuthority}). Requests naming another epoch, or keys
 * not homed here, are {@linkplain Refused refused}. No right is granted or renewed without authority.
 * For keys the directory newly homes it grants nothing for {@link Timing#quarantine()} after
 * {@code assume} (or until the end the adapter passes, when it knows when the earlier leases end): every lease
 * the previous home may have granted has run out by then. The adapter must call {@code assume} for an epoch
 * only after every earlier home of the newly homed keys has lost its authority (or can be shown to have
 * granted nothing meanwhile); with that, the directory never grants a right that conflicts with one granted
 * by another home. A directory that replaces a stopped one of the same node and clock may {@link #adopt} its
 * records instead of waiting out its leases.
 *
 * <h2>Thread safety</h2>
 * Not thread-safe: the adapter serializes all calls. {@code now} must come from one monotonic clock.
 */
public final class HomeDirectory {

    /**
     * A view of a directory entry.
     *
     * @param key the key
     * @param state the entry's state
     * @param owner the owner's node, or {@code null}
     * @param holders every holder's node with its state letter, grant and the home's lease end
     * @param waiting the requests queued behind the one being served
     */
    public record EntryView(String key, HomeState state, String owner, Map<String, String> holders, int waiting) {
    }

    /**
     * One holder's record, as {@link #holdings} gives it to the next directory of the same node ({@link #adopt}).
     *
     * @param key the key
     * @param node the holder
     * @param grant the grant the holder holds
     * @param request the request the grant answered
     * @param state {@link MesiState#SHARED} or {@link MesiState#EXCLUSIVE}
     * @param expiry the home's end of the lease, on the clock of both directories
     */
    public record Holding(String key, String node, GrantId grant, RequestId request, MesiState state, long expiry) {

        public Holding {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(request, "request");
            if (state != MesiState.SHARED && state != MesiState.EXCLUSIVE) {
                throw new IllegalArgumentException("a holding is S or E, not " + state);
            }
        }
    }

    /** {@link Transaction#read} of a transaction served from the entry's copy of memory: matches no read. */
    private static final long SERVED_FROM_COPY = -1;

    private final String cache;
    private final String self;
    private final long incarnation;
    private final Timing timing;
    private final Set<Defect> defects;

    private final HomeTerm term = new HomeTerm();
    /** Hashed, not sorted: renewals look up thousands of keys a second (the admin view sorts the few it shows). */
    private final HashMap<String, DirectoryEntry> entries = new HashMap<>();
    /**
     * When each entry is next due for {@link #tick}: its earliest holder lease end, and a retransmission interval
     * while it has requests; stale items (the entry was rescheduled or removed since) are skipped. So a tick costs
     * the work that is due, not the size of the directory.
     */
    private final PriorityQueue<Due> due = new PriorityQueue<>();
    private long dueSeq;
    /** The keys with a request being served or queued: what an extension of the authority may let go on. */
    private final TreeSet<String> busy = new TreeSet<>();
    /** The entries nobody holds or asks for, kept (also in {@link #entries}) for their copy of memory. */
    private final RetainedEntries retained;
    private long grantsFromCopy;
    private long grantSeq;
    private long readSeq;
    private long now = Long.MIN_VALUE;
    private List<Effect> out;

    /**
     * Creates a directory that homes nothing until {@link #assume} is called.
     *
     * @param cache the cache name
     * @param self this node's id
     * @param incarnation this start of the directory, larger than any before on this node (the node's
     *     incarnation, see {@link RequestId}); it keeps grant ids growing when a home restarts under the
     *     same epoch
     * @param timing the protocol's durations, equal on all nodes
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code incarnation} is less than 1
     */
    public HomeDirectory(String cache, String self, long incarnation, Timing timing) {
        this(cache, self, incarnation, timing, 0);
    }

    /**
     * Creates a directory that homes nothing until {@link #assume} is called and keeps, for keys nobody
     * holds, the value main memory holds, so that their next grant needs no read.
     *
     * @param cache the cache name
     * @param self this node's id
     * @param incarnation this start of the directory (see above)
     * @param timing the protocol's durations, equal on all nodes
     * @param retainBytes the most bytes (values, keys and about 100 bytes per entry) kept for keys nobody
     *     holds; 0 keeps none
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code incarnation} is less than 1 or {@code retainBytes} negative
     */
    public HomeDirectory(String cache, String self, long incarnation, Timing timing, long retainBytes) {
        this(cache, self, incarnation, timing, retainBytes, EnumSet.noneOf(Defect.class));
    }

    HomeDirectory(String cache, String self, long incarnation, Timing timing, long retainBytes,
            Set<Defect> defects) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.self = Objects.requireNonNull(self, "self");
        if (incarnation < 1) {
            throw new IllegalArgumentException("incarnation must be positive, was " + incarnation);
        }
        this.incarnation = incarnation;
        this.timing = Objects.requireNonNull(timing, "timing");
        if (retainBytes < 0) {
            throw new IllegalArgumentException("retainBytes must not be negative, was " + retainBytes);
        }
        this.retained = new RetainedEntries(retainBytes);
        this.defects = defects.isEmpty() ? EnumSet.noneOf(Defect.class) : EnumSet.copyOf(defects);
    }

    // ---------------------------------------------------------------- placement

    /**
     * Takes up a new home epoch: from now on this directory homes the keys {@code homes} accepts, with
     * the authority to grant until {@code authorityUntil}. Entries of keys it no longer homes are
     * dropped and their waiting requests refused. Keys {@code newlyHomed} accepts (those that had
     * another home, or possibly had one, since the epoch this directory last assumed) are quarantined for
     * {@link Timing#quarantine()}, and any entry this directory still had for them is dropped.
     *
     * @param now the home's time
     * @param newEpoch the epoch, larger than the current one
     * @param authorityUntil the home's time until which it may grant
     * @param homes which keys this node homes under {@code newEpoch}
     * @param newlyHomed which of those it did not home continuously since its previous epoch (all of them
     *     for the first {@code assume} of a restarted directory, which has lost its records); must be
     *     deterministic and is kept until the quarantine ends
     * @return the effects (refusals)
     * @throws IllegalArgumentException if {@code newEpoch} is not larger than the current epoch
     */
    public List<Effect> assume(long now, long newEpoch, long authorityUntil, Predicate<String> homes,
            Predicate<String> newlyHomed) {
        return assume(now, newEpoch, authorityUntil, homes, newlyHomed, Math.max(now, this.now) + timing.quarantine());
    }

    /**
     * Takes up a new home epoch as {@link #assume(long, long, long, Predicate, Predicate)} does, with the end of the
     * quarantine of the newly homed keys given by the adapter instead of {@link Timing#quarantine()} from now. The
     * adapter must know that every lease granted by an earlier home of those keys has ended, by this home's count,
     * at {@code quarantineUntil}: for example because it took the epoch up earlier than this directory was made, or
     * because it knows when the only earlier home stopped granting.
     *
     * @param now the home's time
     * @param newEpoch the epoch, larger than the current one
     * @param authorityUntil the home's time until which it may grant
     * @param homes which keys this node homes under {@code newEpoch}
     * @param newlyHomed which of those it did not home continuously since its previous epoch
     * @param quarantineUntil the home's time before which no newly homed key is granted
     * @return the effects (refusals)
     * @throws IllegalArgumentException if {@code newEpoch} is not larger than the current epoch
     */
    public List<Effect> assume(long now, long newEpoch, long authorityUntil, Predicate<String> homes,
            Predicate<String> newlyHomed, long quarantineUntil) {
        if (newEpoch <= term.epoch()) {
            throw new IllegalArgumentException("home epoch " + newEpoch + " of cache '" + cache
                    + "' is not larger than the current " + term.epoch());
        }
        Objects.requireNonNull(homes, "homes");
        Objects.requireNonNull(newlyHomed, "newlyHomed");
        begin(now);
        term.assume(newEpoch, authorityUntil, homes, newlyHomed,
                defects.contains(Defect.HOME_SKIPS_QUARANTINE) ? Long.MIN_VALUE : quarantineUntil);
        for (DirectoryEntry e : new ArrayList<>(entries.values())) {
            if (!homes.test(e.key)) {
                discard(e, RefusalReason.NOT_HOME);
            } else if (newlyHomed.test(e.key)) {
                discard(e, RefusalReason.STALE_EPOCH);
            } else {
                advance(e);
            }
        }
        return end();
    }

    /**
     * Extends the authority to grant under the current epoch (the adapter confirmed, for example by
     * reading the registry, that the ring has not changed).
     *
     * @param now the home's time
     * @param ofEpoch the epoch the confirmation is about; ignored unless it is the current one
     * @param until the home's time until which it may grant
     * @return the effects (grants that waited for authority)
     */
    public List<Effect> extendAuthority(long now, long ofEpoch, long until) {
        begin(now);
        if (term.extend(ofEpoch, until)) {
            for (String key : new ArrayList<>(busy)) {
                advance(entries.get(key));
            }
        }
        return end();
    }

    /**
     * Takes over the records of an earlier home of keys this directory newly homes, which granted them no more since
     * it took the records: this node's previous directory of the cache, or another node's, handed off (the adapter
     * puts the lease ends on this directory's clock). Call it in the same serialized call as the {@link #assume} of
     * the epoch that gives the keys, or on a directory that has served nothing yet. Records of keys this directory
     * does not home, and records whose lease has ended, are left out. With every record of the earlier home, the keys
     * need no quarantine for its leases: a conflicting request revokes the holders (who acknowledge, whether they
     * still hold the copy or not) or waits out their leases, as for grants of its own; holders that renew here (the
     * same node's next directory) keep their copies.
     *
     * @param now the home's time
     * @param holdings what {@link #holdings} of the earlier home returned
     * @return the effects (none today)
     * @throws IllegalStateException if a key of the records already has a request being served or waiting, or a
     *     holder: this directory served it without knowing the earlier leases (nothing is adopted then)
     */
    public List<Effect> adopt(long now, List<Holding> holdings) {
        begin(now);
        // Checked before anything is adopted, so that a refusal changes nothing. The records may name grants of this
        // directory's own incarnation (a key handed to another home and back within a lease).
        for (Holding h : holdings) {
            DirectoryEntry e = entries.get(h.key());
            if (e != null && h.expiry() > this.now && term.homes(h.key())
                    && (e.active != null || !e.queue.isEmpty() || e.owner != null || !e.sharers.isEmpty())) {
                throw new IllegalStateException("key '" + h.key() + "' of cache '" + cache
                        + "' was served before the previous directory's records were adopted");
            }
        }
        // Newest grant first: where records disagree (hand-offs merged over ring changes may carry a record that a later
        // home revoked or waited out), the later grant is the live one, since a key's grant ids only grow.
        List<Holding> newestFirst = new ArrayList<>(holdings);
        newestFirst.sort(Comparator.comparing(Holding::grant).reversed());
        for (Holding h : newestFirst) {
            if (h.expiry() <= this.now || !term.homes(h.key())) {
                continue;
            }
            DirectoryEntry e = entries.computeIfAbsent(h.key(), DirectoryEntry::new);
            retained.remove(e);
            if (e.record(h.node()) != null || e.owner != null
                    || h.state() == MesiState.EXCLUSIVE && !e.sharers.isEmpty()) {
                continue; // the records themselves disagree: an older grant, revoked since
            }
            HolderRecord r = new HolderRecord(h.node(), h.grant(), h.request(), h.state(), h.expiry());
            if (h.state() == MesiState.EXCLUSIVE) {
                e.owner = r;
            } else {
                e.sharers.put(h.node(), r);
            }
            e.memory = null; // what main memory holds is not known here
            schedule(e);
        }
        return end();
    }

    /**
     * Returns the record of every holder whose lease has not ended, for the next directory of this node
     * ({@link #adopt}).
     *
     * @param now the home's time
     * @return the records
     */
    public List<Holding> holdings(long now) {
        List<Holding> holdings = new ArrayList<>();
        for (DirectoryEntry e : entries.values()) {
            if (e.owner != null && e.owner.expiry > now) {
                holdings.add(holding(e.key, e.owner));
            }
            for (HolderRecord r : e.sharers.values()) {
                if (r.expiry > now) {
                    holdings.add(holding(e.key, r));
                }
            }
        }
        return holdings;
    }

    private static Holding holding(String key, HolderRecord r) {
        return new Holding(key, r.node, r.grant, r.request, r.state, r.expiry);
    }

    // ---------------------------------------------------------------- calls

    /**
     * Handles a message from a node.
     *
     * @param now the home's time
     * @param from the sending node
     * @param message the message
     * @return the effects
     */
    public List<Effect> onMessage(long now, String from, CoherenceMessage.ToHome message) {
        begin(now);
        if (message instanceof GetShared g) {
            request(from, g.key(), g.epoch(), g.request(), false);
        } else if (message instanceof GetExclusive g) {
            request(from, g.key(), g.epoch(), g.request(), true);
        } else if (message instanceof Ack a) {
            onAck(from, a);
        } else if (message instanceof Release r) {
            onRelease(from, r);
        } else if (message instanceof Renew r) {
            onRenew(from, r);
        }
        return end();
    }

    /**
     * Handles the result of a memory read this home asked for.
     *
     * @param now the home's time
     * @param result the result
     * @return the effects
     */
    public List<Effect> onMemory(long now, MemoryResult result) {
        begin(now);
        DirectoryEntry e = entries.get(result.key());
        Transaction t = e == null ? null : e.active;
        if (t != null && result instanceof MemoryResult.ReadDone d && t.read == d.read()) {
            t.data = d.data();
            advance(e);
        } else if (t != null && result instanceof MemoryResult.ReadFailed f && t.read == f.read()) {
            issueRead(e, t); // the same fence again; raising it twice is harmless
        }
        return end();
    }

    /**
     * Advances time: ends the records whose lease has run out, sends unanswered revocations again, and
     * serves requests that waited for a quarantine to end. Call it at least every {@link Timing#retry()}.
     *
     * @param now the home's time
     * @return the effects
     */
    public List<Effect> tick(long now) {
        begin(now);
        term.prune(this.now);
        while (!due.isEmpty() && due.peek().at() <= this.now) {
            Due d = due.poll();
            DirectoryEntry e = entries.get(d.key());
            if (e == null || e.dueAt != d.at()) {
                continue; // removed or rescheduled since
            }
            e.dueAt = Long.MAX_VALUE;
            expireRecords(e);
            Transaction t = e.active;
            if (t != null && this.now >= t.retryAt) {
                t.retryAt = this.now + timing.retry();
                t.awaiting.forEach((node, r) -> send(node, r.downgrade() ? new Downgrade(e.key, r.grant())
                        : new Invalidate(e.key, r.grant())));
            }
            advance(e);
        }
        return end();
    }

    // ---------------------------------------------------------------- views

    /**
     * Returns the current home epoch.
     *
     * @return the epoch, 0 before the first {@link #assume}
     */
    public long epoch() {
        return term.epoch();
    }

    /**
     * Returns the state of a key's entry.
     *
     * @param key the key
     * @return its state, {@link HomeState#I} if there is no entry
     */
    public HomeState state(String key) {
        DirectoryEntry e = entries.get(key);
        return e == null ? HomeState.I : e.state();
    }

    /**
     * Returns a view of a key's entry.
     *
     * @param key the key
     * @return the entry, or empty if the directory has none
     */
    public Optional<EntryView> entry(String key) {
        DirectoryEntry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        Map<String, String> holders = new TreeMap<>();
        if (e.owner != null) {
            holders.put(e.owner.node, describe(e.owner));
        }
        e.sharers.values().forEach(r -> holders.put(r.node, describe(r)));
        return Optional.of(new EntryView(e.key, e.state(), e.owner == null ? null : e.owner.node, holders,
                e.queue.size()));
    }

    /**
     * Returns views of the first entries, in key order, for the admin API.
     *
     * @param limit the largest number of entries returned
     * @return the views
     */
    public List<EntryView> entries(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        PriorityQueue<String> first = new PriorityQueue<>(limit + 1, Comparator.reverseOrder());
        for (String key : entries.keySet()) {
            if (!retained.contains(key)) {
                first.add(key);
                if (first.size() > limit) {
                    first.poll(); // the largest: not among the first
                }
            }
        }
        List<String> keys = new ArrayList<>(first);
        keys.sort(null);
        List<EntryView> views = new ArrayList<>(keys.size());
        keys.forEach(key -> entry(key).ifPresent(views::add));
        return views;
    }

    /**
     * Returns the number of entries (keys held, being served or waited for).
     *
     * @return the number of entries
     */
    public int size() {
        return entries.size() - retained.size();
    }

    /**
     * Returns how many requests (or batches of GetS served together) were granted from the home's copy of
     * memory, without a read, since this directory was made.
     *
     * @return the count
     */
    public long grantsFromCopy() {
        return grantsFromCopy;
    }

    /**
     * Returns the number of keys nobody holds whose value the home keeps.
     *
     * @return the number of such keys
     */
    public int retained() {
        return retained.size();
    }

    private static String describe(HolderRecord r) {
        return r.state.letter() + "@" + r.grant + " until " + r.expiry;
    }

    // ---------------------------------------------------------------- requests

    private void request(String from, String key, long ofEpoch, RequestId id, boolean exclusive) {
        if (ofEpoch != term.epoch()) {
            send(from, new Refused(key, id, RefusalReason.STALE_EPOCH));
            return;
        }
        if (!term.homes(key)) {
            send(from, new Refused(key, id, RefusalReason.NOT_HOME));
            return;
        }
        DirectoryEntry e = entries.computeIfAbsent(key, DirectoryEntry::new);
        retained.remove(e);
        Kind kind = exclusive ? Kind.EXCLUSIVE : Kind.SHARED;
        HolderRecord r = e.record(from);
        if (r != null) {
            int c = id.compareTo(r.request);
            if (c < 0) {
                return; // older than a request already granted to the node: a late duplicate
            }
            if (c == 0 && (!exclusive || r.state == MesiState.EXCLUSIVE)) {
                kind = Kind.RESEND; // granted, but the grant did not arrive
            }
        }
        if (e.waits(from, id) || e.hasNewerRequest(from, id)) {
            return; // a duplicate, or a late copy of a request the node has since replaced
        }
        e.queue.removeIf(w -> w.node().equals(from) && w.request().compareTo(id) < 0);
        e.queue.add(new Waiter(from, id, kind));
        advance(e);
    }

    private void onAck(String from, Ack a) {
        DirectoryEntry e = entries.get(a.key());
        if (e == null) {
            return;
        }
        HolderRecord r = e.record(from);
        Transaction t = e.active;
        Revocation awaited = t == null ? null : t.awaiting.get(from);
        // A downgrade keeps the grant id, so a late acknowledgement of an earlier downgrade of the same grant
        // (keptShared) must not pass for the answer to an invalidation.
        if (awaited != null && awaited.grant().equals(a.grant()) && (awaited.downgrade() || !a.keptShared())) {
            t.awaiting.remove(from);
            if (r != null && r.grant.equals(a.grant())) {
                returned(e, r, a.memory());
                if (awaited.downgrade() && a.keptShared() && e.owner == r) {
                    e.owner = null;
                    r.state = MesiState.SHARED;
                    e.sharers.put(r.node, r);
                } else if (!(awaited.downgrade() && a.keptShared())) {
                    e.remove(r);
                }
            }
        } else if (r != null && r.grant.equals(a.grant()) && !a.keptShared()) {
            returned(e, r, a.memory());
            e.remove(r); // the node holds nothing under this grant
        }
        advance(e);
    }

    private void onRelease(String from, Release m) {
        DirectoryEntry e = entries.get(m.key());
        if (e == null) {
            return;
        }
        HolderRecord r = e.record(from);
        if (r != null && r.grant.equals(m.grant())) {
            returned(e, r, m.memory());
            e.remove(r);
        }
        Transaction t = e.active;
        if (t != null) {
            Revocation awaited = t.awaiting.get(from);
            if (awaited != null && awaited.grant().equals(m.grant())) {
                t.awaiting.remove(from);
            }
        }
        advance(e);
    }

    /**
     * An owner's grant came back (released, or acknowledged for a revocation), with what main memory holds if the
     * owner can vouch for it: its grant carried that value and it wrote nothing, or main memory confirmed its last
     * write. The next grant then needs no read.
     */
    private void returned(DirectoryEntry e, HolderRecord r, Versioned memory) {
        if (r == e.owner && memory != null) {
            e.memory = memory;
        }
    }

    private void onRenew(String from, Renew m) {
        List<LeaseRef> accepted = new ArrayList<>();
        List<LeaseRef> refused = new ArrayList<>();
        for (LeaseRef ref : m.leases()) {
            DirectoryEntry e = entries.get(ref.key());
            HolderRecord r = e == null ? null : e.record(from);
            if (authority() && term.homes(ref.key()) && r != null && r.grant.equals(ref.grant())
                    && !conflicts(e, r)) {
                r.expiry = Math.max(r.expiry, timing.homeExpiry(now));
                accepted.add(ref);
            } else {
                refused.add(ref);
            }
        }
        send(from, new Renewed(m.renewal(), accepted, refused));
    }

    /** Tells whether a request is waiting or being served that the holder's lease would hold up. */
    private static boolean conflicts(DirectoryEntry e, HolderRecord r) {
        if (e.active != null) {
            if (e.active.awaiting.containsKey(r.node)) {
                return true;
            }
            for (Waiter w : e.active.requesters) {
                if (conflicts(w, r)) {
                    return true;
                }
            }
        }
        for (Waiter w : e.queue) {
            if (conflicts(w, r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean conflicts(Waiter w, HolderRecord r) {
        return !w.node().equals(r.node) && w.kind() != Kind.RESEND
                && (w.kind() == Kind.EXCLUSIVE || r.state == MesiState.EXCLUSIVE);
    }

    // ---------------------------------------------------------------- serving

    /** Serves the key's requests as far as possible. */
    private void advance(DirectoryEntry e) {
        while (true) {
            if (e.active != null) {
                if (!progress(e)) {
                    break;
                }
            } else if (e.queue.isEmpty() || !authority() || term.quarantined(e.key, now)) {
                break;
            } else {
                start(e);
            }
        }
        if (e.unused()) {
            busy.remove(e.key);
            retire(e);
        } else {
            schedule(e);
        }
    }

    /** Keeps an entry nobody holds or asks for while its copy of memory fits the budget, else drops it. */
    private void retire(DirectoryEntry e) {
        for (DirectoryEntry dropped : retained.keep(e)) {
            entries.remove(dropped.key, dropped);
        }
    }

    /**
     * An entry due for the tick at {@code at}; entries due at the same time in the order they were scheduled (a renewal
     * gives every lease it renews the same end: comparing their keys was a tenth of the homes' tick in a profile).
     */
    private record Due(long at, long seq, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /**
     * Makes sure the tick looks at the entry when its next lease ends and, while it has requests, when their
     * quarantine ends or a retransmission is due.
     */
    private void schedule(DirectoryEntry e) {
        long next = Long.MAX_VALUE;
        if (e.owner != null) {
            next = e.owner.expiry;
        }
        for (HolderRecord r : e.sharers.values()) {
            next = Math.min(next, r.expiry);
        }
        if (e.active != null || !e.queue.isEmpty()) {
            busy.add(e.key);
            next = Math.min(next, e.active != null ? e.active.retryAt : now + timing.retry());
            long lifted = term.quarantineEnd(e.key, now);
            if (lifted != Long.MIN_VALUE) {
                next = Math.min(next, lifted); // requests that wait for the quarantine go on when it ends
            }
        } else {
            busy.remove(e.key);
        }
        if (next < e.dueAt || e.dueAt <= now) {
            e.dueAt = next;
            if (next != Long.MAX_VALUE) {
                due.add(new Due(next, ++dueSeq, e.key));
            }
        }
    }

    private void start(DirectoryEntry e) {
        Waiter head = e.queue.poll();
        Transaction t;
        if (head.kind() == Kind.RESEND) {
            HolderRecord r = e.record(head.node());
            if (r == null || !r.request.equals(head.request())) {
                return; // revoked meanwhile: the node will ask again
            }
            t = new Transaction(Kind.RESEND, List.of(head));
            t.grants = List.of(r.grant);
        } else if (head.kind() == Kind.SHARED) {
            List<Waiter> batch = new ArrayList<>();
            batch.add(head);
            while (!e.queue.isEmpty() && e.queue.peek().kind() == Kind.SHARED) {
                batch.add(e.queue.poll());
            }
            t = new Transaction(Kind.SHARED, batch);
            e.active = t;
            HolderRecord owner = e.owner;
            if (owner != null) {
                if (batch.stream().anyMatch(w -> w.node().equals(owner.node))) {
                    e.owner = null; // the owner lost its copy and asks again; the fenced read stops its writes
                } else {
                    revoke(e, t, owner, true);
                }
            }
        } else {
            t = new Transaction(Kind.EXCLUSIVE, List.of(head));
            e.active = t;
            for (HolderRecord s : new ArrayList<>(e.sharers.values())) {
                if (!s.node.equals(head.node())) {
                    revoke(e, t, s, false);
                }
            }
            HolderRecord owner = e.owner;
            if (owner != null) {
                if (owner.node.equals(head.node())) {
                    e.owner = null;
                } else {
                    revoke(e, t, owner, false);
                }
            }
        }
        t.retryAt = now + timing.retry();
        e.active = t;
    }

    private void revoke(DirectoryEntry e, Transaction t, HolderRecord r, boolean downgrade) {
        send(r.node, downgrade ? new Downgrade(e.key, r.grant) : new Invalidate(e.key, r.grant));
        if (defects.contains(Defect.HOME_SKIPS_REVOCATION_WAIT)) {
            if (downgrade) {
                e.owner = null;
                r.state = MesiState.SHARED;
                e.sharers.put(r.node, r);
            } else {
                e.remove(r);
            }
            return;
        }
        t.awaiting.put(r.node, new Revocation(r.grant, downgrade, r == e.owner));
    }

    /**
     * Moves the transaction on.
     *
     * @return {@code true} if it completed
     */
    private boolean progress(DirectoryEntry e) {
        Transaction t = e.active;
        if (t.read == 0 && !t.awaitsOwner()) {
            if (t.grants == null) {
                List<GrantId> grants = new ArrayList<>();
                for (int i = 0; i < t.requesters.size(); i++) {
                    grants.add(new GrantId(term.epoch(), incarnation, ++grantSeq));
                }
                t.grants = grants;
            }
            if (e.memory != null && t.kind != Kind.RESEND) {
                // No owner since the home read memory or an owner vouched for it: nobody can have written it since
                // (docs/cache.md, I2). A resend keeps reading: its node may hold the grant already and have written.
                t.read = SERVED_FROM_COPY;
                t.data = e.memory;
                grantsFromCopy++;
            } else {
                issueRead(e, t);
            }
        }
        if (t.data == null || !t.awaiting.isEmpty() || !authority()) {
            return false;
        }
        grant(e, t);
        e.active = null;
        return true;
    }

    private void issueRead(DirectoryEntry e, Transaction t) {
        GrantId fence = null;
        for (GrantId g : t.grants) {
            fence = GrantId.max(fence, g);
        }
        t.read = ++readSeq;
        out.add(new Effect.ReadMemory(t.read, e.key, fence));
    }

    private void grant(DirectoryEntry e, Transaction t) {
        long expiry = timing.homeExpiry(now);
        if (t.kind == Kind.RESEND) {
            Waiter w = t.requesters.get(0);
            HolderRecord r = e.record(w.node());
            if (r != null && r.grant.equals(t.grants.get(0))) {
                send(w.node(), new Grant(e.key, r.request, r.grant, r.state, t.data));
            }
            return;
        }
        MesiState state = MesiState.EXCLUSIVE;
        if (t.kind == Kind.SHARED) {
            String first = t.requesters.get(0).node();
            boolean alone = t.requesters.size() == 1 && (e.owner == null || e.owner.node.equals(first))
                    && e.sharers.keySet().stream().allMatch(first::equals);
            state = alone ? MesiState.EXCLUSIVE : MesiState.SHARED;
        }
        e.memory = t.data; // until an owner is granted below
        for (int i = 0; i < t.requesters.size(); i++) {
            Waiter w = t.requesters.get(i);
            GrantId g = t.grants.get(i);
            HolderRecord old = e.record(w.node());
            if (old != null && old.request.compareTo(w.request()) > 0) {
                continue; // the node has a later grant; this request is stale
            }
            if (old != null) {
                e.remove(old); // superseded: the node's earlier copy is replaced by this grant
            }
            HolderRecord r = new HolderRecord(w.node(), g, w.request(), state, expiry);
            if (state == MesiState.EXCLUSIVE) {
                e.owner = r;
                if (!defects.contains(Defect.HOME_KEEPS_COPY_FOR_OWNER)) {
                    e.memory = null; // the owner may write: memory is known again when it vouches for it
                }
            } else {
                e.sharers.put(w.node(), r);
            }
            send(w.node(), new Grant(e.key, w.request(), g, state, t.data));
        }
    }

    private void expireRecords(DirectoryEntry e) {
        List<HolderRecord> records = new ArrayList<>(e.sharers.values());
        if (e.owner != null) {
            records.add(e.owner);
        }
        for (HolderRecord r : records) {
            if (r.expiry <= now) {
                e.remove(r);
                Transaction t = e.active;
                if (t != null) {
                    Revocation awaited = t.awaiting.get(r.node);
                    if (awaited != null && awaited.grant().equals(r.grant)) {
                        t.awaiting.remove(r.node);
                    }
                }
            }
        }
    }

    private void discard(DirectoryEntry e, RefusalReason reason) {
        if (e.active != null) {
            for (Waiter w : e.active.requesters) {
                send(w.node(), new Refused(e.key, w.request(), reason));
            }
        }
        for (Waiter w : e.queue) {
            send(w.node(), new Refused(e.key, w.request(), reason));
        }
        retained.remove(e);
        entries.remove(e.key);
        busy.remove(e.key);
    }

    private boolean authority() {
        return term.authority(now);
    }

    // ---------------------------------------------------------------- plumbing

    private void begin(long at) {
        now = Math.max(now, at);
        out = new ArrayList<>();
    }

    private List<Effect> end() {
        List<Effect> effects = out;
        out = null;
        return effects;
    }

    private void send(String to, CoherenceMessage message) {
        out.add(new Effect.Send(to, message));
    }

    @Override
    public String toString() {
        return "HomeDirectory[" + cache + "@" + self + "#" + incarnation + ", epoch " + term.epoch() + ", " + entries.size() + " entries]";
    }
}
