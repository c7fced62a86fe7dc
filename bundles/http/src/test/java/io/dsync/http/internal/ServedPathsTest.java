package io.dsync.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class ServedPathsTest {

    @Test
    void aPathIsServedBeforeWhenARememberedExactOrPrefixPatternCoversIt() {
        ServedPaths served = new ServedPaths();
        served.served(List.of("/cache/caches", "/cache/caches/*"));
        served.served(List.of("/queue/ring", "/", "/*"));
        assertEquals("/cache/caches", served.servedBefore("/cache/caches"));
        assertEquals("/cache/caches/*", served.servedBefore("/cache/caches/prices/entry"));
        assertEquals("/queue/ring", served.servedBefore("/queue/ring"));
        assertNull(served.servedBefore("/queue/ring/x"), "an exact pattern covers only its path");
        assertNull(served.servedBefore("/cache/cachesX"), "a prefix pattern covers whole segments only");
        assertNull(served.servedBefore("/nothing"), "the default servlet's patterns are not remembered");
    }
}
