package io.dsync.ring;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;

/**
 * A consistent-hash ring with virtual nodes: each node id owns {@link #vnodes()} tokens on a ring of
 * 64-bit positions, and a key belongs to the node of the first token at or after the key's position,
 * clockwise. Used by the queue to place partitions and by the cache to find home nodes.
 *
 * <h2>Positions</h2>
 * A position is the XXH3-64 hash (seed 0) of the UTF-8 bytes of a string ({@link #hash(String)}). Token
 * {@code i} of node {@code n} sits at {@code hash(n + "#" + i)}, for {@code i} from 0 to
 * {@code vnodes - 1}. Positions are ordered as <em>signed</em> {@code long}s: clockwise runs from
 * {@link Long#MIN_VALUE} up to {@link Long#MAX_VALUE} and then wraps to {@link Long#MIN_VALUE}. Tokens at
 * the same position are ordered by node id ({@link Token#compareTo}), so the first of them is the one
 * with the smallest id.
 * <p>
 * The hash function, the token names and this order are part of the cluster's contract: every node
 * computes placements independently and they agree only because all of them use the same ones. Changing
 * any of them moves data and must not happen within a rolling upgrade.
 *
 * <h2>Determinism</h2>
 * A ring is a pure function of its set of node ids and its vnode count; the order in which the ids are
 * given does not matter. {@link #owners(long, int)}, {@link #place} and {@link #placeBounded} are pure
 * functions of the ring and their arguments (floating-point arithmetic is strict in Java 17), so every
 * node of a cluster that sees the same membership computes the same answer.
 *
 * <h2>Thread safety</h2>
 * Immutable; safe to share between threads. {@link #withNode} and {@link #withoutNode} return new rings.
 *
 * <h2>Costs</h2>
 * Building a ring hashes and sorts {@code nodes × vnodes} tokens; {@code owners} is a binary search and a
 * short walk. Rings are meant to be built on a membership change, not per request.
 */
public final class HashRing {

    /** The vnode count used unless there is a reason to differ; see {@code docs/ring.md}. */
    public static final int DEFAULT_VNODES = 128;

    /** The load slack of {@link #placeBounded} used unless there is a reason to differ; see {@code docs/ring.md}. */
    public static final double DEFAULT_EPSILON = 0.25;

    /** Stateless, so one instance serves every thread. */
    private static final Hasher64 XXH3 = Hashing.xxh3_64();

    /**
     * One virtual node: a position on the ring and the node that owns it. Ordered by position (signed),
     * then by node id.
     *
     * @param position the position on the ring
     * @param node the owning node id
     */
    public record Token(long position, String node) implements Comparable<Token> {

        /**
         * Validates the node id.
         *
         * @param position the position on the ring
         * @param node the owning node id, not {@code null}
         */
        public Token {
            Objects.requireNonNull(node, "node");
        }

        @Override
        public int compareTo(Token o) {
            int c = Long.compare(position, o.position);
            return c != 0 ? c : node.compareTo(o.node);
        }
    }

    private final SortedSet<String> nodes;
    private final int vnodes;
    /** All tokens in ring order. */
    private final List<Token> tokens;
    /** {@code tokens} unpacked for the binary search and the walks. */
    private final long[] positions;
    private final String[] tokenNodes;

    private HashRing(SortedSet<String> nodes, int vnodes) {
        this.nodes = Collections.unmodifiableSortedSet(nodes);
        this.vnodes = vnodes;
        List<Token> all = new ArrayList<>(nodes.size() * vnodes);
        for (String node : nodes) {
            for (int i = 0; i < vnodes; i++) {
                all.add(new Token(hash(node + "#" + i), node));
            }
        }
        Collections.sort(all);
        this.tokens = Collections.unmodifiableList(all);
        this.positions = new long[all.size()];
        this.tokenNodes = new String[all.size()];
        for (int i = 0; i < all.size(); i++) {
            positions[i] = all.get(i).position();
            tokenNodes[i] = all.get(i).node();
        }
    }

    /**
     * A ring of the given nodes with {@link #DEFAULT_VNODES} tokens each.
     *
     * @param nodes the node ids; duplicates count once, order does not matter; may be empty
     * @return the ring
     * @throws IllegalArgumentException if an id is {@code null} or blank
     * @throws NullPointerException if {@code nodes} is {@code null}
     */
    public static HashRing of(Collection<String> nodes) {
        return of(nodes, DEFAULT_VNODES);
    }

    /**
     * A ring of the given nodes.
     *
     * @param nodes the node ids; duplicates count once, order does not matter; may be empty
     * @param vnodesPerNode the number of tokens per node, at least 1
     * @return the ring
     * @throws IllegalArgumentException if {@code vnodesPerNode < 1}, or an id is {@code null} or blank
     * @throws NullPointerException if {@code nodes} is {@code null}
     */
    public static HashRing of(Collection<String> nodes, int vnodesPerNode) {
        Objects.requireNonNull(nodes, "nodes");
        if (vnodesPerNode < 1) {
            throw new IllegalArgumentException("vnodesPerNode must be at least 1, was " + vnodesPerNode);
        }
        // A fresh natural-order set: a SortedSet argument could carry its own comparator.
        TreeSet<String> ids = new TreeSet<>();
        for (String node : nodes) {
            ids.add(checkId(node));
        }
        return new HashRing(ids, vnodesPerNode);
    }

    private static String checkId(String node) {
        if (node == null || node.isBlank()) {
            throw new IllegalArgumentException("a node id must not be null or blank, was "
                    + (node == null ? "null" : "'" + node + "'"));
        }
        return node;
    }

    /**
     * This ring with one more node and the same vnode count.
     *
     * @param node the node id
     * @return a new ring, or this ring if it already has the node
     * @throws IllegalArgumentException if the id is {@code null} or blank
     */
    public HashRing withNode(String node) {
        if (nodes.contains(checkId(node))) {
            return this;
        }
        TreeSet<String> ids = new TreeSet<>(nodes);
        ids.add(node);
        return new HashRing(ids, vnodes);
    }

    /**
     * This ring without a node, with the same vnode count.
     *
     * @param node the node id
     * @return a new ring, or this ring if it does not have the node
     * @throws IllegalArgumentException if the id is {@code null} or blank
     */
    public HashRing withoutNode(String node) {
        if (!nodes.contains(checkId(node))) {
            return this;
        }
        TreeSet<String> ids = new TreeSet<>(nodes);
        ids.remove(node);
        return new HashRing(ids, vnodes);
    }

    /**
     * The node ids.
     *
     * @return an unmodifiable set in natural order
     */
    public SortedSet<String> nodes() {
        return nodes;
    }

    /**
     * The number of tokens per node.
     *
     * @return at least 1
     */
    public int vnodes() {
        return vnodes;
    }

    /**
     * Whether the ring has no node; then every owner list is empty.
     *
     * @return {@code true} if there is no node
     */
    public boolean isEmpty() {
        return nodes.isEmpty();
    }

    /**
     * The ring position of a key: XXH3-64 (seed 0) of its UTF-8 bytes, as a signed {@code long}.
     *
     * @param key the key
     * @return the position
     * @throws NullPointerException if {@code key} is {@code null}
     */
    public static long hash(String key) {
        return XXH3.hashBytesToLong(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The owners of a position: the node of the first token at or after {@code position} (clockwise,
     * wrapping), then the next distinct nodes clockwise.
     *
     * @param position a ring position
     * @param count how many owners are wanted, at least 0
     * @return {@code min(count, nodes().size())} distinct node ids, first the primary; empty on an empty ring
     * @throws IllegalArgumentException if {@code count < 0}
     */
    public List<String> owners(long position, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        int wanted = Math.min(count, nodes.size());
        if (wanted == 0) {
            return List.of();
        }
        List<String> owners = new ArrayList<>(wanted);
        collect(ceiling(position), wanted, owners);
        return Collections.unmodifiableList(owners);
    }

    /**
     * The owners of a key: {@code owners(hash(key), count)}.
     *
     * @param key the key
     * @param count how many owners are wanted, at least 0
     * @return {@code min(count, nodes().size())} distinct node ids, first the primary; empty on an empty ring
     * @throws IllegalArgumentException if {@code count < 0}
     * @throws NullPointerException if {@code key} is {@code null}
     */
    public List<String> owners(String key, int count) {
        return owners(hash(key), count);
    }

    /**
     * All tokens in ring order, e.g. to draw the ring.
     *
     * @return an unmodifiable list of {@code nodes().size() * vnodes()} tokens, sorted
     */
    public List<Token> tokens() {
        return tokens;
    }

    /**
     * Plain consistent hashing: partition {@code p} sits at {@code hash(namer.name(p))} and its owners
     * are {@link #owners(long, int) owners(position, replicas)}.
     * <p>
     * When a node joins, only the partitions that it takes as primary change primary (about
     * {@code 1/(N+1)} of them); when a node leaves, only the partitions it was primary for do (about
     * {@code 1/N}). Loads are uneven: with 256 partitions and {@link #DEFAULT_VNODES} vnodes the busiest
     * node is primary for about 13, 23 and 35 % more partitions than the mean at 3, 5 and 10 nodes. With
     * so few partitions the scatter of the partitions' own positions dominates, which more vnodes do not
     * cure and {@link #placeBounded} does ({@code docs/ring.md}).
     *
     * @param partitions the partition count, at least 1
     * @param replicas copies per partition including the primary, at least 1
     * @param namer names the partitions
     * @return the placement; on an empty ring every owner list is empty
     * @throws IllegalArgumentException if {@code partitions < 1} or {@code replicas < 1}
     * @throws NullPointerException if {@code namer} is {@code null} or returns {@code null}
     */
    public Placement place(int partitions, int replicas, PartitionNamer namer) {
        checkPlacement(partitions, replicas, namer);
        List<List<String>> owners = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            owners.add(owners(position(namer, p), replicas));
        }
        return new Placement(partitions, replicas, owners, nodes);
    }

    /**
     * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
     * with Bounded Loads", 2018): no node is primary for more than
     * {@link #boundedCapacity(int, int, double) ceil((1 + epsilon) * partitions / N)} partitions.
     * <p>
     * Partitions are assigned in ascending order; each walks clockwise from its position, as in
     * {@link #place}, to the first token whose node is primary for fewer than the capacity so far. Its
     * replicas are the next distinct nodes clockwise after that token, skipping the primary, as in plain
     * placement. Only primaries are bounded, because the primary does a partition's work and a replica
     * only keeps a copy: a replica is not counted against the capacity, and the number of copies a node
     * holds ({@link Placement#load()}) is about as uneven as under plain placement (with 3 copies, 128
     * vnodes and 10 nodes the fullest node holds about 18 % more than the mean).
     * <p>
     * The price is movement: a membership change also changes the capacity, and partitions pushed off a
     * full node push others further along, so more partitions change primary than under {@link #place}.
     * Measured by {@link RingReport} with 256 partitions ({@code docs/ring.md}): with
     * {@link #DEFAULT_VNODES} vnodes and epsilon 0.25 a join or a leave moves about 5 % more partitions
     * than plain placement (at 10 nodes 0.098 instead of 0.093 of them on a join, 0.106 instead of 0.100
     * on a leave; the ideal is 0.091 and 0.100); epsilon 0.05 moves about 25 % more; with a single vnode
     * per node up to 2.5 times as many.
     *
     * @param partitions the partition count, at least 1
     * @param replicas copies per partition including the primary, at least 1
     * @param epsilon the allowed load above the mean, as a fraction; greater than 0 and finite
     * @param namer names the partitions
     * @return the placement; on an empty ring every owner list is empty
     * @throws IllegalArgumentException if {@code partitions < 1}, {@code replicas < 1} or
     *         {@code epsilon} is not a finite number greater than 0
     * @throws NullPointerException if {@code namer} is {@code null} or returns {@code null}
     */
    public Placement placeBounded(int partitions, int replicas, double epsilon, PartitionNamer namer) {
        checkPlacement(partitions, replicas, namer);
        checkEpsilon(epsilon);
        int n = nodes.size();
        List<List<String>> owners = new ArrayList<>(partitions);
        if (n == 0) {
            for (int p = 0; p < partitions; p++) {
                owners.add(List.of());
            }
            return new Placement(partitions, replicas, owners, nodes);
        }
        int capacity = boundedCapacity(partitions, n, epsilon);
        int wanted = Math.min(replicas, n);
        Map<String, Integer> primaryLoad = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            int start = ceiling(position(namer, p));
            // capacity * n >= (1 + epsilon) * partitions > p, so some node is below capacity and the
            // walk ends within one lap.
            int chosen = start;
            while (primaryLoad.getOrDefault(tokenNodes[chosen], 0) >= capacity) {
                chosen = (chosen + 1) % tokenNodes.length;
            }
            String primary = tokenNodes[chosen];
            primaryLoad.merge(primary, 1, Integer::sum);
            List<String> list = new ArrayList<>(wanted);
            list.add(primary);
            collect((chosen + 1) % tokenNodes.length, wanted, list);
            owners.add(Collections.unmodifiableList(list));
        }
        return new Placement(partitions, replicas, owners, nodes);
    }

    /**
     * The most partitions one node may be primary for under {@link #placeBounded}:
     * {@code ceil((1 + epsilon) * partitions / nodes)}.
     *
     * @param partitions the partition count, at least 1
     * @param nodes the node count, at least 1
     * @param epsilon the allowed load above the mean; greater than 0 and finite
     * @return the capacity, at least 1 (saturates at {@link Integer#MAX_VALUE})
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static int boundedCapacity(int partitions, int nodes, double epsilon) {
        if (partitions < 1 || nodes < 1) {
            throw new IllegalArgumentException("partitions and nodes must be at least 1, were "
                    + partitions + " and " + nodes);
        }
        checkEpsilon(epsilon);
        return (int) Math.ceil((1 + epsilon) * partitions / nodes);
    }

    private static void checkEpsilon(double epsilon) {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number greater than 0, was " + epsilon);
        }
    }

    private static void checkPlacement(int partitions, int replicas, PartitionNamer namer) {
        Objects.requireNonNull(namer, "namer");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1, was " + replicas);
        }
    }

    private static long position(PartitionNamer namer, int p) {
        String name = namer.name(p);
        if (name == null) {
            throw new NullPointerException("the partition namer returned null for partition " + p);
        }
        return hash(name);
    }

    /**
     * The index of the first token at or after a position, wrapping to 0 past the last. Not
     * {@link java.util.Arrays#binarySearch}: among equal positions it may return any of them, and the
     * first one is the owner.
     */
    private int ceiling(long position) {
        int lo = 0;
        int hi = positions.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (positions[mid] < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == positions.length ? 0 : lo;
    }

    /**
     * Walks clockwise from token {@code start} for at most one lap, appending nodes not yet in
     * {@code into} until it holds {@code wanted}.
     */
    private void collect(int start, int wanted, List<String> into) {
        Set<String> seen = new HashSet<>(into);
        for (int step = 0; step < tokenNodes.length && into.size() < wanted; step++) {
            String node = tokenNodes[(start + step) % tokenNodes.length];
            if (seen.add(node)) {
                into.add(node);
            }
        }
    }

    /**
     * Rings are equal when they have the same nodes and vnode count, hence the same tokens.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof HashRing r && vnodes == r.vnodes && nodes.equals(r.nodes);
    }

    @Override
    public int hashCode() {
        return 31 * nodes.hashCode() + vnodes;
    }

    @Override
    public String toString() {
        return "HashRing[nodes=" + nodes + ", vnodes=" + vnodes + "]";
    }
}
