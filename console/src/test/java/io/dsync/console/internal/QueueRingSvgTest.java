package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class QueueRingSvgTest {

    /** Four tokens a quarter apart: q-1, q-2, q-1, q-2; one queue with two partitions. */
    static QueueRing ring() {
        long quarter = Long.divideUnsigned(-1L, 4);
        return new QueueRing(2, 2, Map.of("q-1", "http://a", "q-2", "http://b"),
                List.of(new QueueRing.Token(quarter, "q-1"), new QueueRing.Token(2 * quarter, "q-2"),
                        new QueueRing.Token(3 * quarter, "q-1"), new QueueRing.Token(-1L, "q-2")),
                List.of(new QueueRing.Queue("orders", List.of(
                        new QueueRing.Partition("orders", 0, quarter / 2, List.of("q-1", "q-2"), "q-1", 3L, 5),
                        new QueueRing.Partition("orders", 1, quarter + quarter / 2, List.of("q-2", "q-1"), null, null, null)))));
    }

    @Test
    void drawsEachRunOfANodesTokensAsOneArcAndEveryPartitionWithItsOwners() {
        String svg = QueueRingSvg.render(ring(), Set.of("orders/1"));

        assertThat(svg).startsWith("<svg").endsWith("</svg>").contains("data-nodes=\"q-1 q-2\"");
        assertThat(count(svg, "<path data-arc=\"q-1\"")).isEqualTo(2);
        assertThat(count(svg, "<path data-arc=\"q-2\"")).isEqualTo(2);
        assertThat(svg).contains("<g data-partition=\"orders/0\" data-primary=\"q-1\" data-replicas=\"q-2\" data-moved=\"false\">")
                .contains("<g data-partition=\"orders/1\" data-primary=\"q-2\" data-replicas=\"q-1\" data-moved=\"true\">")
                .contains("owned by q-1 (epoch 3), 5 messages").contains("no owner reports it");
        // Each node holds half of the ring and is primary of one partition.
        assertThat(svg).contains("q-1: 50.0 % of the ring, primary of 1").contains("q-2: 50.0 % of the ring, primary of 1");
        // orders/0 is an eighth of the way round: up and right of the centre.
        assertThat(svg).containsPattern("data-partition=\"orders/0\".*?<circle cx=\"3[0-9][0-9]\\.[0-9]\" cy=\"1[0-9][0-9]\\.[0-9]\"");
    }

    @Test
    void oneNodeIsTheWholeCircleAndAnEmptyRingSaysSo() {
        QueueRing one = new QueueRing(1, 2, Map.of("q-1", "http://a"), List.of(new QueueRing.Token(42, "q-1")), List.of());
        assertThat(QueueRingSvg.render(one, Set.of())).contains("<circle data-arc=\"q-1\"").contains("the whole ring");

        QueueRing none = new QueueRing(128, 2, Map.of(), List.of(), List.of());
        assertThat(QueueRingSvg.render(none, Set.of())).contains("No queue node is in the ring.");
    }

    @Test
    void escapesNames() {
        QueueRing odd = new QueueRing(1, 1, Map.of("<q>", "http://a"), List.of(new QueueRing.Token(1, "<q>")),
                List.of(new QueueRing.Queue("a&b", List.of(new QueueRing.Partition("a&b", 0, 7L, List.of("<q>"), null, null, null)))));
        String svg = QueueRingSvg.render(odd, Set.of());
        assertThat(svg).contains("data-partition=\"a&amp;b/0\"").contains("&lt;q&gt;").doesNotContain("<q>");
    }

    @Test
    void positionsGoRoundTheCircleAsUnsignedNumbers() {
        assertThat(QueueRing.fraction(0)).isZero();
        assertThat(QueueRing.fraction(Long.MIN_VALUE)).isEqualTo(0.5);
        assertThat(QueueRing.fraction(-1L)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
