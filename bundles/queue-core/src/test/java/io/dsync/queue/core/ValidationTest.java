package io.dsync.queue.core;

import static io.dsync.queue.core.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Programming errors of the owner fail fast, with a precise message, and change nothing. */
class ValidationTest {

    private final PartitionState p = new PartitionState(3);

    @Test
    void maxDeliveriesIsOneToAThousand() {
        assertThat(new PartitionState(1).maxDeliveries()).isEqualTo(1);
        assertThat(new PartitionState(1000).maxDeliveries()).isEqualTo(1000);
        assertThatThrownBy(() -> new PartitionState(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDeliveries must be between 1 and 1000, was 0");
        assertThatThrownBy(() -> new PartitionState(1001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDeliveries must be between 1 and 1000, was 1001");
    }

    @Test
    void badArgumentsAreRejected() {
        p.append(id(1), null);
        p.take(1, 100, 30);
        var before = p.snapshot();
        assertThatThrownBy(() -> p.take(-1, 100, 30)).hasMessage("max must not be negative, was -1");
        assertThatThrownBy(() -> p.take(1, 100, 0)).hasMessage("visibilityMillis must be positive, was 0");
        assertThatThrownBy(() -> p.take(1, -1, 30)).hasMessage("now must not be negative, was -1");
        assertThatThrownBy(() -> p.ack(id(1), 0)).hasMessage("attempt must be at least 1, was 0");
        assertThatThrownBy(() -> p.nack(id(1), 1, false, -1, 100)).hasMessage("delayMillis must not be negative, was -1");
        assertThatThrownBy(() -> p.nack(id(1), 1, true, 5, 100)).hasMessage(
                "delayMillis must be 0 when dead-lettering, was 5");
        assertThatThrownBy(() -> p.extend(id(1), 1, 100, 100)).hasMessage("newVisibleUntil must be after now (100), was 100");
        assertThatThrownBy(() -> p.extend(id(1), 1, 100, -1)).hasMessage("now must not be negative, was -1");
        assertThatThrownBy(() -> p.release(id(1), -3)).hasMessage("attempt must be at least 1, was -3");
        assertThatThrownBy(() -> p.deadLetters(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.stats(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.append(null, "k")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> p.ack(null, 1)).isInstanceOf(NullPointerException.class);
        assertThat(p.snapshot()).isEqualTo(before);
    }

    @Test
    void farDeadlinesSaturate() {
        p.append(id(1), null);
        assertThat(p.take(1, Long.MAX_VALUE - 5, 30).get(0).visibleUntil()).isEqualTo(Long.MAX_VALUE);
        p.checkConsistency();
    }
}
