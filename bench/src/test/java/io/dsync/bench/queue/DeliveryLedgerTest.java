package io.dsync.bench.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeliveryLedgerTest {

    @Test
    void countsWhatWasSentAndNotDeliveredAndTellsRedeliveries() {
        DeliveryLedger ledger = new DeliveryLedger(2);
        ledger.sent(0, 0, 50);
        ledger.sent(1, 0, 1);

        assertThat(ledger.delivered(0, 3)).isTrue();
        assertThat(ledger.delivered(0, 3)).isFalse();
        assertThat(ledger.delivered(1, 0)).isTrue();

        assertThat(ledger.sent()).isEqualTo(51);
        assertThat(ledger.undelivered()).isEqualTo(49);
    }

    @Test
    void messagesOfAFailedSendAreNotExpectedButMayArrive() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.sent(0, 0, 1);
        // Sequence 1 belonged to a send that failed: its outcome was unknown, and it was stored after all.
        assertThat(ledger.delivered(0, 1)).isTrue();
        assertThat(ledger.undelivered()).isEqualTo(1);
    }

    @Test
    void aForeignPayloadIsRefused() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        assertThatThrownBy(() -> ledger.delivered(5, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a message of this run");
    }
}
