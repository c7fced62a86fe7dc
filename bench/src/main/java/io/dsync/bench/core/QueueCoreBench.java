package io.dsync.bench.core;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.dsync.queue.core.EntryId;
import io.dsync.queue.core.PartitionState;
import io.dsync.ring.HashRing;
import io.dsync.ring.PartitionNamer;

/**
 * The queue's plain-Java parts alone, on one core ({@code dsync bench core} runs them):
 * <ul>
 *   <li>{@code appendTakeAck}: one message through a partition's delivery state (append, take, ack) with
 *       {@code backlog} messages waiting behind it over {@code keys} keys: the owner's work per message, no I/O;</li>
 *   <li>{@code ringOwners}: the owners of a key on a ring of 5 nodes with 128 virtual nodes each (a hash and a
 *       binary search);</li>
 *   <li>{@code placeBounded}: the bounded-load placement of a 64-partition queue on 5 nodes, computed once per
 *       membership change by every node.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueueCoreBench {

    @Param({"100000"})
    int backlog;

    @Param({"1000"})
    int keys;

    private PartitionState state;
    private long millis = 1_000_000;
    private long sequence;
    private long now = 2_000_000;
    private int next;
    private HashRing ring;

    @Setup(Level.Trial)
    public void setUp() {
        state = new PartitionState(5);
        for (int i = 0; i < backlog; i++) {
            state.append(new EntryId(millis, sequence++), "k" + (i % keys));
        }
        ring = HashRing.of(List.of("n1", "n2", "n3", "n4", "n5"), 128);
    }

    @Benchmark
    public Object appendTakeAck() {
        state.append(new EntryId(millis, sequence++), "k" + (next++ % keys));
        List<PartitionState.Grant> grants = state.take(1, ++now, 30_000);
        PartitionState.Grant g = grants.get(0);
        return state.ack(g.entry(), g.attempt());
    }

    @Benchmark
    public Object ringOwners() {
        return ring.owners("customer-" + (next++ % 10_000), 2);
    }

    @Benchmark
    public Object placeBounded() {
        return ring.placeBounded(64, 2, 0.25, PartitionNamer.numbered("orders"));
    }
}
