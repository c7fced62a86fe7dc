package io.dsync.cache.node.home;

import io.dsync.cache.protocol.CacheTopology;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Decides, from this node's reads of the agreed ring ({@link io.dsync.cache.protocol.HomeRing}), when its home
 * directories take up a new home epoch and until when they may grant. Plain Java and deterministic: the adapter feeds
 * it observations with times from the monotonic clock and applies what it answers.
 *
 * <h2>The rule it keeps</h2>
 * A directory may {@code assume} an epoch only after every earlier home of the keys it newly homes has lost its
 * authority to grant (the contract of {@code HomeDirectory.assume}). Authority comes from reads: after a read that
 * started at local time {@code t} found the ring still at epoch {@code E}, a home of {@code E} may grant until
 * {@code t + term}. A newer ring is written at some instant {@code P}; every read that confirmed an older epoch
 * started before {@code P}, so every older authority ends by {@code P + term} (plus clock drift). This node receives
 * the newer ring at {@code r >= P}; if the newer ring gives it keys that others homed, it waits until
 * {@code r + term + margin} before it assumes. A ring that only takes keys away from this node (members joined) is
 * assumed at once: this node gains nothing, and it stops granting the keys it lost as soon as it assumes.
 * <p>
 * While it waits, this node does not extend its old authority either (its epoch is no longer the ring's), so the keys
 * it keeps are not granted for up to {@code term} after a ring change in which it gains keys; copies already held
 * stay valid.
 *
 * <h2>Directories created later</h2>
 * A directory made for a cache this node had no directory for (directories are made on the first request) has no
 * records: it assumes the current epoch at once, with the keys this node gained within the last quarantine (and all
 * keys in the quarantine after this node's first epoch) as newly homed. Keys this node has homed longer than that were
 * granted by nobody else since, and by this node only through a directory, which did not exist.
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
     */
    public record Assume(CacheTopology topology, long authorityUntil, NewlyHomed newlyHomed) implements Action {

        /** The keys of {@code cache} this node homes under the new epoch. */
        public Predicate<String> homes(String cache, String self) {
            return key -> self.equals(topology.home(cache, key));
        }

        /** The keys of {@code cache} this node did not home continuously before. */
        public Predicate<String> newlyHomed(String cache) {
            return key -> newlyHomed.test(cache, key);
        }
    }

    private record Gain(long at, CacheTopology before) {
    }

    private static final None NONE = new None();

    private final String self;
    private final long term;
    private final long margin;
    private final long quarantine;

    private CacheTopology current;
    private long authorityUntil = Long.MIN_VALUE;
    private long newestSeen;
    private CacheTopology pending;
    private long pendingUntil;
    private final Deque<Gain> gains = new ArrayDeque<>();

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
     * Takes in a read of the ring.
     *
     * @param ring what the read returned
     * @param startedAt when the read was sent
     * @param receivedAt when it returned
     * @return what the directories are to do
     */
    public Action observe(CacheTopology ring, long startedAt, long receivedAt) {
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
        // A ring read after one or more it never saw may have moved keys away and back (a node joined and left in
        // between, its home granted them): count every key as gained, as after a start.
        boolean skipped = current != null && ring.epoch() > current.epoch() + 1;
        boolean gainsKeys = ring.isMember(self) && (current == null || skipped || !current.isMember(self)
                || !ring.record().members().containsAll(current.record().members()));
        if (gainsKeys) {
            if (pending == null || pending.epoch() != ring.epoch()) {
                pending = ring;
                pendingUntil = receivedAt + term + margin;
            }
            if (receivedAt < pendingUntil) {
                return NONE;
            }
        }
        CacheTopology before = current != null && current.isMember(self) && !skipped ? current : null;
        pending = null;
        current = ring;
        authorityUntil = ring.isMember(self) ? startedAt + term : Long.MIN_VALUE;
        if (gainsKeys) {
            gains.addLast(new Gain(receivedAt, before));
        }
        prune(receivedAt);
        return new Assume(ring, authorityUntil, gainedSince(before));
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
        for (Gain g : gains) {
            recent.add(gainedSince(g.before()));
        }
        return new Assume(current, authorityUntil, (cache, key) -> recent.stream().anyMatch(n -> n.test(cache, key)));
    }

    private NewlyHomed gainedSince(CacheTopology before) {
        return (cache, key) -> before == null || !self.equals(before.home(cache, key));
    }

    private void prune(long now) {
        while (!gains.isEmpty() && gains.peekFirst().at() <= now - quarantine) {
            gains.removeFirst();
        }
    }

    /** The epoch the directories are at, 0 before the first. */
    public long epoch() {
        return current == null ? 0 : current.epoch();
    }
}
