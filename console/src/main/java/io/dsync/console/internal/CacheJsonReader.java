package io.dsync.console.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads the cache admin APIs' answers ({@code CacheHttpApi} of cache-client on every node, {@code CacheHomesServlet}
 * of cache-node) into {@link CacheFigures}. Lenient where a field is missing, strict about the shape: an answer that
 * is not what the call returns throws {@link IllegalArgumentException} with one line saying so. Stateless.
 */
final class CacheJsonReader {

    private CacheJsonReader() {
    }

    /**
     * @param body the answer of {@code GET /cache/caches}
     * @return the declared caches, with the node's statistics of those it uses
     */
    static List<CacheFigures.Cache> caches(JsonNode body) {
        if (body == null || !body.isArray()) {
            throw new IllegalArgumentException("/cache/caches answered something that is not a list");
        }
        List<CacheFigures.Cache> caches = new ArrayList<>();
        for (JsonNode c : body) {
            CacheFigures.Stats stats = null;
            if (c.path("stats").isObject()) {
                JsonNode s = c.get("stats");
                Map<String, Integer> byState = new TreeMap<>();
                c.path("linesByState").fields().forEachRemaining(e -> byState.put(e.getKey(), e.getValue().asInt()));
                stats = new CacheFigures.Stats(s.path("hits").asLong(), s.path("misses").asLong(),
                        s.path("invalidationsReceived").asLong(), s.path("writeBacks").asLong(), c.path("lines").asInt(),
                        byState);
            }
            caches.add(new CacheFigures.Cache(c.path("name").asText(), c.path("writeMode").asText(),
                    c.path("evictionPolicy").asText("LRU"), stats));
        }
        return caches;
    }

    /**
     * @param body the answer of {@code GET /cache/caches/{c}/lines}
     * @return the node's copies
     */
    static CacheFigures.Lines lines(JsonNode body) {
        if (body == null || !body.isObject() || !body.path("lines").isArray()) {
            throw new IllegalArgumentException("/cache/caches/{c}/lines answered without a 'lines' list");
        }
        List<CacheFigures.Line> lines = new ArrayList<>();
        for (JsonNode l : body.get("lines")) {
            lines.add(new CacheFigures.Line(l.path("key").asText(), letter(l.path("state").asText()), text(l, "home")));
        }
        return new CacheFigures.Lines(body.path("total").asInt(lines.size()), lines);
    }

    /**
     * @param cache the cache asked for
     * @param body the answer of {@code GET /cache/homes?cache=C&limit=N}
     * @return the node's directory of the cache (empty when it homes none of its keys)
     */
    static CacheFigures.Directory directory(String cache, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("/cache/homes answered something that is not a JSON object");
        }
        List<CacheFigures.Entry> entries = new ArrayList<>();
        for (JsonNode e : body.path("entries")) {
            Map<String, String> holders = new TreeMap<>();
            // "S@(1,2,3) until 123": the holder's state letter first.
            e.path("holders").fields().forEachRemaining(h -> holders.put(h.getKey(), letter(h.getValue().asText())));
            entries.add(new CacheFigures.Entry(e.path("key").asText(), e.path("state").asText(), text(e, "owner"),
                    holders, e.path("waiting").asInt()));
        }
        return new CacheFigures.Directory(body.path("directories").path(cache).asInt(entries.size()), entries);
    }

    /** @return M, E, S or I of "MODIFIED", "S", "S@(...) until ..."; the text itself otherwise */
    static String letter(String state) {
        String s = state.toUpperCase(Locale.ROOT);
        if (s.isEmpty()) {
            return "?";
        }
        char c = s.charAt(0);
        return "MESI".indexOf(c) >= 0 ? String.valueOf(c) : s;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
