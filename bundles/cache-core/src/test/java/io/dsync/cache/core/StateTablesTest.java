package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.dsync.cache.WriteMode;

/**
 * The exhaustive state tables: every (state, event) pair of the node side and of the home side is
 * fired at a node or home driven into that state ({@link NodeFixture}, {@link HomeFixture}), and the
 * outcome must be the cell of the table in {@code docs/cache.md}, including the pairs where nothing
 * happens; no exception may escape; and the tables must be exactly those the code renders. The document
 * is the specification: change the behaviour and the table together. {@code -Ddsync.cache.printTables=true}
 * prints the tables as the code behaves, in the document's format.
 */
class StateTablesTest {

    private static final Path DOC = Path.of("../../docs/cache.md");

    private static final List<LineState> STABLE = List.of(LineState.I, LineState.IS, LineState.IM, LineState.S,
            LineState.SM, LineState.E, LineState.M);
    private static final List<LineState> WRITING = List.of(LineState.EW, LineState.MB_S, LineState.MB_E,
            LineState.MB_I);

    @Test
    void everyNodeStateAndEventIsInTheDocumentedTables() throws IOException {
        Map<String, Map<String, String>> cells = new LinkedHashMap<>();
        cells.putAll(table("node-table-1"));
        Map<String, Map<String, String>> second = table("node-table-2");
        second.forEach((event, row) -> cells.computeIfAbsent(event, e -> new LinkedHashMap<>()).putAll(row));
        Set<String> states = cells.values().iterator().next().keySet();
        assertThat(states).containsExactlyInAnyOrderElementsOf(names(EnumSet.allOf(LineState.class)));
        assertThat(cells.keySet()).containsExactlyInAnyOrderElementsOf(names(EnumSet.allOf(NodeFixture.Event.class)));
        for (NodeFixture.Event event : NodeFixture.Event.values()) {
            for (LineState state : LineState.values()) {
                String expected = cells.get(event.name()).get(state.name());
                assertThatCode(() -> nodeCell(state, event)).as(state + " x " + event).doesNotThrowAnyException();
                assertThat(nodeCell(state, event)).as(state + " x " + event).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyHomeStateAndEventIsInTheDocumentedTable() throws IOException {
        Map<String, Map<String, String>> cells = table("home-table");
        assertThat(cells.values().iterator().next().keySet())
                .containsExactlyInAnyOrderElementsOf(names(EnumSet.allOf(HomeState.class)));
        assertThat(cells.keySet()).containsExactlyInAnyOrderElementsOf(names(EnumSet.allOf(HomeFixture.Event.class)));
        for (HomeFixture.Event event : HomeFixture.Event.values()) {
            for (HomeState state : HomeState.values()) {
                assertThatCode(() -> HomeFixture.cell(state, event)).as(state + " x " + event).doesNotThrowAnyException();
                assertThat(HomeFixture.cell(state, event)).as(state + " x " + event)
                        .isEqualTo(cells.get(event.name()).get(state.name()));
            }
        }
    }

    @Test
    void theDocumentedTablesAreExactlyTheRenderedOnes() throws IOException {
        String node1 = markdownNode(STABLE);
        String node2 = markdownNode(WRITING);
        String home = markdownHome();
        if (Boolean.getBoolean("dsync.cache.printTables")) {
            System.out.println(node1 + "\n" + node2 + "\n" + home);
        }
        // Beyond the cells: the same rows and columns in the same order, so the document reads as the code runs.
        assertThat(documented("node-table-1")).isEqualTo(node1);
        assertThat(documented("node-table-2")).isEqualTo(node2);
        assertThat(documented("home-table")).isEqualTo(home);
    }

    /** A node cell for both modes: one text if they agree, else "WT: ...; WB: ...". */
    static String nodeCell(LineState state, NodeFixture.Event event) {
        String wt = NodeFixture.in(state, WriteMode.WRITE_THROUGH) == null ? null
                : NodeFixture.cell(state, WriteMode.WRITE_THROUGH, event);
        String wb = NodeFixture.in(state, WriteMode.WRITE_BACK) == null ? null
                : NodeFixture.cell(state, WriteMode.WRITE_BACK, event);
        if (wt == null) {
            return wb;
        }
        if (wb == null || wb.equals(wt)) {
            return wt;
        }
        return "WT: " + wt + "; WB: " + wb;
    }

    private static String markdownNode(List<LineState> states) {
        StringBuilder md = new StringBuilder("| event |");
        states.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append("\n|---|");
        states.forEach(s -> md.append("---|"));
        for (NodeFixture.Event event : NodeFixture.Event.values()) {
            md.append("\n| ").append(event).append(" |");
            states.forEach(s -> md.append(' ').append(nodeCell(s, event)).append(" |"));
        }
        return md.append('\n').toString();
    }

    private static String markdownHome() {
        StringBuilder md = new StringBuilder("| event |");
        for (HomeState s : HomeState.values()) {
            md.append(' ').append(s).append(" |");
        }
        md.append("\n|---|");
        for (HomeState s : HomeState.values()) {
            md.append("---|");
        }
        md.append("\n| (entry) |");
        for (HomeState s : HomeState.values()) {
            md.append(' ').append(HomeFixture.in(s).entry()).append(" |");
        }
        for (HomeFixture.Event event : HomeFixture.Event.values()) {
            md.append("\n| ").append(event).append(" |");
            for (HomeState s : HomeState.values()) {
                md.append(' ').append(HomeFixture.cell(s, event)).append(" |");
            }
        }
        return md.append('\n').toString();
    }

    /** Returns the rows of the table after {@code <!-- marker -->} in the document. */
    private static List<String> rows(String marker) throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int at = lines.indexOf("<!-- " + marker + " -->");
        assertThat(at).as("marker " + marker + " in " + DOC).isNotNegative();
        List<String> rows = new ArrayList<>();
        for (int i = at + 1; i < lines.size() && (rows.isEmpty() || lines.get(i).startsWith("|")); i++) {
            if (lines.get(i).startsWith("|")) {
                rows.add(lines.get(i));
            }
        }
        return rows;
    }

    private static String documented(String marker) throws IOException {
        return String.join("\n", rows(marker)) + "\n";
    }

    /** Parses the table after {@code <!-- marker -->} in the document: event, then state, to cell. */
    private static Map<String, Map<String, String>> table(String marker) throws IOException {
        List<String> rows = rows(marker);
        List<String> header = cells(rows.get(0));
        Map<String, Map<String, String>> table = new LinkedHashMap<>();
        for (String row : rows.subList(2, rows.size())) {
            List<String> cells = cells(row);
            if (cells.get(0).startsWith("(")) {
                continue; // a descriptive row, such as the home's initial entries
            }
            Map<String, String> byState = new LinkedHashMap<>();
            for (int c = 1; c < header.size(); c++) {
                byState.put(header.get(c), cells.get(c));
            }
            table.put(cells.get(0), byState);
        }
        return table;
    }

    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        for (String cell : row.substring(1, row.length() - 1).split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    private static List<String> names(Set<? extends Enum<?>> values) {
        return values.stream().map(Enum::name).toList();
    }
}
