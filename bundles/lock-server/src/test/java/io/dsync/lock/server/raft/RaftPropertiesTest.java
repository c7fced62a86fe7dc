package io.dsync.lock.server.raft;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/**
 * What a member keeps in its heap under load is bounded: with Ratis' defaults, its retry cache (60 s of replies) and
 * its log cache (32 MB segments, the open one never purged) grew a lock node's old generation until its full
 * collections, of over a second in one run, cost elections (docs/benchmarks.md, "A lock node's heap under load").
 */
class RaftPropertiesTest {

    private final InetSocketAddress self = new InetSocketAddress("127.0.0.1", 1);
    private final RaftProperties props = RaftLockServer.properties(
            RaftLockServer.Options.of("c", "n1", Map.of("n1", self), Path.of("unused")), self);

    @Test
    void repliesAreKeptForRetriesWithinAQuorumTimeoutAndNotMuchLonger() {
        long millis = RaftServerConfigKeys.RetryCache.expiryTime(props).toLong(TimeUnit.MILLISECONDS);
        // A Ratis client sends a request again within its time limit: the lock clients' quorum timeout, 5 s unless
        // configured. The lock table answers a command sent later again with its first outcome anyway.
        assertTrue(millis >= 5_000 && millis <= 10_000, "retry cache expiry " + millis + " ms");
    }

    @Test
    void logSegmentsAreSmallAndFewAreCachedSoThatTheyArePurgedAfterEachSnapshot() {
        long segment = RaftServerConfigKeys.Log.segmentSizeMax(props).getSize();
        assertTrue(segment <= 8L << 20, "segment size " + segment);
        int cached = RaftServerConfigKeys.Log.segmentCacheNumMax(props);
        assertTrue(cached <= 2, "cached closed segments " + cached);
    }
}
