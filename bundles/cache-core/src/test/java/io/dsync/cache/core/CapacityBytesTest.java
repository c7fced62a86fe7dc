package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.cache.EvictionPolicy;
import io.dsync.cache.WriteMode;

/** A node's bound in bytes: copies go, least recently used first, while keys and values weigh more than it. */
class CapacityBytesTest {

    private static final long MS = 1_000_000L;
    private static final Timing TIMING = new Timing(1_000 * MS, 10 * MS, 100 * MS, 500 * MS, 5_000 * MS);
    private static final String HOME = "h";

    private final long now = 1_000 * MS;
    private long opSeq;
    private long grantSeq;

    @Test
    void copiesAreEvictedLeastRecentlyUsedFirstWhileTheyWeighMoreThanTheBound() {
        // Room for two copies of 1,000-byte values (keys: 2 bytes each), far below the bound in entries.
        CacheNode node = node(EvictionPolicy.LRU);
        assertThat(read(node, "a", 1_000)).isEmpty();
        assertThat(read(node, "b", 1_000)).isEmpty();
        assertThat(node.bytes()).isEqualTo(2_004);
        assertThat(read(node, "c", 1_000)).as("a third copy pushes out the first").containsExactly("release a");
        assertThat(node.bytes()).isEqualTo(2_004);
        assertThat(node.lruOrder(10)).containsExactly("c", "b");

        // A write that makes b's copy heavier evicts the least recently used other copy.
        assertThat(write(node, "b", 2_000)).as("b grew").containsExactly("release c");
        assertThat(node.bytes()).isEqualTo(2_002);

        // A value heavier than the whole bound is not kept once its write has completed: written back first.
        assertThat(write(node, "b", 3_000)).as("b outgrew the bound").containsExactly("write back b");
        assertThat(node.bytes()).isZero();
        assertThat(node.stats().evictions()).isEqualTo(3);
    }

    @Test
    void wTinyLfuKeepsTheBoundInBytesToo() {
        CacheNode node = node(EvictionPolicy.W_TINY_LFU);
        List<String> evicted = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            evicted.addAll(read(node, "k" + i % 10, 700 + i));
            assertThat(node.bytes()).as("after reading k%d", i % 10).isLessThanOrEqualTo(2_100);
        }
        evicted.addAll(write(node, node.lruOrder(1).get(0), 1_900));
        assertThat(node.bytes()).isLessThanOrEqualTo(2_100);
        assertThat(evicted).hasSize((int) node.stats().evictions()).hasSizeGreaterThan(15);
    }

    private static CacheNode node(EvictionPolicy policy) {
        return new CacheNode("c", "n", 1, 100, 2_100, WriteMode.WRITE_BACK, policy, false, TIMING,
                key -> new HomeLocator.Home(HOME, 1));
    }

    @Test
    void withoutABoundInBytesOnlyTheNumberOfCopiesCounts() {
        CacheNode node = new CacheNode("c", "n", 1, 2, 0, WriteMode.WRITE_BACK, EvictionPolicy.LRU, false, TIMING,
                key -> new HomeLocator.Home(HOME, 1));
        assertThat(read(node, "a", 1_000_000)).isEmpty();
        assertThat(read(node, "b", 1_000_000)).isEmpty();
        assertThat(node.bytes()).isEqualTo(2_000_004);
        assertThat(read(node, "c", 10)).containsExactly("release a");
    }

    /** Reads a key that misses and is granted E with a value of the given size; returns what was evicted. */
    private List<String> read(CacheNode node, String key, int size) {
        List<Effect> effects = new ArrayList<>(node.submit(now, ++opSeq, new Op.Get(key)));
        RequestId request = null;
        for (Effect e : effects) {
            if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.GetShared g) {
                request = g.request();
            }
        }
        assertThat(request).as("the read of " + key + " asks the home").isNotNull();
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) 'v');
        effects.addAll(node.onMessage(now, HOME, new CoherenceMessage.Grant(key, request,
                new GrantId(1, 1, ++grantSeq), MesiState.EXCLUSIVE, new Versioned(value, 1))));
        return evictions(effects);
    }

    /** Writes a value of the given size to a key this node holds in E or M; returns what was evicted. */
    private List<String> write(CacheNode node, String key, int size) {
        return evictions(node.submit(now, ++opSeq, new Op.Put(key, new byte[size])));
    }

    private static List<String> evictions(List<Effect> effects) {
        List<String> out = new ArrayList<>();
        for (Effect e : effects) {
            if (e instanceof Effect.Send s && s.message() instanceof CoherenceMessage.Release r) {
                out.add("release " + r.key());
            } else if (e instanceof Effect.WriteMemory w) {
                out.add("write back " + w.key());
            }
        }
        return out;
    }
}
