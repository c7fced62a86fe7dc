package io.dsync.console.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Draws a {@link QueueRing} as a circle, as an SVG document generated on the server (no script, nothing fetched): the
 * ring's arcs in the colour of the node each belongs to (a token owns the arc from the previous token up to itself;
 * neighbouring tokens of one node are drawn as one arc), each partition as a dot inside the circle at its ring
 * position, filled in its primary's colour and ringed in its first replica's, and a legend with each node's colour,
 * share of the ring and primaries. Partitions moved by the latest rebalance are outlined. Every name is escaped.
 * For people and for tests elements carry what they stand for: {@code data-node} on arcs ({@code data-arc}) and
 * legend entries, {@code data-partition}, {@code data-primary}, {@code data-replicas}, {@code data-moved} on
 * partitions. Stateless.
 */
final class QueueRingSvg {

    static final int WIDTH = 760;
    static final int HEIGHT = 460;
    private static final double CX = 230;
    private static final double CY = 230;
    private static final double R = 190;
    private static final double DOTS = 150;
    /** Partition labels are drawn up to this many partitions; beyond, only their hover titles. */
    static final int LABELLED = 48;
    /** At most this many partitions are drawn. */
    static final int MAX_PARTITIONS = 512;
    private static final String[] COLOURS = {"#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bc4c00",
        "#0a7e8c", "#bf3989", "#57606a", "#6e7781", "#116329", "#953800"};

    private QueueRingSvg() {
    }

    /** @return the colour of the {@code i}th node (in id order) */
    static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    /**
     * @param ring the ring
     * @param moved partitions ({@code queue/p}) to outline as moved by the latest rebalance
     * @return the SVG document
     */
    static String render(QueueRing ring, Set<String> moved) {
        List<String> nodes = new ArrayList<>(ring.nodes().keySet());
        ring.tokens().forEach(t -> {
            if (!nodes.contains(t.node())) {
                nodes.add(t.node());
            }
        });
        Map<String, String> colours = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            colours.put(nodes.get(i), colour(i));
        }
        StringBuilder b = new StringBuilder(4096 + 200 * ring.tokens().size());
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"queue-ring-svg\" role=\"img\"")
                .append(" aria-label=\"the queue nodes' consistent-hash ring\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" data-nodes=\"").append(escape(String.join(" ", ring.nodes().keySet())))
                .append("\" font-family=\"sans-serif\" font-size=\"11\">");
        b.append("<circle cx=\"").append(fmt(CX)).append("\" cy=\"").append(fmt(CY)).append("\" r=\"").append(fmt(R))
                .append("\" fill=\"none\" stroke=\"#e3e3e3\" stroke-width=\"14\"/>");
        if (ring.tokens().isEmpty()) {
            b.append("<text x=\"").append(fmt(CX)).append("\" y=\"").append(fmt(CY))
                    .append("\" text-anchor=\"middle\" fill=\"#666\">No queue node is in the ring.</text>");
        } else {
            arcs(b, ring.tokens(), colours);
        }
        Map<String, Integer> primaries = new LinkedHashMap<>();
        List<QueueRing.Partition> partitions = ring.partitions();
        int drawn = Math.min(partitions.size(), MAX_PARTITIONS);
        // Labels of neighbours on the circle go at three distances from the centre, in turn, so that fewer overlap.
        List<QueueRing.Partition> round = new ArrayList<>(partitions.subList(0, drawn));
        round.sort(Comparator.comparingDouble(QueueRingSvg::fraction));
        Map<String, Integer> lanes = new HashMap<>();
        for (int i = 0; i < round.size(); i++) {
            lanes.put(round.get(i).id(), i % 3);
        }
        for (int i = 0; i < drawn; i++) {
            QueueRing.Partition p = partitions.get(i);
            if (p.primary() != null) {
                primaries.merge(p.primary(), 1, Integer::sum);
            }
            partition(b, p, colours, moved.contains(p.id()), drawn <= LABELLED, lanes.get(p.id()));
        }
        legend(b, ring, colours, primaries, drawn, partitions.size());
        return b.append("</svg>").toString();
    }

    /** Arcs: a token owns (previous token, itself]; a run of one node's tokens is one arc. */
    private static void arcs(StringBuilder b, List<QueueRing.Token> tokens, Map<String, String> colours) {
        int n = tokens.size();
        if (colours.size() == 1 || n == 1) {
            String node = tokens.get(0).node();
            b.append("<circle data-arc=\"").append(escape(node)).append("\" data-node=\"").append(escape(node))
                    .append("\" cx=\"").append(fmt(CX)).append("\" cy=\"").append(fmt(CY)).append("\" r=\"").append(fmt(R))
                    .append("\" fill=\"none\" stroke=\"").append(colours.get(node)).append("\" stroke-width=\"14\"><title>")
                    .append(escape(node)).append(": the whole ring</title></circle>");
            return;
        }
        // Start after a change of node, so that no run wraps around the list's end.
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (!tokens.get(i).node().equals(tokens.get((i + n - 1) % n).node())) {
                start = i;
                break;
            }
        }
        int i = 0;
        while (i < n) {
            QueueRing.Token first = tokens.get((start + i) % n);
            int j = i;
            while (j + 1 < n && tokens.get((start + j + 1) % n).node().equals(first.node())) {
                j++;
            }
            QueueRing.Token last = tokens.get((start + j) % n);
            QueueRing.Token before = tokens.get((start + i + n - 1) % n);
            double from = QueueRing.fraction(before.position());
            double to = QueueRing.fraction(last.position());
            double sweep = to - from;
            if (sweep <= 0) {
                sweep += 1;
            }
            b.append("<path data-arc=\"").append(escape(first.node())).append("\" data-node=\"").append(escape(first.node()))
                    .append("\" d=\"M").append(point(from, R)).append(" A").append(fmt(R)).append(',').append(fmt(R))
                    .append(" 0 ").append(sweep > 0.5 ? 1 : 0).append(" 1 ").append(point(from + sweep, R))
                    .append("\" fill=\"none\" stroke=\"").append(colours.get(first.node()))
                    .append("\" stroke-width=\"14\"><title>").append(escape(first.node())).append(": ")
                    .append(j - i + 1).append(j == i ? " virtual node, " : " virtual nodes, ")
                    .append(String.format(Locale.ROOT, "%.2f", 100 * sweep)).append(" % of the ring</title></path>");
            i = j + 1;
        }
    }

    /** @param lane 0 to 2: how far from the centre the label goes */
    private static void partition(StringBuilder b, QueueRing.Partition p, Map<String, String> colours, boolean moved,
                                  boolean label, int lane) {
        double f = fraction(p);
        String primary = p.primary();
        String replica = p.owners().size() > 1 ? p.owners().get(1) : null;
        String fill = primary == null ? "#bbb" : colours.getOrDefault(primary, "#bbb");
        String ring = replica == null ? "#fff" : colours.getOrDefault(replica, "#bbb");
        b.append("<g data-partition=\"").append(escape(p.id())).append("\" data-primary=\"")
                .append(escape(primary == null ? "" : primary)).append("\" data-replicas=\"")
                .append(escape(String.join(" ", p.owners().subList(Math.min(1, p.owners().size()), p.owners().size()))))
                .append("\" data-moved=\"").append(moved).append("\"><title>")
                .append(escape(p.id() + ": primary " + (primary == null ? "none" : primary)
                        + (replica == null ? "" : ", replicas " + String.join(", ", p.owners().subList(1, p.owners().size())))
                        + (p.owner() == null ? ", no owner reports it" : ", owned by " + p.owner() + " (epoch " + p.epoch() + ")")
                        + (p.messages() == null ? "" : ", " + p.messages() + " messages")))
                .append("</title>");
        // A line from the dot out to its place on the ring; the arc there is the ring's first choice of primary (bounded
        // loads may have given the partition to a node further on).
        String[] at = xy(f, DOTS);
        String[] on = xy(f, R - 8);
        b.append("<line x1=\"").append(at[0]).append("\" y1=\"").append(at[1]).append("\" x2=\"").append(on[0])
                .append("\" y2=\"").append(on[1]).append("\" stroke=\"").append(fill).append("\" stroke-width=\"1\"/>");
        b.append("<circle cx=\"").append(at[0]).append("\" cy=\"").append(at[1]).append("\" r=\"6\" fill=\"").append(fill)
                .append("\" stroke=\"").append(moved ? "#000" : ring).append("\" stroke-width=\"").append(moved ? 3 : 2.5)
                .append("\"/>");
        if (label) {
            String[] t = xy(f, DOTS - 18 - 14 * lane);
            b.append("<text x=\"").append(t[0]).append("\" y=\"").append(t[1])
                    .append("\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"10\"")
                    .append(moved ? " font-weight=\"bold\"" : "").append(">").append(escape(p.id())).append("</text>");
        }
        b.append("</g>");
    }

    private static void legend(StringBuilder b, QueueRing ring, Map<String, String> colours,
                               Map<String, Integer> primaries, int drawn, int partitions) {
        Map<String, Double> share = new LinkedHashMap<>();
        List<QueueRing.Token> tokens = ring.tokens();
        for (int i = 0; i < tokens.size(); i++) {
            double from = QueueRing.fraction(tokens.get((i + tokens.size() - 1) % tokens.size()).position());
            double to = QueueRing.fraction(tokens.get(i).position());
            double sweep = tokens.size() == 1 ? 1 : to - from <= 0 ? to - from + 1 : to - from;
            share.merge(tokens.get(i).node(), sweep, Double::sum);
        }
        double x = 2 * CX + 20;
        double y = 24;
        b.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" font-weight=\"bold\">")
                .append(ring.nodes().size()).append(ring.nodes().size() == 1 ? " queue node, " : " queue nodes, ")
                .append(ring.vnodes()).append(" vnodes each</text>");
        for (Map.Entry<String, String> e : colours.entrySet()) {
            y += 20;
            b.append("<g data-legend=\"").append(escape(e.getKey())).append("\" data-node=\"").append(escape(e.getKey()))
                    .append("\" data-primaries=\"").append(primaries.getOrDefault(e.getKey(), 0)).append("\">")
                    .append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y - 10)).append("\" width=\"12\" height=\"12\" fill=\"")
                    .append(e.getValue()).append("\"/><text x=\"").append(fmt(x + 18)).append("\" y=\"").append(fmt(y)).append("\">")
                    .append(escape(e.getKey() + ": " + String.format(Locale.ROOT, "%.1f", 100 * share.getOrDefault(e.getKey(), 0.0))
                            + " % of the ring, primary of " + primaries.getOrDefault(e.getKey(), 0)))
                    .append("</text></g>");
        }
        y += 30;
        for (String line : new String[] {"Dot: a partition at its ring position,", "filled: its primary, rim: its replica;",
            "black rim: moved by the last rebalance.",
            drawn < partitions ? (partitions - drawn) + " partitions not drawn." : partitions + " partitions."}) {
            b.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" fill=\"#555\">")
                    .append(escape(line)).append("</text>");
            y += 16;
        }
    }

    private static double fraction(QueueRing.Partition p) {
        // A node older than the positions in /queue/ring: spread by number, so that the partitions still show.
        return p.position() == null ? (p.partition() % 64) / 64.0 : QueueRing.fraction(p.position());
    }

    /** The angle of a fraction: 0 at the top, clockwise. */
    private static String[] xy(double fraction, double radius) {
        double a = 2 * Math.PI * fraction - Math.PI / 2;
        return new String[] {fmt(CX + radius * Math.cos(a)), fmt(CY + radius * Math.sin(a))};
    }

    private static String point(double fraction, double radius) {
        String[] p = xy(fraction, radius);
        return p[0] + "," + p[1];
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return SvgChart.escape(s);
    }
}
