package io.dsync.ring;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Measures what the vnode count and epsilon buy: load balance and movement on a membership change, for
 * plain ({@link HashRing#place}) and bounded ({@link HashRing#placeBounded}) placement. The numbers are
 * pure functions of the parameters (hashes of fixed names, no randomness, no clock), so they are the
 * same on every machine and every run; {@code docs/ring.md} holds the table for the defaults.
 * <p>
 * Each row averages over {@value #CLUSTERS} clusters whose node and partition names differ
 * ({@code c<k>-node-<i>}, partitions {@code queue-<k>/<p>}), so that one lucky or unlucky set of names
 * does not decide it:
 * <ul>
 * <li>arc max/mean: the largest share of the ring's circumference that one node's tokens own, over the
 *     mean {@code 1/N}; the balance plain placement tends to when there are very many keys (the cache);
 * <li>max/mean: the largest primary load over the mean {@code P/N};
 * <li>join: the share of partitions whose primary changes when node {@code c<k>-node-<N+1>} joins;
 * <li>leave: the same when a node leaves, averaged over each of the N nodes leaving;
 * <li>copies max/mean: the largest number of copies a node holds over the mean, with
 *     {@value #REPLICAS} copies per partition (primaries do not depend on the replica count).
 * </ul>
 * Run with {@code java -cp hash4j.jar:dsync-ring-core.jar io.dsync.ring.RingReport}; the test
 * {@code RingReportTest} prints it too.
 */
public final class RingReport {

    /** Partitions per placement. */
    public static final int PARTITIONS = 256;
    /** Epsilon of the bounded placement. */
    public static final double EPSILON = HashRing.DEFAULT_EPSILON;
    /** Copies per partition, for the copies column. */
    public static final int REPLICAS = 3;
    /** Clusters averaged per row. */
    public static final int CLUSTERS = 10;
    /** The node counts reported. */
    public static final List<Integer> NODE_COUNTS = List.of(3, 5, 10);
    /** The vnode counts reported. */
    public static final List<Integer> VNODE_COUNTS = List.of(1, 16, 64, 128, 256);

    /** The epsilons compared by {@link #main}. */
    public static final List<Double> EPSILONS = List.of(0.05, 0.1, 0.25, 0.5);
    /** The node count of the epsilon comparison. */
    public static final int EPSILON_SWEEP_NODES = 10;

    private static final double TWO_TO_THE_64 = 0x1p64;

    private RingReport() {
    }

    /**
     * One row of the report, each value averaged over the clusters.
     *
     * @param nodes the node count N
     * @param vnodes the vnode count
     * @param arcMaxOverMean largest share of the ring's circumference owned by one node over the mean
     *        {@code 1/N}: the balance of plain placement when there are very many keys
     * @param plainMaxOverMean largest primary load over the mean, plain placement
     * @param boundedMaxOverMean the same, bounded placement
     * @param plainJoinShare share of partitions changing primary on a join (N to N+1), plain
     * @param boundedJoinShare the same, bounded
     * @param plainLeaveShare share of partitions changing primary on a leave (N to N-1), plain
     * @param boundedLeaveShare the same, bounded
     * @param plainCopiesMaxOverMean largest number of copies held over the mean, plain
     * @param boundedCopiesMaxOverMean the same, bounded
     */
    public record Row(int nodes, int vnodes, double arcMaxOverMean, double plainMaxOverMean,
            double boundedMaxOverMean, double plainJoinShare, double boundedJoinShare, double plainLeaveShare,
            double boundedLeaveShare, double plainCopiesMaxOverMean, double boundedCopiesMaxOverMean) {

        /**
         * The smallest possible join share: the new node's fair share.
         *
         * @return {@code 1 / (N + 1)}
         */
        public double idealJoinShare() {
            return 1.0 / (nodes + 1);
        }

        /**
         * The smallest possible leave share: the leaving node's fair share.
         *
         * @return {@code 1 / N}
         */
        public double idealLeaveShare() {
            return 1.0 / nodes;
        }
    }

    /**
     * Measures one row per (node count, vnode count).
     *
     * @param partitions the partition count
     * @param epsilon epsilon of the bounded placement
     * @param nodeCounts the node counts, each at least 2 (a leave must leave someone)
     * @param vnodeCounts the vnode counts
     * @return the rows, node count major
     */
    public static List<Row> measure(int partitions, double epsilon, List<Integer> nodeCounts,
            List<Integer> vnodeCounts) {
        List<Row> rows = new ArrayList<>();
        for (int n : nodeCounts) {
            if (n < 2) {
                throw new IllegalArgumentException("node counts must be at least 2, was " + n);
            }
            for (int v : vnodeCounts) {
                rows.add(row(partitions, epsilon, n, v));
            }
        }
        return Collections.unmodifiableList(rows);
    }

    private static Row row(int partitions, double epsilon, int n, int vnodes) {
        List<Row> samples = new ArrayList<>();
        for (int k = 0; k < CLUSTERS; k++) {
            samples.add(sample(partitions, epsilon, n, vnodes, k));
        }
        return new Row(n, vnodes, mean(samples, Row::arcMaxOverMean), mean(samples, Row::plainMaxOverMean),
                mean(samples, Row::boundedMaxOverMean), mean(samples, Row::plainJoinShare),
                mean(samples, Row::boundedJoinShare), mean(samples, Row::plainLeaveShare),
                mean(samples, Row::boundedLeaveShare), mean(samples, Row::plainCopiesMaxOverMean),
                mean(samples, Row::boundedCopiesMaxOverMean));
    }

    /** One cluster, {@code k}: its own node and partition names. */
    private static Row sample(int partitions, double epsilon, int n, int vnodes, int k) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add(nodeId(k, i));
        }
        PartitionNamer namer = PartitionNamer.numbered("queue-" + k);
        HashRing ring = HashRing.of(ids, vnodes);
        Placement plain = ring.place(partitions, REPLICAS, namer);
        Placement bounded = ring.placeBounded(partitions, REPLICAS, epsilon, namer);
        int copies = partitions * Math.min(REPLICAS, n);

        HashRing joined = ring.withNode(nodeId(k, n + 1));
        double plainJoin = plain.diff(joined.place(partitions, REPLICAS, namer)).primaryMovedShare();
        double boundedJoin = bounded.diff(joined.placeBounded(partitions, REPLICAS, epsilon, namer))
                .primaryMovedShare();

        double plainLeave = 0;
        double boundedLeave = 0;
        for (String leaver : ids) {
            HashRing left = ring.withoutNode(leaver);
            plainLeave += plain.diff(left.place(partitions, REPLICAS, namer)).primaryMovedShare();
            boundedLeave += bounded.diff(left.placeBounded(partitions, REPLICAS, epsilon, namer))
                    .primaryMovedShare();
        }
        return new Row(n, vnodes, arcMaxOverMean(ring), maxOverMean(plain.primaryLoad(), partitions),
                maxOverMean(bounded.primaryLoad(), partitions), plainJoin, boundedJoin, plainLeave / n,
                boundedLeave / n, maxOverMean(plain.load(), copies), maxOverMean(bounded.load(), copies));
    }

    private static double mean(List<Row> samples, ToDoubleFunction<Row> value) {
        double sum = 0;
        for (Row row : samples) {
            sum += value.applyAsDouble(row);
        }
        return sum / samples.size();
    }

    private static String nodeId(int cluster, int i) {
        return "c" + cluster + "-node-" + i;
    }

    /** Each token owns the arc from the previous token (exclusive) to itself (inclusive). */
    private static double arcMaxOverMean(HashRing ring) {
        List<HashRing.Token> tokens = ring.tokens();
        Map<String, Double> arcs = new HashMap<>();
        long previous = tokens.get(tokens.size() - 1).position();
        for (HashRing.Token token : tokens) {
            // The wrapping difference is the clockwise distance as an unsigned 64-bit number.
            long d = token.position() - previous;
            arcs.merge(token.node(), (d >>> 1) * 2.0 + (d & 1), Double::sum);
            previous = token.position();
        }
        return Collections.max(arcs.values()) / TWO_TO_THE_64 * ring.nodes().size();
    }

    private static double maxOverMean(Map<String, Integer> load, int total) {
        int max = Collections.max(load.values());
        return max / ((double) total / load.size());
    }

    /**
     * The rows as a Markdown table; numbers are formatted in {@link Locale#ROOT}, so the text is the
     * same on every machine.
     *
     * @param rows the rows
     * @return the table, one line per row, ending with a newline
     */
    public static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| N | vnodes | arc max/mean | max/mean plain | max/mean bounded | join plain | join bounded"
                + " | ideal join 1/(N+1) | leave plain | leave bounded | ideal leave 1/N"
                + " | copies max/mean plain | copies max/mean bounded |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT,
                    "| %d | %d | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f |\n",
                    r.nodes(), r.vnodes(), r.arcMaxOverMean(), r.plainMaxOverMean(), r.boundedMaxOverMean(),
                    r.plainJoinShare(), r.boundedJoinShare(), r.idealJoinShare(), r.plainLeaveShare(),
                    r.boundedLeaveShare(), r.idealLeaveShare(), r.plainCopiesMaxOverMean(),
                    r.boundedCopiesMaxOverMean()));
        }
        return out.toString();
    }

    /**
     * What epsilon trades: the bounded placement's balance against its movement, for one node and vnode
     * count, with plain placement (epsilon infinite, in effect) as the last row.
     *
     * @param partitions the partition count
     * @param nodes the node count, at least 2
     * @param vnodes the vnode count
     * @param epsilons the epsilons
     * @return the Markdown table, ending with a newline
     */
    public static String epsilonTable(int partitions, int nodes, int vnodes, List<Double> epsilons) {
        StringBuilder out = new StringBuilder();
        out.append("| epsilon | cap/mean | max/mean | join | leave |\n");
        out.append("|---|---:|---:|---:|---:|\n");
        Row plain = null;
        for (double epsilon : epsilons) {
            Row r = measure(partitions, epsilon, List.of(nodes), List.of(vnodes)).get(0);
            double cap = HashRing.boundedCapacity(partitions, nodes, epsilon) / ((double) partitions / nodes);
            out.append(String.format(Locale.ROOT, "| %.2f | %.2f | %.2f | %.3f | %.3f |\n", epsilon, cap,
                    r.boundedMaxOverMean(), r.boundedJoinShare(), r.boundedLeaveShare()));
            plain = r;
        }
        if (plain != null) {
            out.append(String.format(Locale.ROOT, "| plain | - | %.2f | %.3f | %.3f |\n",
                    plain.plainMaxOverMean(), plain.plainJoinShare(), plain.plainLeaveShare()));
        }
        return out.toString();
    }

    /**
     * The report for the documented parameters: {@value #PARTITIONS} partitions, epsilon
     * {@value #EPSILON}, {@link #NODE_COUNTS} and {@link #VNODE_COUNTS}.
     *
     * @return the Markdown table
     */
    public static String table() {
        return table(measure(PARTITIONS, EPSILON, NODE_COUNTS, VNODE_COUNTS));
    }

    /**
     * Prints {@link #table()}, then the {@linkplain #epsilonTable epsilon table} for
     * {@value #EPSILON_SWEEP_NODES} nodes, the default vnodes and {@link #EPSILONS}.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.print(table());
        System.out.println();
        System.out.printf(Locale.ROOT, "Epsilon, for N = %d, vnodes = %d, P = %d:\n\n", EPSILON_SWEEP_NODES,
                HashRing.DEFAULT_VNODES, PARTITIONS);
        System.out.print(epsilonTable(PARTITIONS, EPSILON_SWEEP_NODES, HashRing.DEFAULT_VNODES, EPSILONS));
    }
}
