package io.dsync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class QueueConfigTest {

    @Test
    void ofUsesDefaults() {
        QueueConfig config = QueueConfig.of("orders");

        assertThat(config.name()).isEqualTo("orders");
        assertThat(config.visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.maxDeliveries()).isEqualTo(5);
        assertThat(config.deadLetterQueue()).isNull();
        assertThat(config.maxPayloadBytes()).isEqualTo(256 * 1024);
    }

    @Test
    void withersReturnValidatedCopies() {
        QueueConfig config = QueueConfig.of("orders")
                .withVisibilityTimeout(Duration.ofMinutes(2))
                .withMaxDeliveries(10)
                .withDeadLetterQueue("orders.dlq")
                .withMaxPayloadBytes(1024);

        assertThat(config).isEqualTo(new QueueConfig("orders", Duration.ofMinutes(2), 10, "orders.dlq", 1024));
        assertThat(config.withDeadLetterQueue(null).deadLetterQueue()).isNull();
    }

    @Test
    void acceptsNamesAtTheLimit() {
        String longest = "q".repeat(QueueConfig.MAX_NAME_LENGTH);

        assertThat(QueueConfig.requireValidName(longest)).isEqualTo(longest);
        assertThat(QueueConfig.requireValidName("Orders_v2.dlq-1")).isEqualTo("Orders_v2.dlq-1");
    }

    @Test
    void rejectsEmptyOversizedAndMalformedNames() {
        assertThatThrownBy(() -> QueueConfig.of(""))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("queue name must not be empty")
                .extracting(e -> ((InvalidQueueRequestException) e).parameter()).isEqualTo("name");
        assertThatThrownBy(() -> QueueConfig.of("q".repeat(129)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageStartingWith("queue name must be at most 128 characters, was 129 characters: 'qqq")
                .hasMessageEndingWith("...'");
        assertThatThrownBy(() -> QueueConfig.of(".hidden"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("start with a letter or digit, was '.hidden'");
        assertThatThrownBy(() -> QueueConfig.of("orders/eu"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 'orders/eu'");
        assertThatNullPointerException().isThrownBy(() -> QueueConfig.of(null)).withMessage("name");
    }

    @Test
    void rejectsVisibilityTimeoutOutOfRange() {
        QueueConfig config = QueueConfig.of("orders");

        assertThatThrownBy(() -> config.withVisibilityTimeout(Duration.ofMillis(999)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("visibilityTimeout must be between 1s and 12h, was 0.999s");
        assertThatThrownBy(() -> config.withVisibilityTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was -1s");
        assertThatThrownBy(() -> config.withVisibilityTimeout(Duration.ofHours(13)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 13h");
    }

    @Test
    void rejectsMaxDeliveriesAndPayloadLimitOutOfRange() {
        QueueConfig config = QueueConfig.of("orders");

        assertThatThrownBy(() -> config.withMaxDeliveries(0))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxDeliveries must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> config.withMaxDeliveries(1001))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxDeliveries must be between 1 and 1000, was 1001");
        assertThatThrownBy(() -> config.withMaxPayloadBytes(0))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxPayloadBytes must be between 1 and 16777216, was 0");
        assertThatThrownBy(() -> config.withMaxPayloadBytes(16 * 1024 * 1024 + 1))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("maxPayloadBytes must be between 1 and 16777216, was 16777217");
    }

    @Test
    void deadLetterQueueMustBeAValidOtherQueue() {
        QueueConfig config = QueueConfig.of("orders");

        assertThatThrownBy(() -> config.withDeadLetterQueue("orders"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("deadLetterQueue must differ from the queue itself, was 'orders'");
        assertThatThrownBy(() -> config.withDeadLetterQueue("dead letters"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 'dead letters'");
    }

    @Test
    void conflictExceptionNamesBothConfigurations() {
        QueueConfig existing = QueueConfig.of("orders");
        QueueConfig requested = existing.withMaxDeliveries(9);

        QueueConfigConflictException e = new QueueConfigConflictException(existing, requested);

        assertThat(e).hasMessageContaining("queue 'orders' already exists")
                .hasMessageContaining("maxDeliveries=5")
                .hasMessageContaining("maxDeliveries=9");
        assertThat(e.existing()).isEqualTo(existing);
        assertThat(e.requested()).isEqualTo(requested);
    }
}
