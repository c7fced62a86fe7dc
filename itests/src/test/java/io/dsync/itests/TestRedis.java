package io.dsync.itests;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.dsync.devkit.LocalRedis;

/** One Redis per test JVM, started on first use on a free port; {@link LocalRedis} stops it when the JVM exits. */
final class TestRedis {

    private static LocalRedis redis;

    private TestRedis() {
    }

    static synchronized LocalRedis get() {
        if (redis == null) {
            try {
                redis = LocalRedis.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return redis;
    }
}
