package io.dsync.lock;

import java.time.Duration;
import java.util.Locale;

/** Durations in messages as people write them: {@code 12h}, {@code 1m30s}, {@code 0.5s} (ISO 8601 without "PT"). */
final class Durations {

    private Durations() {
    }

    static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
