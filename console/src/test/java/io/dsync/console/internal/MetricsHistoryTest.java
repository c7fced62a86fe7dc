package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class MetricsHistoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-04T07:00:00Z");

    /** A node's /metrics as the admin bundle writes it (Dropwizard's JSON module: rates per second, durations in ms). */
    static MetricsReading node(long sent, long acked, long hits, long misses, long lockCount, double p50, double p99,
                               long queueOutages, double queueOutageMax) throws Exception {
        return MetricsReading.parse(JSON.readTree("""
                {"version":"4.0.0","gauges":{
                  "dsync.cache.client.prices.hits":{"value":%d},"dsync.cache.client.prices.misses":{"value":%d},
                  "dsync.cache.client.prices.hitRatio":{"value":0.5},"jvm.threads.count":{"value":40}},
                 "counters":{},"histograms":{},
                 "meters":{"dsync.queue.client.sent":{"count":%d,"m1_rate":1.0,"units":"events/second"},
                           "dsync.queue.client.acked":{"count":%d,"m1_rate":1.0,"units":"events/second"}},
                 "timers":{"dsync.lock.client.acquire.exclusive":{"count":%d,"max":40.0,"mean":3.0,"min":1.0,
                             "p50":%s,"p75":3.0,"p95":8.0,"p98":9.0,"p99":%s,"p999":40.0,"duration_units":"milliseconds"},
                           "dsync.queue.client.outage":{"count":%d,"max":%s,"p50":%s,"p99":%s,"duration_units":"milliseconds"}}}
                """.formatted(hits, misses, sent, acked, lockCount, p50, p99, queueOutages, queueOutageMax,
                queueOutageMax, queueOutageMax)));
    }

    @Test
    void readsTheFiguresOfANodesMetrics() throws Exception {
        MetricsReading r = node(10, 8, 30, 10, 5, 2.5, 12.0, 1, 4800);
        assertThat(r.counts()).containsEntry(MetricsReading.QUEUE_SENT, 10.0).containsEntry(MetricsReading.CACHE_HITS, 30.0)
                .containsEntry(MetricsReading.CACHE_MISSES, 10.0);
        assertThat(r.timers().get(MetricsReading.LOCK_EXCLUSIVE)).isEqualTo(new MetricsReading.TimerFigures(5, 2.5, 12.0, 40.0));
        assertThat(r.timers()).containsKey(MetricsReading.QUEUE_OUTAGE).doesNotContainKey(MetricsReading.REDIS_OUTAGE);
        assertThat(MetricsReading.parse(JSON.readTree("{}"))).isEqualTo(new MetricsReading(Map.of(), Map.of()));
    }

    @Test
    void ratesComeFromTheChangeOfEachNodesCountsAndLatenciesFromTheSlowestNode() throws Exception {
        MetricsHistory h = new MetricsHistory(10);
        MetricsHistory.Point first = h.add(T0, Map.of("a", node(100, 90, 0, 0, 5, 2, 10, 0, 0),
                "b", node(50, 50, 10, 10, 5, 4, 8, 0, 0)));
        assertThat(first.values()).as("no rate without a previous poll")
                .doesNotContainKeys(MetricsSeries.QUEUE_SENT, MetricsSeries.CACHE_HIT_RATIO)
                .containsEntry(MetricsSeries.LOCK_P50, 4.0).containsEntry(MetricsSeries.LOCK_P99, 10.0);

        MetricsHistory.Point second = h.add(T0.plusSeconds(2), Map.of(
                "a", node(140, 130, 0, 0, 5, 2, 10, 0, 0),
                "b", node(70, 60, 40, 20, 5, 4, 8, 0, 0),
                "c", node(1_000, 1_000, 500, 0, 0, 0, 0, 0, 0)));
        assertThat(second.values().get(MetricsSeries.QUEUE_SENT)).as("(40 + 20) / 2 s; c is new").isCloseTo(30.0, within(1e-9));
        assertThat(second.values().get(MetricsSeries.QUEUE_ACKED)).isCloseTo(25.0, within(1e-9));
        assertThat(second.values().get(MetricsSeries.CACHE_HITS)).isCloseTo(15.0, within(1e-9));
        assertThat(second.values().get(MetricsSeries.CACHE_HIT_RATIO)).as("30 hits, 10 misses").isCloseTo(75.0, within(1e-9));

        MetricsHistory.Point restarted = h.add(T0.plusSeconds(4), Map.of(
                "a", node(5, 5, 0, 0, 0, 0, 0, 0, 0),
                "b", node(80, 60, 40, 20, 5, 4, 8, 0, 0)));
        assertThat(restarted.values().get(MetricsSeries.QUEUE_SENT)).as("a restarted: its counts went back").isCloseTo(5.0, within(1e-9));
        assertThat(restarted.values()).as("no cache traffic, no ratio").doesNotContainKey(MetricsSeries.CACHE_HIT_RATIO);
    }

    @Test
    void aRecoveryTimeAppearsWhenANodeCountsANewOutage() throws Exception {
        MetricsHistory h = new MetricsHistory(10);
        h.add(T0, Map.of("a", node(0, 0, 0, 0, 0, 0, 0, 2, 300)));
        assertThat(h.add(T0.plusSeconds(1), Map.of("a", node(0, 0, 0, 0, 0, 0, 0, 2, 300))).values())
                .doesNotContainKey(MetricsSeries.RECOVERY_QUEUE);
        assertThat(h.add(T0.plusSeconds(2), Map.of("a", node(0, 0, 0, 0, 0, 0, 0, 3, 4800))).values())
                .containsEntry(MetricsSeries.RECOVERY_QUEUE, 4800.0);
    }

    @Test
    void keepsTheLatestPointsOnly() throws Exception {
        MetricsHistory h = new MetricsHistory(3);
        for (int i = 0; i < 5; i++) {
            h.add(T0.plusSeconds(i), Map.of());
        }
        assertThat(h.points()).extracting(MetricsHistory.Point::at)
                .containsExactly(T0.plusSeconds(2), T0.plusSeconds(3), T0.plusSeconds(4));
    }

    @Test
    void theChartDrawsLinesWithGapsDotsAndARoundScale() {
        List<MetricsHistory.Point> points = List.of(
                new MetricsHistory.Point(T0, Map.of(MetricsSeries.QUEUE_SENT, 10.0)),
                new MetricsHistory.Point(T0.plusSeconds(1), Map.of(MetricsSeries.QUEUE_SENT, 30.0)),
                new MetricsHistory.Point(T0.plusSeconds(2), Map.of()),
                new MetricsHistory.Point(T0.plusSeconds(3), Map.of(MetricsSeries.QUEUE_SENT, 20.0,
                        MetricsSeries.RECOVERY_QUEUE, 4800.0)));
        String lines = SvgChart.render("Queue <throughput>", "msg/s", points,
                List.of(MetricsSeries.QUEUE_SENT, MetricsSeries.QUEUE_ACKED), T0, T0.plusSeconds(4), false);
        assertThat(lines).startsWith("<svg").endsWith("</svg>").contains("Queue &lt;throughput&gt;")
                .contains("data-series=\"QUEUE_SENT\" data-points=\"3\"").contains("data-series=\"QUEUE_ACKED\" data-points=\"0\"")
                .contains("50 msg/s");
        assertThat(lines.split("<polyline", -1)).as("two runs: the empty poll is a gap").hasSize(3);
        String dots = SvgChart.render("Recovery", "ms", points, List.of(MetricsSeries.RECOVERY_QUEUE), T0,
                T0.plusSeconds(4), true);
        assertThat(dots).contains("data-points=\"1\"").contains("<circle").doesNotContain("<polyline")
                .contains("5,000 ms");
        assertThat(SvgChart.roundUp(0)).isEqualTo(1);
        assertThat(SvgChart.roundUp(0.3)).isEqualTo(0.5);
        assertThat(SvgChart.roundUp(4800)).isEqualTo(5000);
        assertThat(SvgChart.roundUp(10)).isEqualTo(10);
    }
}
