package io.dsync.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** {@link HashRing#owners(long, int)}: the clockwise walk, checked by hand and against a linear-scan model. */
class OwnersTest {

    private final HashRing ring = HashRing.of(List.of("a", "b", "c", "d"), 8);
    private final List<HashRing.Token> tokens = ring.tokens();

    @Test
    void aTokensOwnPositionBelongsToItAndTheNextPositionToTheNextToken() {
        for (int i = 0; i < tokens.size() - 1; i++) {
            HashRing.Token token = tokens.get(i);
            assertThat(ring.owners(token.position(), 1)).containsExactly(token.node());
            assertThat(ring.owners(token.position() + 1, 1)).containsExactly(tokens.get(i + 1).node());
        }
    }

    @Test
    void pastTheLastTokenTheWalkWrapsToTheFirst() {
        HashRing.Token first = tokens.get(0);
        HashRing.Token last = tokens.get(tokens.size() - 1);
        assertThat(ring.owners(last.position() + 1, 1)).containsExactly(first.node());
        assertThat(ring.owners(Long.MAX_VALUE, 1)).containsExactly(first.node());
        assertThat(ring.owners(Long.MIN_VALUE, 1)).containsExactly(first.node());
        // The walk for several owners wraps too: from the last token it continues at the first.
        List<String> fromLast = ring.owners(last.position(), 4);
        assertThat(fromLast.get(0)).isEqualTo(last.node());
        assertThat(fromLast).containsExactlyElementsOf(model(ring, last.position(), 4));
    }

    @Test
    void ownersAreDistinctAndAtMostTheNodeCount() {
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            long position = random.nextLong();
            assertThat(ring.owners(position, 3)).hasSize(3).doesNotHaveDuplicates();
            assertThat(ring.owners(position, 4)).containsExactlyInAnyOrder("a", "b", "c", "d");
            assertThat(ring.owners(position, 99)).hasSize(4).doesNotHaveDuplicates();
            assertThat(ring.owners(position, 0)).isEmpty();
            assertThat(ring.owners(position, 2)).isEqualTo(ring.owners(position, 3).subList(0, 2));
        }
    }

    @Test
    void anEmptyRingHasNoOwners() {
        HashRing empty = HashRing.of(List.of(), HashRing.DEFAULT_VNODES);
        assertThat(empty.owners(0L, 3)).isEmpty();
        assertThat(empty.owners("key", 1)).isEmpty();
    }

    @Test
    void aKeysOwnersAreThoseOfItsHash() {
        for (String key : List.of("", "orders/0", "user:42", "nœud")) {
            assertThat(ring.owners(key, 2)).isEqualTo(ring.owners(HashRing.hash(key), 2));
        }
    }

    @Test
    void negativeCountIsRejected() {
        assertThatThrownBy(() -> ring.owners(0L, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
    }

    @Test
    void agreesWithALinearScanModelOnRandomRings() {
        Random random = new Random(42);
        for (int c = 0; c < 200; c++) {
            HashRing r = HashRing.of(Rings.nodeIds(random, 1 + random.nextInt(12)), 1 + random.nextInt(40));
            List<HashRing.Token> layout = layout(r);
            for (int i = 0; i < 50; i++) {
                // Half the probes sit exactly on a token, where an off-by-one would show.
                long position = random.nextBoolean() ? random.nextLong()
                        : r.tokens().get(random.nextInt(r.tokens().size())).position();
                int count = random.nextInt(6);
                assertThat(r.owners(position, count)).as("ring %s position %d", r, position)
                        .containsExactlyElementsOf(scan(layout, position, count));
            }
        }
    }

    @Test
    void anOffByOneWalkDisagreesWithTheModel() {
        // Negative control for the comparison above: a walk that starts after a token's own position
        // instead of at it is caught at the token positions that the comparison probes.
        int disagreements = 0;
        for (HashRing.Token token : tokens) {
            if (!ring.owners(token.position(), 2).equals(model(ring, token.position() + 1, 2))) {
                disagreements++;
            }
        }
        assertThat(disagreements).isGreaterThan(tokens.size() / 2);
    }

    /** Rebuilds the tokens from the documented layout and scans them linearly, without binary search. */
    private static List<String> model(HashRing r, long position, int count) {
        return scan(layout(r), position, count);
    }

    private static List<HashRing.Token> layout(HashRing r) {
        List<HashRing.Token> all = new ArrayList<>();
        for (String node : r.nodes()) {
            for (int i = 0; i < r.vnodes(); i++) {
                all.add(new HashRing.Token(HashRing.hash(node + "#" + i), node));
            }
        }
        all.sort((x, y) -> x.position() != y.position() ? Long.compare(x.position(), y.position())
                : x.node().compareTo(y.node()));
        return all;
    }

    private static List<String> scan(List<HashRing.Token> all, long position, int count) {
        int start = 0;
        while (start < all.size() && all.get(start).position() < position) {
            start++;
        }
        Set<String> owners = new LinkedHashSet<>();
        for (int k = 0; k < all.size() && owners.size() < count; k++) {
            owners.add(all.get((start + k) % all.size()).node());
        }
        return new ArrayList<>(owners);
    }
}
