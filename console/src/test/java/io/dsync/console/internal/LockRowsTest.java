package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class LockRowsTest {

    @Test
    void oneRowPerHolderWithTheLockWaitersAndTheLeaseLeftInLogTime() throws IOException {
        LockTableSnapshot t = LockJsonReader.table(LockJsonReaderTest.captured("table-wait.json"));

        List<LockRows.Row> rows = LockRows.rows(t, "");

        assertThat(rows).extracting(LockRows.Row::lock).containsExactly("orders/1", "orders/2");
        LockRows.Row o2 = rows.get(1);
        assertThat(o2.holder().session()).isEqualTo(LockJsonReaderTest.S2);
        assertThat(o2.waitersText()).isEqualTo("3e6b660f exclusive");
        // leaseExpiresAt 06:45:23.164 - logTime 06:44:24.120
        assertThat(o2.leaseLeft()).isEqualTo(Duration.ofMillis(59_044));
    }

    @Test
    void theFilterMatchesLockNamesHoldersAndWaitersInAnyCase() throws IOException {
        LockTableSnapshot t = LockJsonReader.table(LockJsonReaderTest.captured("table-wait.json"));

        assertThat(LockRows.rows(t, " ORDERS/2 ")).extracting(LockRows.Row::lock).containsExactly("orders/2");
        // S1 holds orders/1 and waits for orders/2.
        assertThat(LockRows.rows(t, "3E6B660F")).extracting(LockRows.Row::lock).containsExactly("orders/1", "orders/2");
        assertThat(LockRows.rows(t, "77c69936")).extracting(LockRows.Row::lock).containsExactly("orders/2");
        assertThat(LockRows.rows(t, "nothing")).isEmpty();
    }

    @Test
    void sharedHoldersAreRowsEachAndALockWithoutHolderIsOneRow() {
        LockTableSnapshot t = WaitForLayoutTest.table(List.of(WaitForLayoutTest.lock("a", List.of("s1", "s2"), List.of()),
                WaitForLayoutTest.lock("b", List.of(), List.of("s3"))), List.of());

        List<LockRows.Row> rows = LockRows.rows(t, null);

        assertThat(rows).extracting(r -> r.lock() + ":" + (r.holder() == null ? "-" : r.holder().session()))
                .containsExactly("a:s1", "a:s2", "b:-");
        assertThat(LockRows.rows(t, "s2")).extracting(r -> r.holder().session()).containsExactly("s2");
        assertThat(rows).extracting(LockRows.Row::id).doesNotHaveDuplicates();
    }

    @Test
    void aRowKeepsItsIdWhenItsLeaseOrWaitersChange() {
        LockTableSnapshot before = WaitForLayoutTest.table(List.of(WaitForLayoutTest.lock("a", List.of("s1"), List.of())), List.of());
        LockTableSnapshot after = new LockTableSnapshot(2, before.logTime().plusSeconds(3), 2, 1,
                List.of(WaitForLayoutTest.lock("a", List.of("s1"), List.of("s2"))), List.of(), List.of());

        LockRows.Row r1 = LockRows.rows(before, "").get(0);
        LockRows.Row r2 = LockRows.rows(after, "").get(0);

        assertThat(r2).isNotEqualTo(r1);
        assertThat(r2.id()).isEqualTo(r1.id());
    }

    @Test
    void leasesReadForPeople() {
        assertThat(LockRows.leaseText(Duration.ofMillis(12_345))).isEqualTo("12.3 s");
        assertThat(LockRows.leaseText(Duration.ofSeconds(245))).isEqualTo("4 min 05 s");
        assertThat(LockRows.leaseText(Duration.ofMillis(-5))).isEqualTo("expired");
        assertThat(LockRows.leaseText(null)).isEmpty();
    }
}
