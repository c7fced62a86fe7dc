package io.dsync.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A time-series chart as SVG text, drawn on the server (nothing fetched by the browser): series of
 * {@link MetricsHistory.Point}s over a time window, as lines (a gap where a poll has no value) or as dots (values that
 * come at single moments, such as recovery times), a y axis from 0 to a round maximum, and a legend. Each series is a
 * {@code <g data-series="NAME" data-points="N">}, for tests and for people reading the page source. Plain Java.
 */
final class SvgChart {

    static final int WIDTH = 560;
    static final int HEIGHT = 190;
    private static final int LEFT = 56;
    private static final int RIGHT = 12;
    private static final int TOP = 30;
    private static final int BOTTOM = 22;
    private static final String[] COLORS = {"#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bc4c00"};

    private SvgChart() {
    }

    /**
     * @param title the chart's title
     * @param unit the values' unit, shown by the y axis
     * @param points the history, oldest first
     * @param series what to draw, one colour each
     * @param from the window's start
     * @param to the window's end
     * @param dots draw each value as a dot instead of joining them
     * @return an {@code <svg>} element
     */
    static String render(String title, String unit, List<MetricsHistory.Point> points, List<MetricsSeries> series,
                         Instant from, Instant to, boolean dots) {
        double max = 0;
        for (MetricsHistory.Point p : points) {
            for (MetricsSeries s : series) {
                Double v = p.values().get(s);
                if (v != null && !p.at().isBefore(from) && !p.at().isAfter(to)) {
                    max = Math.max(max, v);
                }
            }
        }
        double top = roundUp(max);
        double span = Math.max(1, Duration.between(from, to).toMillis());
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" data-chart=\"").append(escape(title)).append("\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.append("<text x=\"").append(LEFT).append("\" y=\"14\" font-size=\"13\" font-weight=\"bold\">")
                .append(escape(title)).append("</text>");
        // Legend, after the title.
        int x = LEFT + 8 + 8 * title.length();
        for (int i = 0; i < series.size(); i++) {
            String color = COLORS[i % COLORS.length];
            svg.append("<rect x=\"").append(x).append("\" y=\"6\" width=\"10\" height=\"10\" fill=\"").append(color)
                    .append("\"/><text x=\"").append(x + 14).append("\" y=\"15\">").append(escape(series.get(i).label()))
                    .append("</text>");
            x += 24 + 6 * series.get(i).label().length();
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        // Axes and grid: 0, half, top.
        for (int k = 0; k <= 2; k++) {
            double y = TOP + plotH - plotH * k / 2.0;
            svg.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(LEFT + plotW).append("\" y1=\"").append(fmt(y))
                    .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"").append(k == 0 ? "#888" : "#e3e3e3")
                    .append("\"/><text x=\"").append(LEFT - 4).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(escape(number(top * k / 2) + (k == 2 ? " " + unit : "")))
                    .append("</text>");
        }
        svg.append("<text x=\"").append(LEFT).append("\" y=\"").append(HEIGHT - 6).append("\">")
                .append(escape("-" + minutes(Duration.between(from, to)))).append("</text>");
        svg.append("<text x=\"").append(LEFT + plotW).append("\" y=\"").append(HEIGHT - 6)
                .append("\" text-anchor=\"end\">now</text>");
        for (int i = 0; i < series.size(); i++) {
            MetricsSeries s = series.get(i);
            String color = COLORS[i % COLORS.length];
            List<String> runs = new ArrayList<>();
            StringBuilder run = new StringBuilder();
            int count = 0;
            StringBuilder marks = new StringBuilder();
            for (MetricsHistory.Point p : points) {
                Double v = p.values().get(s);
                if (p.at().isBefore(from) || p.at().isAfter(to)) {
                    continue;
                }
                if (v == null) {
                    if (run.length() > 0) {
                        runs.add(run.toString());
                        run.setLength(0);
                    }
                    continue;
                }
                count++;
                double px = LEFT + plotW * Duration.between(from, p.at()).toMillis() / span;
                double py = TOP + plotH - (top == 0 ? 0 : plotH * v / top);
                if (dots) {
                    marks.append("<circle cx=\"").append(fmt(px)).append("\" cy=\"").append(fmt(py))
                            .append("\" r=\"3.5\" fill=\"").append(color).append("\"><title>")
                            .append(escape(s.label() + ": " + number(v) + " " + s.unit())).append("</title></circle>");
                } else {
                    run.append(run.length() == 0 ? "" : " ").append(fmt(px)).append(',').append(fmt(py));
                }
            }
            if (run.length() > 0) {
                runs.add(run.toString());
            }
            svg.append("<g data-series=\"").append(s.name()).append("\" data-points=\"").append(count).append("\">");
            for (String r : runs) {
                svg.append("<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"").append(color).append("\" points=\"")
                        .append(r).append("\"/>");
            }
            svg.append(marks).append("</g>");
        }
        return svg.append("</svg>").toString();
    }

    /** @return 1, 2 or 5 times a power of ten at or above {@code v}; 1 for 0 */
    static double roundUp(double v) {
        if (v <= 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String number(double v) {
        return v >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String minutes(Duration d) {
        long s = d.toSeconds();
        return s % 60 == 0 ? s / 60 + " min" : s + " s";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
