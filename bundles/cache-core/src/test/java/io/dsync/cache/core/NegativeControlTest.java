package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.cache.WriteMode;

/**
 * The simulator's checkers can fail: each deliberately broken variant of the protocol ({@link Defect}),
 * and clocks that drift more than the lease margin covers, must be caught within a few seeds, by the
 * checker that watches what it breaks. Without these, a green {@link SimulationTest} could mean a blind
 * checker.
 */
class NegativeControlTest {

    private static final int MAX_SEEDS = 200;

    @Test
    void aHomeThatGrantsWithoutWaitingForRevocationsBreaksSingleWriter() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_BACK).with(Defect.HOME_SKIPS_REVOCATION_WAIT)))
                .hasValueSatisfying(v -> assertThat(v).contains("single writer violated"));
    }

    @Test
    void aHomeThatGrantsWithoutWaitingForRevocationsServesStaleReads() {
        // The same defect with the single-writer check off: the history alone shows it.
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH)
                .with(Defect.HOME_SKIPS_REVOCATION_WAIT).withoutSingleWriterCheck()))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("no linearization", "two writes", "saw"));
    }

    @Test
    void aHolderThatIgnoresItsLeaseBreaksSingleWriter() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH).with(Defect.HOLDER_IGNORES_LEASE)))
                .hasValueSatisfying(v -> assertThat(v).contains("single writer violated"));
    }

    @Test
    void aHolderThatIgnoresItsLeaseServesStaleReads() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH)
                .with(Defect.HOLDER_IGNORES_LEASE).withoutSingleWriterCheck()))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("no linearization", "two writes", "saw"));
    }

    @Test
    void aHolderThatKeepsServingAnInvalidatedCopyWithoutItsLockServesStaleReads() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH)
                .with(Defect.READABLE_KEPT_AFTER_INVALIDATION)))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("no linearization", "two writes", "saw"));
    }

    @Test
    void aNewHomeThatDoesNotWaitOutTheOldLeasesBreaksSingleWriter() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_BACK).with(Defect.HOME_SKIPS_QUARANTINE)))
                .hasValueSatisfying(v -> assertThat(v).contains("single writer violated"));
    }

    @Test
    void aWriteThroughAcknowledgedBeforeMemoryConfirmsLosesWrites() {
        // A write acknowledged and then not stored: missing from main memory, or its version reused by the next write.
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH).with(Defect.WRITE_THROUGH_ACKS_EARLY)))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("is not in main memory", "no linearization",
                        "two writes"));
    }

    @Test
    void aHomeThatServesItsCopyAfterGrantingAnOwnerServesStaleReads() {
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH).with(Defect.HOME_KEEPS_COPY_FOR_OWNER)))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("no linearization", "two writes", "saw"));
    }

    @Test
    void coldReadsFromMainMemoryInAWriteBackCacheServeStaleReads() {
        // Main memory lags behind an owner's modified copy: only write-through caches may read it without the home.
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_BACK).with(Defect.COLD_READS_IN_WRITE_BACK)
                .withoutSingleWriterCheck()))
                .hasValueSatisfying(v -> assertThat(v).containsAnyOf("no linearization", "two writes", "saw"));
    }

    @Test
    void clocksDriftingBeyondTheMarginBreakSingleWriter() {
        // The margin (5 ms of a 200 ms lease) covers a drift of 2.5%; at 10% a holder's lease can outlast the
        // home's count (the homes' authority, 150 ms of their clocks, still ends within the 200 ms registration).
        assertThat(firstViolation(Simulation.Config.of(WriteMode.WRITE_THROUGH).withDrift(0.10)))
                .hasValueSatisfying(v -> assertThat(v).contains("single writer violated"));
    }

    private static Optional<String> firstViolation(Simulation.Config config) {
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            Optional<String> violation = new Simulation(seed, config).run().violation();
            if (violation.isPresent()) {
                System.out.println(config.defects() + " caught: " + violation.get().lines().findFirst().orElse(""));
                return violation;
            }
        }
        return Optional.empty();
    }
}
