package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** Building rings, their value semantics, the hash and the token layout. */
class HashRingTest {

    @Test
    void hashIsXxh3OfTheUtf8Bytes() {
        // Reference values from the xxHash C library (XXH3_64bits, seed 0). The non-ASCII key tells UTF-8
        // from UTF-16 (hash4j's hashCharsToLong) and from the platform charset.
        assertThat(HashRing.hash("")).isEqualTo(0x2d06800538d394c2L);
        assertThat(HashRing.hash("abc")).isEqualTo(0x78af5f94892f3950L);
        assertThat(HashRing.hash("queue/0")).isEqualTo(0xd25b4bd66eb30ac4L);
        assertThat(HashRing.hash("nœud-é")).isEqualTo(0xec12d21bbeaf09bdL);
    }

    @Test
    void tokensAreTheHashesOfNodeHashIndexInRingOrder() {
        HashRing ring = HashRing.of(List.of("b", "a", "c"), 5);
        List<HashRing.Token> expected = new ArrayList<>();
        for (String node : List.of("a", "b", "c")) {
            for (int i = 0; i < 5; i++) {
                expected.add(new HashRing.Token(HashRing.hash(node + "#" + i), node));
            }
        }
        expected.sort((x, y) -> Long.compare(x.position(), y.position()));
        assertThat(ring.tokens()).containsExactlyElementsOf(expected);
        assertThat(ring.tokens()).isSortedAccordingTo(Comparable::compareTo);
    }

    @Test
    void tokensAtTheSamePositionAreOrderedByNodeId() {
        List<HashRing.Token> tokens = new ArrayList<>(List.of(
                new HashRing.Token(5, "b"), new HashRing.Token(5, "a"), new HashRing.Token(-1, "z"),
                new HashRing.Token(Long.MAX_VALUE, "a"), new HashRing.Token(Long.MIN_VALUE, "c")));
        Collections.sort(tokens);
        assertThat(tokens).extracting(HashRing.Token::node).containsExactly("c", "z", "a", "b", "a");
    }

    @Test
    void idsAreASetInNaturalOrder() {
        HashRing ring = HashRing.of(List.of("c", "a", "b", "a"), 3);
        assertThat(ring.nodes()).containsExactly("a", "b", "c");
        assertThat(ring.vnodes()).isEqualTo(3);
        assertThat(ring.tokens()).hasSize(9);
        assertThat(ring.isEmpty()).isFalse();
        assertThatThrownBy(() -> ring.nodes().add("d")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ring.tokens().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aSortedSetWithItsOwnComparatorDoesNotChangeTheRing() {
        TreeSet<String> reversed = new TreeSet<>(Collections.reverseOrder());
        reversed.addAll(List.of("a", "b", "c"));
        HashRing ring = HashRing.of(reversed, 8);
        assertThat(ring).isEqualTo(HashRing.of(List.of("a", "b", "c"), 8));
        assertThat(ring.nodes()).containsExactly("a", "b", "c");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> HashRing.of(List.of("a"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vnodesPerNode");
        assertThatThrownBy(() -> HashRing.of(List.of("a", " "), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> HashRing.of(List.of("a", ""), 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HashRing.of(Arrays.asList("a", null), 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> HashRing.of(null, 4)).isInstanceOf(NullPointerException.class);
        HashRing ring = HashRing.of(List.of("a"), 4);
        assertThatThrownBy(() -> ring.withNode(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.withoutNode(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HashRing.hash(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void withNodeAndWithoutNodeMakeNewRingsAndLeaveTheOldOneIntact() {
        HashRing ring = HashRing.of(List.of("a", "b"), 16);
        List<HashRing.Token> tokensBefore = List.copyOf(ring.tokens());

        HashRing bigger = ring.withNode("c");
        assertThat(bigger).isNotSameAs(ring).isEqualTo(HashRing.of(List.of("a", "b", "c"), 16));
        assertThat(bigger.vnodes()).isEqualTo(16);
        HashRing smaller = ring.withoutNode("a");
        assertThat(smaller).isNotSameAs(ring).isEqualTo(HashRing.of(List.of("b"), 16));

        assertThat(ring.nodes()).containsExactly("a", "b");
        assertThat(ring.tokens()).isEqualTo(tokensBefore);
        assertThat(bigger.withoutNode("c")).isEqualTo(ring);
    }

    @Test
    void addingAPresentNodeOrRemovingAnAbsentOneReturnsTheSameRing() {
        HashRing ring = HashRing.of(List.of("a", "b"), 4);
        assertThat(ring.withNode("a")).isSameAs(ring);
        assertThat(ring.withoutNode("z")).isSameAs(ring);
    }

    @Test
    void ringsAreValuesOfTheirNodesAndVnodes() {
        HashRing ring = HashRing.of(List.of("a", "b"), 4);
        HashRing same = HashRing.of(List.of("b", "a"), 4);
        assertThat(ring).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(ring).isNotEqualTo(HashRing.of(List.of("a", "b"), 5)).isNotEqualTo(HashRing.of(List.of("a"), 4));
        assertThat(ring).hasToString("HashRing[nodes=[a, b], vnodes=4]");
        assertThat(HashRing.of(List.of("a")).vnodes()).isEqualTo(HashRing.DEFAULT_VNODES);
    }

    @Test
    void anEmptyRingHasNoTokens() {
        HashRing empty = HashRing.of(List.of(), 8);
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.tokens()).isEmpty();
        assertThat(empty.withNode("a").tokens()).hasSize(8);
        assertThat(HashRing.of(List.of("a"), 8).withoutNode("a")).isEqualTo(empty);
    }

    @Test
    void boundedCapacityIsTheCeilingOfOnePlusEpsilonTimesTheMean() {
        assertThat(HashRing.boundedCapacity(256, 10, 0.25)).isEqualTo(32);
        assertThat(HashRing.boundedCapacity(256, 3, 0.25)).isEqualTo(107);
        assertThat(HashRing.boundedCapacity(10, 3, 0.1)).isEqualTo(4);
        assertThat(HashRing.boundedCapacity(1, 100, 0.25)).isEqualTo(1);
        assertThat(HashRing.boundedCapacity(Integer.MAX_VALUE, 1, 1e9)).isEqualTo(Integer.MAX_VALUE);
        for (double bad : new double[] {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> HashRing.boundedCapacity(10, 3, bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epsilon");
        }
        assertThatThrownBy(() -> HashRing.boundedCapacity(10, 0, 0.25)).isInstanceOf(IllegalArgumentException.class);
    }
}
