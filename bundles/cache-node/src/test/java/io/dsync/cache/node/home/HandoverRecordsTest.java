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
}
