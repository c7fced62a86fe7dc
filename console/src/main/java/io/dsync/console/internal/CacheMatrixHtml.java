package io.dsync.console.internal;

import java.util.Map;

/**
 * Draws a {@link CacheMatrix} as an HTML table, generated on the server (the view sets it as the inner HTML of one
 * element: a poll costs one property, not a component per cell): one row per key, one column per node with the
 * node's MESI state in its colour, then the key's directory entry at its home (home, state, owner, sharers, waiting).
 * Every name is escaped. Cells carry {@code data-key}, {@code data-node} and {@code data-state} for tests and for
 * people reading the page. Stateless.
 */
final class CacheMatrixHtml {

    /** A colour per MESI state. */
    static final Map<String, String> COLOURS = Map.of("M", "#d1242f", "E", "#9a6700", "S", "#1a7f37", "I", "#8c959f");
    /** What each state means, for the legend. */
    static final String[][] LEGEND = {{"M", "modified: the only copy, newer than Redis"},
        {"E", "exclusive: the only copy, equal to Redis"}, {"S", "shared: one of several read copies"},
        {"I", "invalid: a line kept without rights"}};

    private CacheMatrixHtml() {
    }

    /** @return the legend as HTML: a coloured box per state with its meaning */
    static String legend() {
        StringBuilder b = new StringBuilder("<div id=\"mesi-legend\" style=\"display:flex;gap:1.2em;flex-wrap:wrap;font-size:var(--lumo-font-size-s)\">");
        for (String[] l : LEGEND) {
            b.append("<span data-legend=\"").append(l[0]).append("\"><span style=\"display:inline-block;width:1.4em;")
                    .append("text-align:center;color:white;font-weight:600;border-radius:3px;background:")
                    .append(COLOURS.get(l[0])).append("\">").append(l[0]).append("</span> ").append(escape(l[1])).append("</span>");
        }
        return b.append("<span>empty: no copy on that node</span></div>").toString();
    }

    /** @return the matrix as an HTML table */
    static String render(CacheMatrix m) {
        StringBuilder b = new StringBuilder(1024 + 120 * m.rows().size() * (m.nodes().size() + 5));
        b.append("<table id=\"cache-matrix-table\" style=\"border-collapse:collapse;font-size:var(--lumo-font-size-s)\">")
                .append("<thead><tr><th style=\"text-align:left;padding:2px 8px\">Key</th>");
        for (String n : m.nodes()) {
            b.append("<th data-node=\"").append(escape(n)).append("\" style=\"padding:2px 6px\">").append(escape(n)).append("</th>");
        }
        b.append("<th style=\"padding:2px 8px;border-left:2px solid #ccc\">Home</th><th style=\"padding:2px 8px\">Directory</th>")
                .append("<th style=\"padding:2px 8px\">Owner</th><th style=\"padding:2px 8px\">Sharers</th>")
                .append("<th style=\"padding:2px 8px\">Waiting</th></tr></thead><tbody>");
        if (m.rows().isEmpty()) {
            b.append("<tr><td colspan=\"").append(m.nodes().size() + 6)
                    .append("\" style=\"padding:4px 8px;color:#666\">No key: no node holds a copy and no home lists one.</td></tr>");
        }
        for (CacheMatrix.Row r : m.rows()) {
            b.append("<tr data-key=\"").append(escape(r.key())).append("\"><td style=\"padding:2px 8px;font-family:monospace\">")
                    .append(escape(r.key())).append("</td>");
            for (String n : m.nodes()) {
                String s = r.states().get(n);
                b.append("<td data-key=\"").append(escape(r.key())).append("\" data-node=\"").append(escape(n))
                        .append("\" data-state=\"").append(s == null ? "" : escape(s)).append("\" title=\"")
                        .append(escape(r.key() + " on " + n + ": " + (s == null ? "no copy" : s))).append("\" style=\"")
                        .append("text-align:center;padding:2px 6px;border:1px solid #fff;");
                if (s != null) {
                    b.append("color:white;font-weight:600;background:").append(COLOURS.getOrDefault(s, "#444")).append(';');
                } else {
                    b.append("background:#f3f4f6;");
                }
                b.append("\">").append(s == null ? "" : escape(s)).append("</td>");
            }
            CacheFigures.Entry e = r.entry();
            b.append("<td style=\"padding:2px 8px;border-left:2px solid #ccc\">").append(r.home() == null ? "" : escape(r.home()))
                    .append("</td><td data-directory=\"").append(e == null ? "" : escape(e.state())).append("\" style=\"padding:2px 8px\">")
                    .append(e == null ? "" : escape(e.state())).append("</td><td style=\"padding:2px 8px\">")
                    .append(e == null || e.owner() == null ? "" : escape(e.owner())).append("</td><td style=\"padding:2px 8px\">")
                    .append(escape(String.join(", ", r.sharers()))).append("</td><td style=\"padding:2px 8px;text-align:end\">")
                    .append(e == null ? "" : e.waiting()).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String escape(String s) {
        return SvgChart.escape(s).replace("'", "&#39;");
    }
}
