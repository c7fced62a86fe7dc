package io.dsync.ring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the copies of each partition live: {@code owners.get(p)} is {@code [primary, replica1, ...]}.
 * Made by {@link HashRing#place} and {@link HashRing#placeBounded}, where each list holds
 * {@code min(replicas, nodes.size())} distinct nodes; on an empty ring every list is empty.
 * <p>
 * Immutable (the constructor copies its arguments) and so thread-safe. Two placements are equal when
 * they have the same partition and replica counts, the same owner lists and the same ring nodes.
 *
 * @param partitions the partition count, at least 1
 * @param replicas the wanted copies per partition including the primary, at least 1; a list is shorter
 *        when the ring has fewer nodes
 * @param owners one list per partition, primary first; distinct nodes of {@code nodes}, at most
 *        {@code replicas} of them
 * @param nodes the nodes of the ring the placement was made on, including those that own nothing
 */
public record Placement(int partitions, int replicas, List<List<String>> owners, SortedSet<String> nodes) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if a count is below 1, the number of lists is not
     *         {@code partitions}, or a list is longer than {@code replicas}, repeats a node or names a
     *         node that is not in {@code nodes}
     * @throws NullPointerException if an argument or an element is {@code null}
     */
    public Placement {
        Objects.requireNonNull(owners, "owners");
        Objects.requireNonNull(nodes, "nodes");
        if (partitions < 1 || replicas < 1) {
            throw new IllegalArgumentException("partitions and replicas must be at least 1, were "
                    + partitions + " and " + replicas);
        }
        if (owners.size() != partitions) {
            throw new IllegalArgumentException("expected " + partitions + " owner lists, got " + owners.size());
        }
        // A fresh natural-order set: a SortedSet argument could carry its own comparator.
        TreeSet<String> ids = new TreeSet<>();
        for (String node : nodes) {
            ids.add(Objects.requireNonNull(node, "node"));
        }
        nodes = Collections.unmodifiableSortedSet(ids);
        List<List<String>> lists = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            List<String> list = List.copyOf(owners.get(p));
            if (list.size() > replicas || new HashSet<>(list).size() != list.size() || !ids.containsAll(list)) {
                throw new IllegalArgumentException("partition " + p + ": owners " + list
                        + " must be at most " + replicas + " distinct nodes of " + ids);
            }
            lists.add(list);
        }
        owners = Collections.unmodifiableList(lists);
    }

    /**
     * A placement whose nodes are those named in {@code owners}, for placements kept without their ring
     * (a node that owns nothing is then not counted by {@link #primaryLoad()} and {@link #load()}).
     *
     * @param partitions the partition count, at least 1
     * @param replicas the wanted copies per partition, at least 1
     * @param owners one list per partition, primary first
     * @throws IllegalArgumentException as the canonical constructor
     * @throws NullPointerException if an argument or an element is {@code null}
     */
    public Placement(int partitions, int replicas, List<List<String>> owners) {
        this(partitions, replicas, owners, named(owners));
    }

    private static SortedSet<String> named(List<List<String>> owners) {
        TreeSet<String> ids = new TreeSet<>();
        for (Collection<String> list : Objects.requireNonNull(owners, "owners")) {
            for (String node : list) {
                ids.add(Objects.requireNonNull(node, "node"));
            }
        }
        return ids;
    }

    /**
     * The owners of one partition.
     *
     * @param p the partition
     * @return primary first, then the replicas; empty if the ring was empty
     * @throws IndexOutOfBoundsException if {@code p} is not a partition
     */
    public List<String> owners(int p) {
        return owners.get(Objects.checkIndex(p, partitions));
    }

    /**
     * The primary of one partition.
     *
     * @param p the partition
     * @return the node id
     * @throws IndexOutOfBoundsException if {@code p} is not a partition
     * @throws IllegalStateException if the partition has no owner (the ring was empty)
     */
    public String primary(int p) {
        List<String> list = owners(p);
        if (list.isEmpty()) {
            throw new IllegalStateException("partition " + p + " has no owner: the ring was empty");
        }
        return list.get(0);
    }

    /**
     * The replicas of one partition, without the primary.
     *
     * @param p the partition
     * @return the node ids in order; empty if there is only a primary or no owner
     * @throws IndexOutOfBoundsException if {@code p} is not a partition
     */
    public List<String> replicas(int p) {
        List<String> list = owners(p);
        return list.isEmpty() ? list : list.subList(1, list.size());
    }

    /**
     * How many partitions each node is primary for.
     *
     * @return an unmodifiable map in node order with every node of {@link #nodes()}, 0 included
     */
    public Map<String, Integer> primaryLoad() {
        Map<String, Integer> load = zeroes();
        for (List<String> list : owners) {
            if (!list.isEmpty()) {
                load.merge(list.get(0), 1, Integer::sum);
            }
        }
        return Collections.unmodifiableMap(load);
    }

    /**
     * How many copies (primary or replica) each node holds.
     *
     * @return an unmodifiable map in node order with every node of {@link #nodes()}, 0 included
     */
    public Map<String, Integer> load() {
        Map<String, Integer> load = zeroes();
        for (List<String> list : owners) {
            for (String node : list) {
                load.merge(node, 1, Integer::sum);
            }
        }
        return Collections.unmodifiableMap(load);
    }

    private Map<String, Integer> zeroes() {
        Map<String, Integer> load = new TreeMap<>();
        for (String node : nodes) {
            load.put(node, 0);
        }
        return load;
    }

    /**
     * What changes from this placement to the next: one move per partition whose owner list differs,
     * in any way (a new node, a lost node or a changed order, such as a replica promoted to primary).
     *
     * @param next the placement to move to
     * @return the plan, moves in partition order; empty if nothing changes
     * @throws IllegalArgumentException if {@code next} has a different partition count
     * @throws NullPointerException if {@code next} is {@code null}
     */
    public RebalancePlan diff(Placement next) {
        Objects.requireNonNull(next, "next");
        if (next.partitions != partitions) {
            throw new IllegalArgumentException("cannot diff placements of " + partitions + " and "
                    + next.partitions + " partitions");
        }
        List<RebalancePlan.Move> moves = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            List<String> before = owners.get(p);
            List<String> after = next.owners.get(p);
            if (!before.equals(after)) {
                moves.add(new RebalancePlan.Move(p, before, after));
            }
        }
        return new RebalancePlan(moves, partitions);
    }
}
