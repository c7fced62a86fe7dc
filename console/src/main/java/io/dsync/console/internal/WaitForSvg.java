package io.dsync.console.internal;

import java.util.Locale;

/**
 * Draws a {@link WaitForLayout} as an SVG document (a string for Vaadin's {@code Svg} component), generated on the
 * server: no script, nothing fetched. Every name is escaped for XML text and attributes. For people and for tests each
 * element carries what it stands for: {@code data-vertex="session|lock"} with {@code data-name}, arcs
 * {@code data-arc="wait|hold"} with {@code data-session}, {@code data-lock} and {@code data-mode}, and
 * {@code data-cycle="true"} on what lies on a wait-for cycle (drawn in red). Stateless.
 */
final class WaitForSvg {

    private static final String CYCLE = "#d7263d";
    private static final String WAIT = "#c57c00";
    private static final String HOLD = "#1a7f37";
    private static final int LABEL = 22;

    private WaitForSvg() {
    }

    /**
     * @param layout the layout
     * @return the SVG document
     */
    static String render(WaitForLayout.Layout layout) {
        StringBuilder b = new StringBuilder(512 + 300 * (layout.vertices().size() + layout.arcs().size()));
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"wait-for-graph\" role=\"img\"")
                .append(" aria-label=\"wait-for graph: sessions on the left, locks on the right\"")
                .append(" width=\"").append(layout.width()).append("\" height=\"").append(layout.height())
                .append("\" viewBox=\"0 0 ").append(layout.width()).append(' ').append(layout.height())
                .append("\" font-family=\"sans-serif\" font-size=\"12\">");
        b.append("<defs>");
        for (String[] m : new String[][] {{"wait", WAIT}, {"hold", HOLD}, {"cycle", CYCLE}}) {
            b.append("<marker id=\"dsync-arrow-").append(m[0]).append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\"")
                    .append(" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"")
                    .append(" fill=\"").append(m[1]).append("\"/></marker>");
        }
        b.append("</defs>");
        if (layout.vertices().isEmpty()) {
            b.append("<text x=\"").append(layout.width() / 2).append("\" y=\"").append(WaitForLayout.TOP)
                    .append("\" text-anchor=\"middle\" fill=\"#666\">No lock is in use.</text></svg>");
            return b.toString();
        }
        for (WaitForLayout.Arc a : layout.arcs()) {
            WaitForLayout.Vertex s = layout.vertex(WaitForLayout.Kind.SESSION, a.session());
            WaitForLayout.Vertex l = layout.vertex(WaitForLayout.Kind.LOCK, a.lock());
            boolean wait = a.kind() == WaitForLayout.ArcKind.WAIT;
            // Waits run from the session to the lock and bend down, holds from the lock to the session and bend up:
            // a session that holds and waits for one lock (an upgrade) shows two arcs, not one on top of the other.
            int x1 = wait ? s.x() + 8 : l.x() - 8;
            int y1 = wait ? s.y() : l.y();
            int x2 = wait ? l.x() - 10 : s.x() + 10;
            int y2 = wait ? l.y() : s.y();
            int cx = (x1 + x2) / 2;
            int cy = (y1 + y2) / 2 + (wait ? 12 : -12);
            String colour = a.inCycle() ? CYCLE : wait ? WAIT : HOLD;
            String marker = a.inCycle() ? "cycle" : wait ? "wait" : "hold";
            b.append("<path data-arc=\"").append(wait ? "wait" : "hold").append('"')
                    .append(" data-session=\"").append(escape(a.session())).append('"')
                    .append(" data-lock=\"").append(escape(a.lock())).append('"')
                    .append(" data-mode=\"").append(escape(a.mode())).append('"')
                    .append(" data-cycle=\"").append(a.inCycle()).append('"')
                    .append(" d=\"M").append(x1).append(',').append(y1).append(" Q").append(cx).append(',').append(cy)
                    .append(' ').append(x2).append(',').append(y2).append('"')
                    .append(" fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"")
                    .append(a.inCycle() ? 2.5 : 1.5).append('"')
                    .append(wait ? " stroke-dasharray=\"5 3\"" : "")
                    .append(" marker-end=\"url(#dsync-arrow-").append(marker).append(")\">")
                    .append("<title>").append(escape(wait ? a.session() + " waits for " + a.lock() + " (" + mode(a) + ")"
                            : a.lock() + " is held by " + a.session() + " (" + mode(a) + ")"))
                    .append("</title></path>");
        }
        for (WaitForLayout.Vertex v : layout.vertices()) {
            boolean session = v.kind() == WaitForLayout.Kind.SESSION;
            String stroke = v.inCycle() ? CYCLE : "#444";
            b.append("<g data-vertex=\"").append(session ? "session" : "lock").append('"')
                    .append(" data-name=\"").append(escape(v.name())).append('"')
                    .append(" data-cycle=\"").append(v.inCycle()).append("\">")
                    .append("<title>").append(session ? "session " : "lock ").append(escape(v.name())).append("</title>");
            if (session) {
                b.append("<circle cx=\"").append(v.x()).append("\" cy=\"").append(v.y()).append("\" r=\"8\"")
                        .append(" fill=\"#dbe9ff\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                        .append(v.inCycle() ? 2.5 : 1).append("\"/>")
                        .append("<text x=\"").append(v.x() - 14).append("\" y=\"").append(v.y() + 4)
                        .append("\" text-anchor=\"end\">").append(escape(shortSession(v.name()))).append("</text>");
            } else {
                b.append("<rect x=\"").append(v.x() - 8).append("\" y=\"").append(v.y() - 8)
                        .append("\" width=\"16\" height=\"16\" rx=\"2\" fill=\"#fff1d6\" stroke=\"").append(stroke)
                        .append("\" stroke-width=\"").append(v.inCycle() ? 2.5 : 1).append("\"/>")
                        .append("<text x=\"").append(v.x() + 14).append("\" y=\"").append(v.y() + 4).append("\">")
                        .append(escape(cut(v.name(), LABEL))).append("</text>");
            }
            b.append("</g>");
        }
        b.append("</svg>");
        return b.toString();
    }

    private static String mode(WaitForLayout.Arc a) {
        return a.mode().toLowerCase(Locale.ROOT);
    }

    /** A session's label: the first part of a UUID is enough to tell the sessions of one table apart by eye. */
    static String shortSession(String id) {
        int dash = id.indexOf('-');
        return dash >= 4 && dash <= 12 ? id.substring(0, dash) : cut(id, 12);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    /** Escapes for XML text and double- or single-quoted attributes; drops characters XML 1.0 cannot carry. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
                        b.append(c);
                    } else {
                        b.append('?');
                    }
                }
            }
        }
        return b.toString();
    }
}
