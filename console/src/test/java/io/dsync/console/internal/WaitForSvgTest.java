package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class WaitForSvgTest {

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void namesAreEscapedAndTheDocumentIsWellFormed() throws Exception {
        String evil = "<script>alert('x')</script>&\"";
        LockTableSnapshot t = WaitForLayoutTest.table(
                List.of(WaitForLayoutTest.lock(evil, List.of("s\"1"), List.of("s<2>"))),
                List.of(WaitForLayoutTest.edge("s<2>", evil, "s\"1")));

        String svg = WaitForSvg.render(WaitForLayout.layout(t, 40, 60));

        assertThat(svg).doesNotContain("<script").contains("&lt;script&gt;");
        Document d = parse(svg);
        NodeList groups = d.getElementsByTagName("g");
        assertThat(groups.getLength()).isEqualTo(3);
        boolean found = false;
        for (int i = 0; i < groups.getLength(); i++) {
            found |= evil.equals(((org.w3c.dom.Element) groups.item(i)).getAttribute("data-name"));
        }
        assertThat(found).as("the lock's name survives escaping").isTrue();
    }

    @Test
    void arcsAndVerticesSayWhatTheyAreAndWhetherTheyAreOnACycle() throws Exception {
        LockTableSnapshot t = WaitForLayoutTest.table(
                List.of(WaitForLayoutTest.lock("l1", List.of("b"), List.of("a")),
                        WaitForLayoutTest.lock("l2", List.of("a"), List.of("b"))),
                List.of(WaitForLayoutTest.edge("a", "l1", "b"), WaitForLayoutTest.edge("b", "l2", "a")));

        Document d = parse(WaitForSvg.render(WaitForLayout.layout(t, 40, 60)));

        NodeList paths = d.getElementsByTagName("path");
        int arcs = 0;
        for (int i = 0; i < paths.getLength(); i++) {
            org.w3c.dom.Element p = (org.w3c.dom.Element) paths.item(i);
            if (p.hasAttribute("data-arc")) {
                arcs++;
                assertThat(p.getAttribute("data-cycle")).isEqualTo("true");
            }
        }
        assertThat(arcs).isEqualTo(4);
    }

    @Test
    void anEmptyTableSaysSo() throws Exception {
        String svg = WaitForSvg.render(WaitForLayout.layout(WaitForLayoutTest.table(List.of(), List.of()), 40, 60));

        assertThat(parse(svg).getDocumentElement().getTextContent()).isEqualTo("No lock is in use.");
    }

    @Test
    void controlCharactersCannotBreakTheDocument() {
        assertThat(WaitForSvg.escape("a\u0001b<")).isEqualTo("a?b&lt;");
    }

    @Test
    void sessionLabelsAreTheFirstPartOfTheirUuid() {
        assertThat(WaitForSvg.shortSession("3e6b660f-1ce5-4f44-92e3-5250f87ec3d2")).isEqualTo("3e6b660f");
        assertThat(WaitForSvg.shortSession("a-very-long-session-name")).isEqualTo("a-very-long\u2026");
    }
}
