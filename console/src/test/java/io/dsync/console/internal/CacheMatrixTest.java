package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CacheMatrixTest {

    static CacheSnapshot.CacheState state() {
        CacheFigures.Lines a = new CacheFigures.Lines(3, List.of(new CacheFigures.Line("k1", "S", "h"),
                new CacheFigures.Line("k2", "M", "h"), new CacheFigures.Line("zz-local", "E", "h")));
        CacheFigures.Lines b = new CacheFigures.Lines(1, List.of(new CacheFigures.Line("k1", "S", "h")));
        CacheFigures.Directory d = new CacheFigures.Directory(3, List.of(
                new CacheFigures.Entry("k1", "S", null, Map.of("a", "S", "b", "S"), 0),
                new CacheFigures.Entry("k2", "EM", "a", Map.of("a", "E"), 1),
                new CacheFigures.Entry("k3", "I", null, Map.of(), 0)));
        return new CacheSnapshot.CacheState("users", "WRITE_BACK", "LRU", List.of("a", "b"), Map.of("a", a, "b", b), Map.of(),
                Map.of("h", d), Map.of(), List.of());
    }

    @Test
    void directoryKeysComeFirstThenKeysOnlyCopiesName() {
        CacheMatrix m = CacheMatrix.of(state(), "", 50, 12);

        assertThat(m.nodes()).containsExactly("a", "b");
        assertThat(m.rows()).extracting(CacheMatrix.Row::key).containsExactly("k1", "k2", "k3", "zz-local");
        CacheMatrix.Row k1 = m.rows().get(0);
        assertThat(k1.states()).isEqualTo(Map.of("a", "S", "b", "S"));
        assertThat(k1.home()).isEqualTo("h");
        assertThat(k1.sharers()).containsExactly("a", "b");
        assertThat(m.rows().get(1).entry().owner()).isEqualTo("a");
        assertThat(m.rows().get(1).sharers()).isEmpty();
        assertThat(m.rows().get(3).home()).isNull();
        assertThat(m.keysLeftOut()).isZero();
    }

    @Test
    void boundedWithWhatWasLeftOutAndFilteredOnTheKey() {
        CacheMatrix m = CacheMatrix.of(state(), "", 2, 1);
        assertThat(m.rows()).extracting(CacheMatrix.Row::key).containsExactly("k1", "k2");
        assertThat(m.keysLeftOut()).isEqualTo(2);
        assertThat(m.nodes()).containsExactly("a");
        assertThat(m.nodesLeftOut()).isEqualTo(1);
        assertThat(m.rows().get(0).states()).isEqualTo(Map.of("a", "S"));

        assertThat(CacheMatrix.of(state(), " ZZ ", 50, 12).rows()).extracting(CacheMatrix.Row::key).containsExactly("zz-local");
    }

    @Test
    void drawsATableWithAColourPerStateAndEscapedKeys() {
        List<CacheFigures.Line> lines = new ArrayList<>(List.of(new CacheFigures.Line("<b>&'", "M", "h")));
        CacheSnapshot.CacheState s = new CacheSnapshot.CacheState("c", "WRITE_THROUGH", "W_TINY_LFU", List.of("a"),
                Map.of("a", new CacheFigures.Lines(1, lines)), Map.of(), Map.of(), Map.of(), List.of());
        String html = CacheMatrixHtml.render(CacheMatrix.of(s, "", 50, 12));
        assertThat(html).contains("data-key=\"&lt;b&gt;&amp;&#39;\" data-node=\"a\" data-state=\"M\"")
                .contains(CacheMatrixHtml.COLOURS.get("M")).doesNotContain("<b>");
        String k1 = CacheMatrixHtml.render(CacheMatrix.of(state(), "k1", 50, 12));
        assertThat(k1).contains("data-key=\"k1\" data-node=\"b\" data-state=\"S\"").contains("<td data-directory=\"S\"")
                .contains(">a, b</td>");
        assertThat(CacheMatrixHtml.render(CacheMatrix.of(state(), "nothing", 50, 12))).contains("No key");
        assertThat(CacheMatrixHtml.legend()).contains("data-legend=\"M\"").contains("data-legend=\"I\"");
    }
}
