package io.dsync.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

class ServedPathsTest {

    private static final long S = 1_000_000_000L;

    @Test
    void aPathIsRestartingWhileAServletThatCoveredItIsGoneForLessThanTheGrace() {
        ServedPaths served = new ServedPaths();
        List<String> cache = List.of("/cache/caches", "/cache/caches/*");
        served.served(cache);
        served.served(List.of("/queue/ring", "/", "/*"));
        assertNull(served.restarting("/cache/caches", 0), "served now: not restarting");

        served.gone(cache, 100 * S);
        served.gone(List.of("/queue/ring", "/", "/*"), 100 * S);
        assertEquals("/cache/caches", served.restarting("/cache/caches", 101 * S));
        assertEquals("/cache/caches/*", served.restarting("/cache/caches/prices/entry", 101 * S));
        assertEquals("/queue/ring", served.restarting("/queue/ring", 101 * S));
        assertNull(served.restarting("/queue/ring/x", 101 * S), "an exact pattern covers only its path");
        assertNull(served.restarting("/cache/cachesX", 101 * S), "a prefix pattern covers whole segments only");
        assertNull(served.restarting("/nothing", 101 * S), "the default servlet's patterns are not remembered");
        assertNull(served.restarting("/cache/caches", 100 * S + ServedPaths.GRACE.toNanos()),
                "gone for longer than the grace: stopped, not restarting");

        served.served(cache);
        assertNull(served.restarting("/cache/caches", 101 * S), "served again");
    }
}
