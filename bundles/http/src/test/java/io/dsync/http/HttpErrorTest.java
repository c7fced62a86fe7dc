package io.dsync.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class HttpErrorTest {

    enum Mode { WRITE_BACK, WRITE_THROUGH }

    record Config(String name, Duration timeout, int max, String other, Mode mode) {
    }

    @Test
    void aConfigConflictNamesOnlyTheFieldsThatDifferAsPeopleWriteThem() {
        HttpError e = HttpError.configConflict("queue 'orders'",
                new Config("orders", Duration.ofSeconds(30), 3, null, Mode.WRITE_BACK),
                new Config("orders", Duration.ofMillis(1500), 4, "dlq", Mode.WRITE_BACK), "declare it as it is");
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.code()).isEqualTo(HttpError.CONFLICT);
        assertThat(e.getMessage()).isEqualTo("queue 'orders' already exists with timeout 30s (requested 1500ms), max 3 "
                + "(requested 4), other none (requested 'dlq'); declare it as it is");
        assertThat(HttpError.configConflict("cache 'c'", new Config("c", null, 1, null, Mode.WRITE_BACK),
                new Config("c", null, 1, null, Mode.WRITE_THROUGH), "").getMessage())
                .isEqualTo("cache 'c' already exists with mode write-back (requested write-through)");
    }
}
