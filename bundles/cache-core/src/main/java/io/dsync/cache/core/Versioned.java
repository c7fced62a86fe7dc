package io.dsync.cache.core;

import java.util.Arrays;
import java.util.Optional;

/**
 * A key's value with its version, as held by lines, main memory and results. An absent value (never
 * written, or removed: a tombstone) has {@code null} bytes. Versions grow by one with every write of
 * the key; version 0 is the initial absent value. The array is shared, not copied: nobody may modify
 * it.
 *
 * @param value the value's bytes, or {@code null} if the key has no value
 * @param version the version, 0 or more
 */
public record Versioned(byte[] value, long version) {

    /** The initial state of every key: no value, version 0. */
    public static final Versioned INITIAL = new Versioned(null, 0);

    /**
     * Validates the version.
     *
     * @param value the bytes, or {@code null}
     * @param version the version
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public Versioned {
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative, was " + version);
        }
    }

    /**
     * Tells whether the key has a value.
     *
     * @return {@code false} for a tombstone or the initial state
     */
    public boolean present() {
        return value != null;
    }

    /**
     * Returns the value as an optional, without copying.
     *
     * @return the bytes, or empty if absent
     */
    public Optional<byte[]> optional() {
        return Optional.ofNullable(value);
    }

    /**
     * Returns the next version of the key with another value.
     *
     * @param newValue the new bytes, or {@code null} for a tombstone
     * @return the new value with this version plus one
     */
    public Versioned next(byte[] newValue) {
        return new Versioned(newValue, version + 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Versioned v && version == v.version && Arrays.equals(value, v.value);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(version) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        if (value == null) {
            return "absent@" + version;
        }
        boolean text = true;
        for (byte b : value) {
            text &= b >= 0x20 && b < 0x7f;
        }
        String shown = text && value.length <= 32 ? "'" + new String(value, java.nio.charset.StandardCharsets.US_ASCII) + "'"
                : value.length + " bytes";
        return shown + "@" + version;
    }
}
