package io.dsync.cache.node.home;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.HomeDirectory.Holding;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandoverRecordsTest {

    @TempDir
    Path dir;

    @Test
    void recordsGoToTheNextBundleAsTheyWere() throws IOException {
        Map<String, List<Holding>> records = Map.of(
                "orders", List.of(new Holding("k\nwith a line break, é", "n-2", new GrantId(3, 7, 11),
                                new RequestId(9, 4), MesiState.SHARED, 123_456_789L),
                        new Holding("", "n-3", new GrantId(3, 7, 12), new RequestId(10, 1), MesiState.EXCLUSIVE,
                                -5L)),
                "empty", List.of());
        Path file = dir.resolve("records");
        HandoverRecords.write(file, 42, records);
        assertThat(HandoverRecords.read(file, 42)).isEqualTo(records);
        assertThatThrownBy(() -> HandoverRecords.read(file, 43)).as("another stop's records")
                .isInstanceOf(IOException.class);
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), 30));
        assertThatThrownBy(() -> HandoverRecords.read(file, 42)).as("cut short").isInstanceOf(IOException.class);
    }

    @Test
    void aHandOffPutsEveryTimeOnTheReceiversClockPlusTheMargin() throws IOException {
        // Sent at 1,000 on the sender's clock; received at 50,000 on the receiver's, margin 20.
        Holding shared = new Holding("k", "n-2", new GrantId(3, 7, 11), new RequestId(9, 4), MesiState.SHARED,
                3_000);
        HomeTerms.HandOff sent = new HomeTerms.HandOff("n-1", 3, List.of("n-1", "n-2", "n-3"), 4, 1_500);
        byte[] body = HandoverRecords.encode(sent, 1_000, Map.of("orders", List.of(shared)));
        HandoverRecords.Received received = HandoverRecords.decode(body, 50_000, 20);
        assertThat(received.handOff()).isEqualTo(new HomeTerms.HandOff("n-1", 3, List.of("n-1", "n-2", "n-3"), 4,
                50_000 + 20 + 500));
        assertThat(received.records()).isEqualTo(Map.of("orders", List.of(new Holding("k", "n-2",
                new GrantId(3, 7, 11), new RequestId(9, 4), MesiState.SHARED, 50_000 + 20 + 2_000))));
        HomeTerms.HandOff none = new HomeTerms.HandOff("n-1", 3, List.of("n-1", "n-2"), 4, Long.MIN_VALUE);
        assertThat(HandoverRecords.decode(HandoverRecords.encode(none, 1_000, Map.of()), 50_000, 20).handOff())
                .as("no quarantine stays none").isEqualTo(none);
        assertThatThrownBy(() -> HandoverRecords.decode(Arrays.copyOf(body, body.length - 3), 50_000, 20))
                .as("cut short").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> HandoverRecords.decode(new byte[] {1, 2, 3, 4, 5}, 50_000, 20))
                .as("not a hand-off").isInstanceOf(IOException.class);
    }
}
