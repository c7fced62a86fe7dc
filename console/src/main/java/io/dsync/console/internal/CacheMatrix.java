package io.dsync.console.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Cache view's key × node matrix of one cache, bounded: the keys the homes' directories list first (by key), then
 * keys only some node's copies name; at most {@code maxKeys} keys and {@code maxNodes} nodes, with how many were left
 * out. A cell is the node's own MESI letter of its copy (M, E, S, I), empty without a copy. Each key row also carries
 * its directory entry at its home (state, owner, sharers). Plain Java, immutable.
 *
 * @param nodes the columns
 * @param rows the keys
 * @param keysLeftOut keys that match the filter but are not shown
 * @param nodesLeftOut nodes not shown
 */
record CacheMatrix(List<String> nodes, List<Row> rows, int keysLeftOut, int nodesLeftOut) {

    /**
     * @param key the key
     * @param states node to MESI letter, for the nodes holding a copy
     * @param home the node whose directory has the key, or {@code null} (no directory lists it)
     * @param entry that directory's entry, or {@code null}
     */
    record Row(String key, Map<String, String> states, String home, CacheFigures.Entry entry) {

        /** @return the sharers in the directory entry (holders in S) */
        List<String> sharers() {
            if (entry == null) {
                return List.of();
            }
            return entry.holders().entrySet().stream().filter(h -> "S".equals(h.getValue())).map(Map.Entry::getKey).toList();
        }
    }

    /**
     * @param cache the cache
     * @param filter keys containing this text (ignoring case) are shown; blank for all
     * @return the matrix
     */
    static CacheMatrix of(CacheSnapshot.CacheState cache, String filter, int maxKeys, int maxNodes) {
        String f = filter == null ? "" : filter.trim().toLowerCase(Locale.ROOT);
        List<String> nodes = cache.nodes().subList(0, Math.min(maxNodes, cache.nodes().size()));
        Map<String, String> homeOf = new TreeMap<>();
        Map<String, CacheFigures.Entry> entries = new TreeMap<>();
        cache.directories().forEach((home, d) -> d.entries().forEach(e -> {
            homeOf.put(e.key(), home);
            entries.put(e.key(), e);
        }));
        Map<String, Map<String, String>> states = new TreeMap<>();
        for (String n : nodes) {
            CacheFigures.Lines lines = cache.lines().get(n);
            if (lines != null) {
                lines.lines().forEach(l -> states.computeIfAbsent(l.key(), k -> new LinkedHashMap<>()).put(n, l.state()));
            }
        }
        List<String> keys = new ArrayList<>();
        entries.keySet().stream().filter(k -> matches(k, f)).forEach(keys::add);
        new TreeSet<>(states.keySet()).stream().filter(k -> !entries.containsKey(k) && matches(k, f)).forEach(keys::add);
        List<Row> rows = new ArrayList<>();
        for (String k : keys.subList(0, Math.min(maxKeys, keys.size()))) {
            rows.add(new Row(k, Map.copyOf(states.getOrDefault(k, Map.of())), homeOf.get(k), entries.get(k)));
        }
        return new CacheMatrix(List.copyOf(nodes), List.copyOf(rows), keys.size() - rows.size(),
                cache.nodes().size() - nodes.size());
    }

    private static boolean matches(String key, String filter) {
        return filter.isEmpty() || key.toLowerCase(Locale.ROOT).contains(filter);
    }
}
