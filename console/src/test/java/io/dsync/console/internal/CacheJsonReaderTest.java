package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fed with answers captured from a demo node (cache {@code users}, write-back: alice, bob and carol written, dave
 * written and invalidated, alice, bob and eve read twice).
 */
class CacheJsonReaderTest {

    static JsonNode captured(String name) throws IOException {
        try (InputStream in = CacheJsonReaderTest.class.getResourceAsStream("/cache-api/" + name)) {
            return FakeNodes.JSON.readTree(in);
        }
    }

    @Test
    void readsTheDeclaredCachesWithTheNodesStatistics() throws IOException {
        var caches = CacheJsonReader.caches(captured("caches.json"));

        assertThat(caches).hasSize(1);
        CacheFigures.Cache users = caches.get(0);
        assertThat(users.name()).isEqualTo("users");
        assertThat(users.writeMode()).isEqualTo("WRITE_BACK");
        assertThat(users.evictionPolicy()).as("a node before cache-api 1.2 names no policy").isEqualTo("LRU");
        assertThat(users.stats()).isEqualTo(new CacheFigures.Stats(5, 1, 0, 1, 4, Map.of("M", 3, "E", 1, "S", 0, "I", 0)));
    }

    @Test
    void readsANodesCopiesWithTheirMesiLetter() throws IOException {
        CacheFigures.Lines lines = CacheJsonReader.lines(captured("lines.json"));

        assertThat(lines.total()).isEqualTo(4);
        assertThat(lines.lines()).containsExactly(new CacheFigures.Line("eve", "E", "demo"),
                new CacheFigures.Line("bob", "M", "demo"), new CacheFigures.Line("alice", "M", "demo"),
                new CacheFigures.Line("carol", "M", "demo"));
    }

    @Test
    void readsAHomesDirectory() throws IOException {
        CacheFigures.Directory d = CacheJsonReader.directory("users", captured("homes.json"));

        assertThat(d.size()).isEqualTo(4);
        assertThat(d.entries()).hasSize(4);
        assertThat(d.entries().get(0)).isEqualTo(new CacheFigures.Entry("alice", "EM", "demo", Map.of("demo", "E"), 0));
        // A node that has no directory of the cache yet answers no entries.
        assertThat(CacheJsonReader.directory("users", FakeNodes.JSON.readTree("{\"directories\":{}}")).size()).isZero();
    }

    @Test
    void aUnusedCacheHasNoStatisticsAndAWrongAnswerSaysWhat() throws IOException {
        var caches = CacheJsonReader.caches(FakeNodes.JSON.readTree("[{\"name\":\"c\",\"writeMode\":\"WRITE_THROUGH\"}]"));
        assertThat(caches.get(0).stats()).isNull();
        assertThatThrownBy(() -> CacheJsonReader.caches(FakeNodes.JSON.readTree("{}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("/cache/caches answered something that is not a list");
        assertThatThrownBy(() -> CacheJsonReader.lines(FakeNodes.JSON.readTree("{}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(CacheJsonReader.letter("SHARED")).isEqualTo("S");
        assertThat(CacheJsonReader.letter("S@1.2.3 until 9")).isEqualTo("S");
        assertThat(CacheJsonReader.letter("")).isEqualTo("?");
    }
}
