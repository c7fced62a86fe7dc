package io.dsync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

class QueueValueTypesTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final MessageId ID = new MessageId("01J9Z3K7Q8");

    @Test
    void messageIdRejectsEmptyOversizedAndNonPrintableValues() {
        assertThat(ID).hasToString("01J9Z3K7Q8");
        assertThatThrownBy(() -> new MessageId(""))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("message id must not be empty");
        assertThatThrownBy(() -> new MessageId("m".repeat(129)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("message id must be at most 128 characters, was 129 characters");
        assertThatThrownBy(() -> new MessageId("a\u00e9"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("U+00E9 at index 1");
    }

    @Test
    void deliveryValidatesAndExposesItsAttempt() {
        Delivery first = delivery(1, Map.of(Message.HEADER_DEAD_LETTER_REASON, "nack"));

        assertThat(first.isRedelivery()).isFalse();
        assertThat(delivery(2, Map.of()).isRedelivery()).isTrue();
        assertThat(first.header(Message.HEADER_DEAD_LETTER_REASON)).contains("nack");
        assertThat(first.header("missing")).isEmpty();
        assertThat(first).isEqualTo(delivery(1, Map.of(Message.HEADER_DEAD_LETTER_REASON, "nack")));
        assertThatThrownBy(() -> delivery(0, Map.of()))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("deliveryCount must be at least 1, was 0");
        assertThatThrownBy(() -> new Delivery(ID, "bad queue", null, new byte[0], Map.of(), 1, T0, T0))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 'bad queue'");
    }

    @Test
    void subscriptionOptionsValidation() {
        SubscriptionOptions defaults = SubscriptionOptions.defaults();

        assertThat(defaults).isEqualTo(new SubscriptionOptions(16, AckMode.AUTO, Duration.ofSeconds(1)));
        assertThat(defaults.withAckMode(AckMode.MANUAL).withMaxInFlight(1).withRetryDelay(Duration.ZERO))
                .isEqualTo(new SubscriptionOptions(1, AckMode.MANUAL, Duration.ZERO));
        assertThatThrownBy(() -> defaults.withMaxInFlight(0))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxInFlight must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> defaults.withMaxInFlight(1001))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxInFlight must be between 1 and 1000, was 1001");
        assertThatThrownBy(() -> defaults.withRetryDelay(Duration.ofSeconds(-2)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("retryDelay must be between 0s and 12h, was -2s");
    }

    @Test
    void exceptionMessagesNameQueueAndLimit() {
        assertThat(new MessageTooLargeException("orders", 300_000, 262_144))
                .hasMessage("message payload of 300000 bytes exceeds the limit of 262144 bytes of queue 'orders'");
        assertThat(new QueueNotFoundException("ordrs")).hasMessage("queue 'ordrs' does not exist; declare it first");
    }

    private static Delivery delivery(int deliveryCount, Map<String, String> headers) {
        return new Delivery(ID, "orders", "k", new byte[] {1, 2}, headers, deliveryCount, T0, T0.plusSeconds(30));
    }
}
