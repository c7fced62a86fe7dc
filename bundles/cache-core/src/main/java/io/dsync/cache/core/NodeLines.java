package io.dsync.cache.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Predicate;

import io.dsync.cache.EvictionPolicy;

/**
 * A node's copies of one cache: the {@link Lru} of lines (plain, or W-TinyLFU), the evicted modified lines still being
 * written back, and the count of MESI transitions. Owned by one {@link CacheNode}; not thread-safe.
 */
final class NodeLines {

    private final Lru<String, Line> lru;
    /** Evicted modified lines whose write-back is in flight; they no longer count against the capacity. */
    private final TreeMap<String, Line> departing = new TreeMap<>();
    private final ArrayDeque<Line> evicted = new ArrayDeque<>();
    private final TreeMap<Transition, Long> transitions = new TreeMap<>();

    private final long capacityBytes;

    /**
     * When the node's tick must look at which line, so that a tick costs what is due instead of a walk over every line:
     * a line's live entry is the one at its {@link Line#dueAt}; entries left behind by an earlier one are skipped.
     */
    private final PriorityQueue<Due> dues = new PriorityQueue<>();
    private long dueSeq;

    private record Due(long at, long seq, Line line) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    /**
     * Creates an empty set of lines.
     *
     * @param capacity the most lines kept
     * @param capacityBytes the most bytes of lines kept (see {@link #bytes(Line)}), 0 for no bound in bytes
     * @param eviction which line goes when a bound is passed
     * @param evictable tells which lines may be evicted now
     */
    NodeLines(int capacity, long capacityBytes, EvictionPolicy eviction, Predicate<Line> evictable) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes must not be negative, was " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        Lru.EvictionListener<String, Line> onEvicted = (key, line) -> evicted.add(line);
        long limit = capacityBytes == 0 ? Long.MAX_VALUE : capacityBytes;
        this.lru = eviction == EvictionPolicy.W_TINY_LFU
                ? Lru.windowTinyLfu(capacity, limit, NodeLines::bytes, evictable, onEvicted)
                : new Lru<>(capacity, limit, NodeLines::bytes, evictable, onEvicted);
    }

    /** What a line counts against the bound in bytes: its key, two bytes per character, and its value. */
    static long bytes(Line line) {
        byte[] value = line.data.value();
        return 2L * line.key.length() + (value == null ? 0 : value.length);
    }

    /** Returns the line of a key, valid or not, without touching it. */
    Line find(String key) {
        Line line = lru.peek(key);
        return line != null ? line : departing.get(key);
    }

    /** Makes a key's line the most recently used. */
    void touch(String key) {
        lru.get(key);
    }

    /** Adds a line as the most recently used; lines evicted to make room are queued for {@link #pollEvicted()}. */
    void install(Line line) {
        lru.put(line.key, line);
    }

    /** Counts a line's bytes again after its value changed; evicts nothing before the next {@link #trim()}. */
    void reweigh(Line line) {
        if (lru.peek(line.key) == line) {
            lru.reweigh(line.key);
        }
    }

    /** Evicts down to capacity, after lines were unpinned or grew. */
    void trim() {
        lru.trim();
    }

    /** Returns the next line evicted and not yet handled, or {@code null}. */
    Line pollEvicted() {
        return evicted.poll();
    }

    /** Keeps an evicted line, outside the LRU, until its write-back is done. */
    void depart(Line line) {
        departing.put(line.key, line);
    }

    /** Forgets a line. */
    void remove(Line line) {
        if (lru.peek(line.key) == line) {
            lru.remove(line.key);
        }
        departing.remove(line.key, line);
    }

    /** Whether a line is one of these: in the LRU, or departing. */
    boolean holds(Line line) {
        return lru.peek(line.key) == line || departing.get(line.key) == line;
    }

    /** Has the tick look at a line at {@code at}, or earlier if it was to look earlier already. */
    void lookAt(Line line, long at) {
        if (at < line.dueAt) {
            line.dueAt = at;
            dues.add(new Due(at, dueSeq++, line));
        }
    }

    /**
     * Takes the lines the tick is to look at by {@code now}, in the order of their times (each once; lines forgotten
     * since are left out). They are not looked at again unless {@link #lookAt} is called for them anew.
     */
    List<Line> due(long now) {
        List<Line> due = new ArrayList<>();
        while (!dues.isEmpty() && dues.peek().at() <= now) {
            Due d = dues.poll();
            if (d.line().dueAt == d.at() && holds(d.line())) {
                d.line().dueAt = Long.MAX_VALUE;
                due.add(d.line());
            }
        }
        return due;
    }

    /** Returns all lines: the LRU's, most recently used first, then the departing ones. */
    List<Line> all() {
        List<Line> all = new ArrayList<>(lru.size() + departing.size());
        lru.valuesInto(all);
        all.addAll(departing.values());
        return all;
    }

    /** Returns the keys of the LRU, most recently used first (W-TinyLFU: the window's, then the main part's). */
    List<String> order(int limit) {
        return lru.keys(limit);
    }

    int size() {
        return lru.size() + departing.size();
    }

    int capacity() {
        return lru.capacity();
    }

    /** The bytes of the lines in the LRU (the departing ones no longer count), as last weighed. */
    long bytes() {
        return lru.weight();
    }

    /** The most bytes of lines kept, 0 for no bound in bytes. */
    long capacityBytes() {
        return capacityBytes;
    }

    /** Counts a MESI transition. */
    void count(MesiState from, MesiState to, Transition.Cause cause) {
        transitions.merge(new Transition(from, to, cause), 1L, Long::sum);
    }

    Map<Transition, Long> transitions() {
        return Collections.unmodifiableMap(new TreeMap<>(transitions));
    }
}
