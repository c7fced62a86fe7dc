package io.dsync.cache.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A home's directory entries that nobody holds or asks for, kept for their copy of main memory
 * ({@link DirectoryEntry#memory}) within a budget of bytes, least recently retired out first. Mutable; owned by one
 * {@link HomeDirectory}, which drops from its map the entries this lets go.
 */
final class RetainedEntries {

    /** What an entry is counted for besides its key and value: the entry, its map slots, the value's object. */
    static final long OVERHEAD_BYTES = 100;

    private final long budget;
    private final LinkedHashMap<String, DirectoryEntry> entries = new LinkedHashMap<>();
    private long bytes;

    RetainedEntries(long budget) {
        this.budget = budget;
    }

    /**
     * Keeps an entry that nobody holds or asks for any more, if it has a copy of memory that fits the budget, making
     * room by letting the least recently kept ones go.
     *
     * @return the entries let go, the given one among them if it is not kept; empty if it was kept already
     */
    List<DirectoryEntry> keep(DirectoryEntry e) {
        if (entries.containsKey(e.key)) {
            return List.of();
        }
        long cost = cost(e);
        if (e.memory == null || cost > budget) {
            return List.of(e);
        }
        entries.put(e.key, e);
        bytes += cost;
        List<DirectoryEntry> dropped = List.of();
        for (Iterator<DirectoryEntry> it = entries.values().iterator(); bytes > budget; ) {
            DirectoryEntry eldest = it.next();
            it.remove();
            bytes -= cost(eldest);
            if (dropped.isEmpty()) {
                dropped = new ArrayList<>(2);
            }
            dropped.add(eldest);
        }
        return dropped;
    }

    /** Takes an entry out: it is held or asked for again, or dropped. */
    void remove(DirectoryEntry e) {
        if (entries.remove(e.key, e)) {
            bytes -= cost(e);
        }
    }

    boolean contains(String key) {
        return entries.containsKey(key);
    }

    int size() {
        return entries.size();
    }

    /** The bytes an entry is counted for; its copy does not change while it is kept. */
    private static long cost(DirectoryEntry e) {
        byte[] value = e.memory == null ? null : e.memory.value();
        return OVERHEAD_BYTES + 2L * e.key.length() + (value == null ? 0 : value.length);
    }
}
