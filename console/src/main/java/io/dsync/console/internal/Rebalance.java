package io.dsync.console.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A change of the queue ring between two polls: the queue nodes that joined and left, and the partitions whose
 * primary changed (moved). Computed from two {@link QueueRing}s, the diff of two values. Immutable.
 *
 * @param at when it was seen (the poll that saw the new ring)
 * @param joined nodes in the new ring only
 * @param left nodes in the old ring only
 * @param moved partitions of queues in both rings whose primary differs
 */
record Rebalance(Instant at, Set<String> joined, Set<String> left, List<Move> moved) {

    Rebalance {
        joined = Set.copyOf(joined);
        left = Set.copyOf(left);
        moved = List.copyOf(moved);
    }

    /**
     * @param partition {@code queue/partition}
     * @param from its primary before
     * @param to its primary now
     */
    record Move(String partition, String from, String to) {
    }

    /**
     * @return the change from {@code before} to {@code after}, or {@code null} when the nodes and every primary are
     *     the same
     */
    static Rebalance between(QueueRing before, QueueRing after, Instant at) {
        Set<String> joined = new TreeSet<>(after.nodes().keySet());
        joined.removeAll(before.nodes().keySet());
        Set<String> left = new TreeSet<>(before.nodes().keySet());
        left.removeAll(after.nodes().keySet());
        Map<String, String> primaries = new HashMap<>();
        before.partitions().forEach(p -> primaries.put(p.id(), p.primary()));
        List<Move> moved = new ArrayList<>();
        for (QueueRing.Partition p : after.partitions()) {
            if (primaries.containsKey(p.id()) && !Objects.equals(primaries.get(p.id()), p.primary())) {
                moved.add(new Move(p.id(), primaries.get(p.id()), p.primary()));
            }
        }
        return joined.isEmpty() && left.isEmpty() && moved.isEmpty() ? null : new Rebalance(at, joined, left, moved);
    }

    /** @return the moved partitions' ids */
    Set<String> movedPartitions() {
        Set<String> ids = new TreeSet<>();
        moved.forEach(m -> ids.add(m.partition()));
        return ids;
    }

    /** @return one line for people: "q-3 joined; 3 partitions moved: orders/1 q-1→q-3, ..." */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (!joined.isEmpty()) {
            b.append(String.join(", ", new TreeSet<>(joined))).append(" joined");
        }
        if (!left.isEmpty()) {
            b.append(b.length() == 0 ? "" : ", ").append(String.join(", ", new TreeSet<>(left))).append(" left");
        }
        b.append(b.length() == 0 ? "" : "; ").append(moved.size()).append(moved.size() == 1 ? " partition" : " partitions")
                .append(" moved");
        for (int i = 0; i < moved.size(); i++) {
            if (i == 12) {
                b.append(", and ").append(moved.size() - 12).append(" more");
                break;
            }
            Move m = moved.get(i);
            b.append(i == 0 ? ": " : ", ").append(m.partition()).append(' ').append(m.from() == null ? "none" : m.from())
                    .append('\u2192').append(m.to() == null ? "none" : m.to());
        }
        return b.toString();
    }
}
