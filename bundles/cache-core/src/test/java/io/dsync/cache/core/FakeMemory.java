package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.dsync.cache.core.MemoryResult.WriteOutcome;

/**
 * Main memory as the cache's Redis script will implement it: per key a value, a version, the fence
 * (the largest grant id a read or write brought) and the fence of the last write; fenced reads and
 * conditional writes exactly as {@link Effect.ReadMemory} and {@link Effect.WriteMemory} specify. It
 * logs every write it applies, which the checkers use to tell which writes reached it.
 */
final class FakeMemory {

    /** A stored key. */
    private record Stored(Versioned data, GrantId fence, GrantId writer) {
    }

    /** A write that was applied. */
    record Applied(String key, Versioned data, GrantId fence) {
    }

    private final Map<String, Stored> store = new HashMap<>();
    private final List<Applied> log = new ArrayList<>();

    /** A fenced read: raises the key's fence to {@code fence} and returns the value. */
    Versioned read(String key, GrantId fence) {
        Stored s = store.getOrDefault(key, new Stored(Versioned.INITIAL, null, null));
        store.put(key, new Stored(s.data(), GrantId.max(s.fence(), fence), s.writer()));
        return s.data();
    }

    /** A conditional write. */
    WriteOutcome write(String key, Versioned data, GrantId fence) {
        Stored s = store.getOrDefault(key, new Stored(Versioned.INITIAL, null, null));
        if (s.fence() != null && fence.compareTo(s.fence()) < 0) {
            return WriteOutcome.REJECTED;
        }
        long stored = s.data().version();
        if (data.version() < stored) {
            return WriteOutcome.REJECTED;
        }
        if (data.version() == stored) {
            boolean repeat = fence.equals(s.writer()) && Arrays.equals(data.value(), s.data().value());
            return repeat ? WriteOutcome.WRITTEN : WriteOutcome.REJECTED;
        }
        store.put(key, new Stored(data, GrantId.max(s.fence(), fence), fence));
        log.add(new Applied(key, data, fence));
        return WriteOutcome.WRITTEN;
    }

    /** Returns the stored value of a key. */
    Versioned get(String key) {
        Stored s = store.get(key);
        return s == null ? Versioned.INITIAL : s.data();
    }

    /** Returns every applied write, in order. */
    List<Applied> log() {
        return log;
    }
}
