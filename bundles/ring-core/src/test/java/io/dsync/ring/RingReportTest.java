package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link RingReport}, prints it, checks a few facts about its numbers and that {@code docs/ring.md}
 * holds the current table (the numbers do not depend on the machine, so they can be compared exactly).
 */
class RingReportTest {

    private static List<RingReport.Row> rows;
    private static String table;
    private static String epsilonTable;

    @BeforeAll
    static void measure() {
        rows = RingReport.measure(RingReport.PARTITIONS, RingReport.EPSILON, RingReport.NODE_COUNTS,
                RingReport.VNODE_COUNTS);
        table = RingReport.table(rows);
        epsilonTable = RingReport.epsilonTable(RingReport.PARTITIONS, RingReport.EPSILON_SWEEP_NODES,
                HashRing.DEFAULT_VNODES, RingReport.EPSILONS);
        System.out.println(table);
        System.out.println(epsilonTable);
    }

    @Test
    void thereIsOneRowPerNodeAndVnodeCount() {
        assertThat(rows).hasSize(RingReport.NODE_COUNTS.size() * RingReport.VNODE_COUNTS.size());
        assertThat(table.lines()).hasSize(rows.size() + 2).allMatch(line -> line.startsWith("|"));
        assertThat(table).contains("| 10 | 128 |");
    }

    @Test
    void boundedLoadStaysWithinOnePlusEpsilonUpToRounding() {
        for (RingReport.Row r : rows) {
            double mean = (double) RingReport.PARTITIONS / r.nodes();
            double cap = HashRing.boundedCapacity(RingReport.PARTITIONS, r.nodes(), RingReport.EPSILON) / mean;
            assertThat(r.boundedMaxOverMean()).as("%s", r).isLessThanOrEqualTo(cap).isLessThan(1.26);
        }
    }

    @Test
    void withDefaultVnodesAJoinMovesLittleMoreThanTheIdeal() {
        for (RingReport.Row r : rows) {
            if (r.vnodes() == HashRing.DEFAULT_VNODES) {
                assertThat(r.plainJoinShare()).as("%s", r)
                        .isLessThan(2.0 / r.nodes()).isGreaterThan(r.idealJoinShare() / 2);
                assertThat(r.boundedJoinShare()).as("%s", r).isLessThan(1.2 * r.plainJoinShare());
                assertThat(r.boundedLeaveShare()).as("%s", r).isLessThan(1.2 * r.plainLeaveShare());
            }
        }
    }

    @Test
    void aPlainLeaveAveragedOverEveryLeaverMovesExactlyOneNth() {
        // Each partition changes primary exactly when its own primary leaves: over all N leavers that is
        // every partition once, so the mean is 1/N whatever the loads. Anything more is a spurious move.
        for (RingReport.Row r : rows) {
            assertThat(r.plainLeaveShare()).as("%s", r).isCloseTo(r.idealLeaveShare(), within(1e-12));
            assertThat(r.boundedLeaveShare()).as("%s", r).isGreaterThanOrEqualTo(r.plainLeaveShare() - 1e-12);
        }
    }

    @Test
    void moreVnodesEvenOutTheRing() {
        for (int n : RingReport.NODE_COUNTS) {
            RingReport.Row one = row(n, 1);
            RingReport.Row many = row(n, HashRing.DEFAULT_VNODES);
            assertThat(many.arcMaxOverMean()).isLessThan(1.2).isLessThan(one.arcMaxOverMean());
            assertThat(many.plainMaxOverMean()).isLessThan(one.plainMaxOverMean());
            // With a single token per node, bounded placement pays for its balance in movement.
            assertThat(one.boundedLeaveShare()).isGreaterThan(one.plainLeaveShare());
        }
    }

    @Test
    void docsRingMdHoldsTheCurrentTables() throws IOException {
        Path doc = findDoc();
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        assertThat(text).as("%s is stale: paste the tables that this test prints", doc)
                .contains(table).contains(epsilonTable);
    }

    private static RingReport.Row row(int n, int vnodes) {
        return rows.stream().filter(r -> r.nodes() == n && r.vnodes() == vnodes).findFirst().orElseThrow();
    }

    /** The module runs with its own directory as working directory; the doc is at the repository root. */
    private static Path findDoc() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs/ring.md");
            if (Files.isRegularFile(doc)) {
                return doc;
            }
        }
        throw new AssertionError("docs/ring.md not found above " + Path.of("").toAbsolutePath());
    }
}
