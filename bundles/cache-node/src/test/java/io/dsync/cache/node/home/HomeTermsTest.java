package io.dsync.cache.node.home;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.HomeRing;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HomeTermsTest {

    private static final long TERM = 1_000;
    private static final long MARGIN = 50;
    private static final long QUARANTINE = 5_050;
    private static final List<String> KEYS = IntStream.range(0, 2_000).mapToObj(i -> "k" + i).toList();

    private final HomeTerms terms = new HomeTerms("b", TERM, MARGIN, QUARANTINE);

    private static CacheTopology ring(long epoch, String... members) {
        return CacheTopology.of(new HomeRing.Record(epoch, List.of(members)), List.of());
    }

    /** Observes a read that took 1 time unit. */
    private HomeTerms.Action read(CacheTopology ring, long at) {
        return terms.observe(ring, at - 1, at);
    }

    private HomeTerms.Assume firstEpoch(CacheTopology ring) {
        assertThat(read(ring, 100)).isInstanceOf(HomeTerms.None.class);
        assertThat(read(ring, 100 + TERM + MARGIN - 1)).isInstanceOf(HomeTerms.None.class);
        return (HomeTerms.Assume) read(ring, 100 + TERM + MARGIN);
    }

    @Test
    void theFirstEpochWaitsOutEveryEarlierAuthorityAndHomesEveryKeyNewly() {
        CacheTopology abc = ring(1, "a", "b", "c");
        HomeTerms.Assume assume = firstEpoch(abc);
        assertThat(assume.topology().epoch()).isEqualTo(1);
        assertThat(assume.authorityUntil()).isEqualTo(100 + TERM + MARGIN - 1 + TERM);
        long homed = KEYS.stream().filter(assume.homes("c1", "b")).count();
        assertThat(homed).isBetween(400L, 1_000L);
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).allMatch(assume.newlyHomed("c1"))).isTrue();
        assertThat(terms.epoch()).isEqualTo(1);
    }

    @Test
    void readsThatConfirmTheEpochExtendTheAuthorityFromWhenTheyWereSent() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        assertThat(terms.observe(abc, 5_000, 5_400)).isEqualTo(new HomeTerms.Extend(1, 5_000 + TERM));
        assertThat(terms.observe(abc, 4_000, 5_500)).as("a late answer never shortens the authority")
                .isEqualTo(new HomeTerms.Extend(1, 5_000 + TERM));
        assertThat(terms.observe(ring(0), 6_000, 6_001)).isInstanceOf(HomeTerms.None.class);
    }

    @Test
    void aRingThatOnlyTakesKeysAwayIsTakenUpAtOnce() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        CacheTopology abcd = ring(2, "a", "b", "c", "d");
        HomeTerms.Action action = read(abcd, 10_000);
        assertThat(action).isInstanceOf(HomeTerms.Assume.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) action;
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).noneMatch(assume.newlyHomed("c1"))).isTrue();
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).allMatch(k -> "b".equals(abc.home("c1", k))))
                .as("a join gives this node no key").isTrue();
        assertThat(KEYS.stream().anyMatch(k -> "b".equals(abc.home("c1", k)) && !"b".equals(abcd.home("c1", k))))
                .as("and takes some away").isTrue();
    }

    @Test
    void aRingThatGivesKeysWaitsOneTermAfterItWasSeenAndHomesExactlyTheGainedKeysNewly() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        CacheTopology ab = ring(2, "a", "b");
        assertThat(read(ab, 10_000)).isInstanceOf(HomeTerms.None.class);
        assertThat(read(abc, 10_100)).as("an older ring read late extends nothing")
                .isInstanceOf(HomeTerms.None.class);
        assertThat(read(ab, 10_000 + TERM + MARGIN - 1)).isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) read(ab, 10_000 + TERM + MARGIN);
        for (String k : KEYS) {
            boolean gained = "b".equals(ab.home("c1", k)) && !"b".equals(abc.home("c1", k));
            assertThat(assume.homes("c1", "b").test(k) && assume.newlyHomed("c1").test(k)).as(k).isEqualTo(gained);
        }
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).anyMatch(assume.newlyHomed("c1"))).isTrue();
    }

    @Test
    void aRingReadAfterAMissedEpochCountsEveryKeyAsGained() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        // Epoch 2 (a, b, c, x) took keys from b to x, and x may have granted them; b never read it. Epoch 3 drops x:
        // b's keys are the same as under epoch 1, but they were not b's all along.
        CacheTopology abcd = ring(3, "a", "b", "c", "d");
        assertThat(read(abcd, 10_000)).isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) read(abcd, 10_000 + TERM + MARGIN);
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).allMatch(assume.newlyHomed("c1"))).isTrue();
    }

    @Test
    void aNewerRingWhileWaitingStartsTheWaitAgain() {
        firstEpoch(ring(1, "a", "b", "c"));
        assertThat(read(ring(2, "a", "b"), 10_000)).isInstanceOf(HomeTerms.None.class);
        assertThat(read(ring(3, "b", "d"), 10_500)).isInstanceOf(HomeTerms.None.class);
        assertThat(read(ring(3, "b", "d"), 10_000 + TERM + MARGIN)).as("the wait counts from the newest ring")
                .isInstanceOf(HomeTerms.None.class);
        assertThat(read(ring(3, "b", "d"), 10_500 + TERM + MARGIN)).isInstanceOf(HomeTerms.Assume.class);
        assertThat(terms.epoch()).isEqualTo(3);
    }

    @Test
    void aNodeLeftOutOfTheRingHomesNothingAndIsNotExtended() {
        firstEpoch(ring(1, "a", "b", "c"));
        HomeTerms.Assume assume = (HomeTerms.Assume) read(ring(2, "a", "c"), 10_000);
        assertThat(KEYS.stream().noneMatch(assume.homes("c1", "b"))).isTrue();
        assertThat(read(ring(2, "a", "c"), 10_200)).isInstanceOf(HomeTerms.None.class);
        assertThat(read(ring(3, "a", "b", "c"), 11_000)).as("coming back gains keys: wait")
                .isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume back = (HomeTerms.Assume) read(ring(3, "a", "b", "c"), 11_000 + TERM + MARGIN);
        assertThat(KEYS.stream().filter(back.homes("c1", "b")).allMatch(back.newlyHomed("c1"))).isTrue();
    }

    @Test
    void aDirectoryMadeLaterHomesNewlyOnlyWhatThisNodeGainedWithinTheQuarantine() {
        assertThat(terms.forNewDirectory(0)).isNull();
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        long assumedAt = 100 + TERM + MARGIN;
        HomeTerms.Assume early = terms.forNewDirectory(assumedAt + QUARANTINE - 1);
        assertThat(KEYS.stream().filter(early.homes("c1", "b")).allMatch(early.newlyHomed("c1"))).isTrue();
        HomeTerms.Assume late = terms.forNewDirectory(assumedAt + QUARANTINE);
        assertThat(KEYS.stream().filter(late.homes("c1", "b")).noneMatch(late.newlyHomed("c1"))).isTrue();

        CacheTopology ab = ring(2, "a", "b");
        read(ab, 20_000);
        read(ab, 20_000 + TERM + MARGIN);
        HomeTerms.Assume afterLeave = terms.forNewDirectory(21_500);
        for (String k : KEYS) {
            boolean gained = "b".equals(ab.home("c1", k)) && !"b".equals(abc.home("c1", k));
            assertThat(afterLeave.homes("c1", "b").test(k) && afterLeave.newlyHomed("c1").test(k)).as(k)
                    .isEqualTo(gained);
        }
    }
}
