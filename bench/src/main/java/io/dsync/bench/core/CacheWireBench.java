package io.dsync.bench.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.dsync.cache.core.CoherenceMessage;
import io.dsync.cache.core.GrantId;
import io.dsync.cache.core.MesiState;
import io.dsync.cache.core.RequestId;
import io.dsync.cache.core.Versioned;
import io.dsync.cache.protocol.CacheWire;

/**
 * The cache's wire format alone, on one core: what a node spends to encode and decode the two messages it sends most
 * in the read-mostly workload of {@code dsync bench cache}.
 * <ul>
 *   <li>{@code encodeRenew} / {@code decodeRenew}: a renewal of 300 leases (keys like the workload's, ASCII), as a
 *       client node sends each home every second or so while it holds some 10,000 copies;</li>
 *   <li>{@code encodeGrant} / {@code decodeGrant}: a grant with a 1 KiB value, a miss's answer.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class CacheWireBench {

    private CacheWire.Envelope renew;
    private CacheWire.Envelope grant;
    private byte[] renewBytes;
    private byte[] grantBytes;

    @Setup
    public void setUp() {
        List<CoherenceMessage.LeaseRef> leases = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            leases.add(new CoherenceMessage.LeaseRef("zipf-" + (i * 331), new GrantId(7, 3, 1_000 + i)));
        }
        renew = new CacheWire.Envelope("bench-zipf", "bench-a", new CoherenceMessage.Renew(42, leases));
        grant = new CacheWire.Envelope("bench-zipf", "cache-2", new CoherenceMessage.Grant("zipf-4711",
                new RequestId(5, 99), new GrantId(7, 3, 12_345), MesiState.SHARED, new Versioned(new byte[1024], 17)));
        renewBytes = CacheWire.encode(renew);
        grantBytes = CacheWire.encode(grant);
    }

    @Benchmark
    public byte[] encodeRenew() {
        return CacheWire.encode(renew);
    }

    @Benchmark
    public CacheWire.Envelope decodeRenew() {
        return CacheWire.decode(renewBytes);
    }

    @Benchmark
    public byte[] encodeGrant() {
        return CacheWire.encode(grant);
    }

    @Benchmark
    public CacheWire.Envelope decodeGrant() {
        return CacheWire.decode(grantBytes);
    }
}
