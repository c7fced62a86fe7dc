package io.dsync.cache.node.home;

import static org.assertj.core.api.Assertions.assertThat;

import io.dsync.cache.protocol.CacheTopology;
import io.dsync.cache.protocol.HomeRing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
    void aNodeThatLeavesAndComesBackBeforeTheWaitIsOverMovesNoKeyOfTheOthers() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        // a's cache-node bundle is updated: it proposes the ring without itself, then, restarted, with itself.
        assertThat(read(ring(2, "b", "c"), 10_000)).as("a's keys would come to b: wait")
                .isInstanceOf(HomeTerms.None.class);
        HomeTerms.Action back = read(ring(3, "a", "b", "c"), 10_300);
        assertThat(back).as("b's keys were b's under epochs 1, 2 and 3: taken up at once")
                .isInstanceOf(HomeTerms.Assume.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) back;
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).toList())
                .isEqualTo(KEYS.stream().filter(k -> "b".equals(abc.home("c1", k))).toList())
                .noneMatch(assume.newlyHomed("c1"));
        assertThat(assume.authorityUntil()).isEqualTo(10_300 - 1 + TERM);
        HomeTerms.Assume later = terms.forNewDirectory(10_400);
        assertThat(KEYS.stream().filter(later.homes("c1", "b")).noneMatch(later.newlyHomed("c1")))
                .as("a directory made now gained nothing either").isTrue();
    }

    @Test
    void anEpochKnownFromTheRecordsHistoryCountsAsSeen() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        // a left and came back between two reads of b: epoch 2 is known only from the record's history.
        HomeTerms.Action action = terms.observe(ring(3, "a", "b", "c"), List.of(ring(2, "b", "c"), abc), 9_999,
                10_000);
        assertThat(action).isInstanceOf(HomeTerms.Assume.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) action;
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).noneMatch(assume.newlyHomed("c1"))).isTrue();

        // Epoch 4 joined x; epoch 5 dropped it again, and the history has lost epoch 4: every key is gained.
        assertThat(terms.observe(ring(5, "a", "b", "c"), List.of(ring(3, "a", "b", "c")), 11_000, 11_001))
                .isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume late = (HomeTerms.Assume) read(ring(5, "a", "b", "c"), 11_001 + TERM + MARGIN);
        assertThat(KEYS.stream().filter(late.homes("c1", "b")).allMatch(late.newlyHomed("c1"))).isTrue();
    }

    @Test
    void keysThatWereAnotherNodesUnderARingSeenButNotTakenUpAreGained() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        CacheTopology abcx = ring(2, "a", "b", "c", "x");
        HomeTerms.Assume joined = (HomeTerms.Assume) read(abcx, 10_000);
        assertThat(joined.topology().epoch()).isEqualTo(2);
        // Seen, not taken up (it gives b keys): epoch 3 drops c. Epoch 4 drops x too, before b took up epoch 3.
        CacheTopology abx = ring(3, "a", "b", "x");
        assertThat(read(abx, 11_000)).isInstanceOf(HomeTerms.None.class);
        CacheTopology ab = ring(4, "a", "b");
        assertThat(read(ab, 11_200)).isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) read(ab, 11_200 + TERM + MARGIN);
        for (String k : KEYS) {
            boolean gained = "b".equals(ab.home("c1", k))
                    && !("b".equals(abcx.home("c1", k)) && "b".equals(abx.home("c1", k)));
            assertThat(assume.homes("c1", "b").test(k) && assume.newlyHomed("c1").test(k)).as(k).isEqualTo(gained);
        }
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).filter(assume.newlyHomed("c1")).count())
                .as("more than c's keys: x's too").isGreaterThan(KEYS.stream()
                        .filter(k -> "b".equals(ab.home("c1", k)) && "c".equals(abcx.home("c1", k))).count());
    }

    /** b's previous bundle was at epoch 3 (a, b, c), stopped its directories at 9,990 and left by epoch 4 at 10,000. */
    private static final HomeTerms.Handover LEFT = new HomeTerms.Handover(3, List.of("a", "b", "c"), 4, 10_000, 9_990,
            Long.MIN_VALUE);

    @Test
    void aBundleThatComesBackQuicklyTakesItsKeysUpAtOnceUntilThePreviousLeasesEnd() {
        terms.resume(LEFT);
        assertThat(terms.observe(ring(4, "a", "c"), 10_050, 10_060))
                .as("the ring b left by, read before b's new bundle made its own: wait for it, keep the handover")
                .isInstanceOf(HomeTerms.None.class);
        CacheTopology back = ring(5, "a", "b", "c");
        HomeTerms.Action action = terms.observe(back, List.of(ring(4, "a", "c")), 10_300, 10_310);
        assertThat(action).isInstanceOf(HomeTerms.Assume.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) action;
        assertThat(assume.authorityUntil()).isEqualTo(10_300 + TERM);
        assertThat(assume.quarantineUntil()).as("the previous bundle's leases, not a full quarantine from now")
                .isEqualTo(9_990 + QUARANTINE);
        assertThat(assume.resumed()).isTrue();
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).allMatch(assume.newlyHomed("c1")))
                .as("the new directories have no records: every key waits for the old leases").isTrue();
        HomeTerms.Assume later = terms.forNewDirectory(11_000);
        assertThat(later.quarantineUntil()).isEqualTo(9_990 + QUARANTINE);
        assertThat(KEYS.stream().filter(later.homes("c1", "b")).allMatch(later.newlyHomed("c1"))).isTrue();
        assertThat(terms.forNewDirectory(9_990 + QUARANTINE).newlyHomed("c1").test("k1")).isFalse();
        assertThat(terms.observe(back, 12_000, 12_001)).isEqualTo(new HomeTerms.Extend(5, 12_000 + TERM));

        HomeTerms flapped = new HomeTerms("b", TERM, MARGIN, QUARANTINE);
        flapped.resume(LEFT);
        // The others added b back (epoch 5) and dropped it again (6) while the registry lagged, before b's new
        // bundle made epoch 7: every epoch since b left is within half a quarantine, so nobody granted b's keys.
        HomeTerms.Action after = flapped.observe(ring(7, "a", "b", "c"), List.of(ring(5, "a", "b", "c"),
                ring(6, "a", "c")), 10_300, 10_310);
        assertThat(after).isInstanceOf(HomeTerms.Assume.class);
        assertThat(((HomeTerms.Assume) after).resumed()).isTrue();
    }

    @Test
    void aHandoverIsNotUsedUnlessNobodyElseCanHaveGrantedTheKeys() {
        record Case(String why, HomeTerms.Handover left, CacheTopology ring, long at) {
        }
        List<Case> cases = List.of(
                new Case("back later than half a quarantine", LEFT, ring(5, "a", "b", "c"), 10_000 + QUARANTINE / 2),
                new Case("c left meanwhile: its keys were another's", LEFT, ring(5, "a", "b"), 10_300),
                new Case("not a member before", new HomeTerms.Handover(3, List.of("a", "c"), 4, 10_000, 9_990,
                        Long.MIN_VALUE), ring(5, "a", "b", "c"), 10_300),
                new Case("another node's handover", null, ring(5, "a", "b", "c"), 10_300));
        for (Case c : cases) {
            HomeTerms fresh = new HomeTerms("b", TERM, MARGIN, QUARANTINE);
            if (c.left() != null) {
                fresh.resume(c.left());
            } else {
                assertThat(HomeTerms.Handover.decode(LEFT.encode("a"), "b")).isNull();
                assertThat(HomeTerms.Handover.decode("b\n3\nfour\n1\n2", "b")).as("malformed").isNull();
            }
            assertThat(fresh.observe(c.ring(), c.at() - 1, c.at())).as(c.why()).isInstanceOf(HomeTerms.None.class);
            // Only a handover set aside for coming too late is reported (the node logs it), and only once.
            long late = c.why().startsWith("back later") ? c.at() - LEFT.leftAt() : -1;
            assertThat(fresh.takeHandoverTooOld()).as(c.why()).isEqualTo(late);
            assertThat(fresh.takeHandoverTooOld()).as(c.why()).isEqualTo(-1);
            HomeTerms.Assume usual = (HomeTerms.Assume) fresh.observe(c.ring(), c.at() + TERM + MARGIN - 1,
                    c.at() + TERM + MARGIN);
            assertThat(usual.quarantineUntil()).as(c.why()).isEqualTo(c.at() + TERM + MARGIN + QUARANTINE);
        }
        assertThat(HomeTerms.Handover.decode(LEFT.encode("b"), "b")).isEqualTo(LEFT);
    }

    @Test
    void withTheDirectoriesRecordsOnlyTheQuarantinesThePreviousBundleKeptRemain() {
        HomeTerms.Handover withRecords = new HomeTerms.Handover(3, List.of("a", "b", "c"), 4, 10_000, 9_990, 9_990);
        assertThat(HomeTerms.Handover.decode(withRecords.encode("b"), "b")).isEqualTo(withRecords);
        terms.resume(withRecords);
        HomeTerms.Assume assume = (HomeTerms.Assume) terms.observe(ring(5, "a", "b", "c"), 10_300, 10_310);
        assertThat(assume.resumed()).isTrue();
        assertThat(assume.quarantineUntil()).as("nothing to wait for").isEqualTo(10_310);

        HomeTerms other = new HomeTerms("b", TERM, MARGIN, QUARANTINE);
        other.resume(new HomeTerms.Handover(3, List.of("a", "b", "c"), 4, 10_000, 9_990, 11_500));
        HomeTerms.Assume kept = (HomeTerms.Assume) other.observe(ring(5, "a", "b", "c"), 10_300, 10_310);
        assertThat(kept.quarantineUntil()).as("keys it had gained a moment before").isEqualTo(11_500);
        assertThat(other.quarantinesUntil(10_400)).isEqualTo(11_500);
        assertThat(other.quarantinesUntil(11_500)).isEqualTo(Long.MIN_VALUE);
    }

    /**
     * Random runs of rings, some read as they happen, some known only from the history a read returns, some missed: a
     * key must be newly homed whenever another node homed it under any epoch since the one taken up before, and a
     * ring that gives this node any such key must not be taken up before {@code term + margin} after it was read.
     */
    @Test
    void noKeyThatAnotherNodeHomedMeanwhileIsEverTakenUpAsHomedContinuously() {
        Random random = new Random(7);
        List<String> nodes = List.of("a", "b", "c", "d", "x");
        List<String> keys = KEYS.subList(0, 300);
        for (int run = 0; run < 200; run++) {
            HomeTerms t = new HomeTerms("b", TERM, MARGIN, QUARANTINE);
            List<CacheTopology> rings = new ArrayList<>();
            CacheTopology assumed = null;
            long now = 0;
            Map<Long, Long> firstRead = new HashMap<>();
            for (long epoch = 1; epoch <= 12; epoch++) {
                List<String> members = nodes.stream().filter(n -> random.nextInt(3) > 0).toList();
                rings.add(ring(epoch, members.toArray(String[]::new)));
                int reads = random.nextInt(3); // 0: missed, 1 or 2 reads of it (the second after the wait)
                for (int r = 0; r < reads; r++) {
                    now += r == 0 ? 1 + random.nextInt(100) : TERM + MARGIN;
                    CacheTopology ring = rings.get(rings.size() - 1);
                    List<CacheTopology> history = rings.subList(Math.max(0, rings.size() - 1 - random.nextInt(9)),
                            rings.size() - 1);
                    firstRead.putIfAbsent(epoch, now);
                    HomeTerms.Action action = t.observe(ring, random.nextBoolean() ? history : List.of(), now - 1,
                            now);
                    if (!(action instanceof HomeTerms.Assume a)) {
                        continue;
                    }
                    long from = assumed == null ? 0 : assumed.epoch();
                    for (String k : keys) {
                        if (!a.homes("c1", "b").test(k)) {
                            continue;
                        }
                        boolean elsewhere = assumed == null;
                        for (CacheTopology between : rings.subList((int) Math.max(0, from - 1), (int) epoch)) {
                            elsewhere |= !"b".equals(between.home("c1", k));
                        }
                        if (elsewhere) {
                            assertThat(a.newlyHomed("c1").test(k)).as("run %d epoch %d key %s", run, epoch, k)
                                    .isTrue();
                            assertThat(now).as("run %d epoch %d: taken up before the wait", run, epoch)
                                    .isGreaterThanOrEqualTo(firstRead.get(epoch) + TERM + MARGIN);
                        }
                    }
                    assumed = ring;
                }
            }
        }
    }

    /** What a leaves for good from epoch 1 (a, b, c) by making epoch 2 (b, c). */
    private static final HomeTerms.HandOff A_LEAVES = new HomeTerms.HandOff("a", 1, List.of("a", "b", "c"), 2,
            Long.MIN_VALUE);

    @Test
    void keysHandedOffByANodeThatLeftForGoodAreTakenUpAtOnceAsNewlyHomed() {
        CacheTopology abc = ring(1, "a", "b", "c");
        firstEpoch(abc);
        assertThat(terms.offer(A_LEAVES, 9_990)).as("kept until the ring is read").isInstanceOf(HomeTerms.None.class);
        CacheTopology bc = ring(2, "b", "c");
        HomeTerms.Assume assume = (HomeTerms.Assume) read(bc, 10_000);
        assertThat(assume.received()).containsExactly(A_LEAVES);
        assertThat(assume.give()).as("b owes nobody a hand-off").isNull();
        assertThat(assume.resumed()).isFalse();
        assertThat(assume.authorityUntil()).isEqualTo(10_000 - 1 + TERM);
        assertThat(assume.quarantineUntil()).as("a kept no quarantine: its records name every lease")
                .isEqualTo(10_000);
        for (String k : KEYS) {
            boolean gained = "b".equals(bc.home("c1", k)) && !"b".equals(abc.home("c1", k));
            assertThat(assume.homes("c1", "b").test(k) && assume.newlyHomed("c1").test(k)).as(k).isEqualTo(gained);
            if (gained) {
                assertThat(abc.home("c1", k)).as("only the leaver's keys move").isEqualTo("a");
            }
        }
        assertThat(KEYS.stream().filter(assume.homes("c1", "b")).anyMatch(assume.newlyHomed("c1"))).isTrue();
        assertThat(terms.quarantinesUntil(10_000)).as("no quarantine: a directory made later adopts the records")
                .isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void aHandOffThatArrivesWhileThisNodeWaitsEndsTheWait() {
        firstEpoch(ring(1, "a", "b", "c"));
        assertThat(terms.observe(ring(2, "b", "c"), 9_900, 10_000)).isInstanceOf(HomeTerms.None.class);
        HomeTerms.HandOff quarantined = new HomeTerms.HandOff("a", 1, List.of("a", "b", "c"), 2, 12_345);
        HomeTerms.Assume assume = (HomeTerms.Assume) terms.offer(quarantined, 10_050);
        assertThat(assume.received()).containsExactly(quarantined);
        assertThat(assume.authorityUntil()).as("from the read that found the ring").isEqualTo(9_900 + TERM);
        assertThat(assume.quarantineUntil()).as("the leaver's own quarantine goes on").isEqualTo(12_345);
        assertThat(terms.epoch()).isEqualTo(2);
        HomeTerms.Assume later = terms.forNewDirectory(10_100);
        assertThat(later.quarantineUntil()).as("a directory made later keeps it too").isEqualTo(12_345);
        assertThat(KEYS.stream().filter(later.homes("c1", "b")).filter(later.newlyHomed("c1")).toList())
                .isEqualTo(KEYS.stream().filter(assume.homes("c1", "b")).filter(assume.newlyHomed("c1")).toList())
                .isNotEmpty();
        assertThat(terms.observe(ring(2, "b", "c"), 10_100, 10_101)).isEqualTo(new HomeTerms.Extend(2, 10_100 + TERM));
        assertThat(terms.offer(A_LEAVES, 10_200)).as("too late: the epoch is taken up")
                .isInstanceOf(HomeTerms.None.class);
    }

    @Test
    void aHandOffIsNotUsedUnlessTheLeaversKeysAreAllThisNodeGains() {
        record Case(String why, HomeTerms.HandOff handOff, CacheTopology ring) {
        }
        for (Case c : List.of(
                new Case("another node joined at the same time", A_LEAVES, ring(2, "b", "c", "d")),
                new Case("another node left at the same time", A_LEAVES, ring(2, "b")),
                new Case("the leaver was at another epoch", new HomeTerms.HandOff("a", 0, List.of("a", "b", "c"), 2,
                        Long.MIN_VALUE), ring(2, "b", "c")),
                new Case("the leaver saw other members", new HomeTerms.HandOff("a", 1, List.of("a", "b", "c", "d"),
                        2, Long.MIN_VALUE), ring(2, "b", "c")),
                new Case("this node missed an epoch", new HomeTerms.HandOff("a", 2, List.of("a", "b", "c"), 3,
                        Long.MIN_VALUE), ring(3, "b", "c")),
                new Case("a ring of another epoch", A_LEAVES, ring(3, "b", "c")))) {
            HomeTerms fresh = new HomeTerms("b", TERM, MARGIN, QUARANTINE);
            fresh.observe(ring(1, "a", "b", "c"), 99, 100);
            assertThat(fresh.observe(ring(1, "a", "b", "c"), 100 + TERM + MARGIN - 1, 100 + TERM + MARGIN))
                    .isInstanceOf(HomeTerms.Assume.class);
            fresh.offer(c.handOff(), 9_000);
            assertThat(fresh.observe(c.ring(), 9_999, 10_000)).as(c.why()).isInstanceOf(HomeTerms.None.class);
            HomeTerms.Assume usual = (HomeTerms.Assume) fresh.observe(c.ring(), 10_000 + TERM + MARGIN - 1,
                    10_000 + TERM + MARGIN);
            assertThat(usual.received()).as(c.why()).isEmpty();
            assertThat(usual.quarantineUntil()).as(c.why()).isEqualTo(10_000 + TERM + MARGIN + QUARANTINE);
        }
    }

    @Test
    void aMemberHandsTheKeysItLosesToAJoinerOffAsItTakesTheRingUp() {
        firstEpoch(ring(1, "a", "b", "c"));
        HomeTerms.Assume assume = (HomeTerms.Assume) read(ring(2, "a", "b", "c", "d"), 10_000);
        assertThat(assume.give()).isEqualTo(new HomeTerms.HandOff("b", 1, List.of("a", "b", "c"), 2, Long.MIN_VALUE));
        assertThat(assume.joiner()).isEqualTo("d");
        assertThat(((HomeTerms.Assume) read(ring(3, "a", "b", "c", "d", "e", "f"), 10_100)).give())
                .as("two joined at once: the joiners need the usual way").isNull();
        CacheTopology afterAMissedEpoch = ring(5, "a", "b", "c", "d", "e", "f", "g");
        assertThat(read(afterAMissedEpoch, 10_200)).isInstanceOf(HomeTerms.None.class);
        assertThat(((HomeTerms.Assume) read(afterAMissedEpoch, 10_200 + TERM + MARGIN)).give())
                .as("an epoch in between was missed").isNull();
    }

    @Test
    void aJoinerTakesItsKeysUpOnceEveryMemberHandedThemOff() {
        HomeTerms d = new HomeTerms("d", TERM, MARGIN, QUARANTINE);
        CacheTopology abcd = ring(2, "a", "b", "c", "d");
        d.joined(2); // d made the ring
        assertThat(d.observe(abcd, 9_999, 10_000)).isInstanceOf(HomeTerms.None.class);
        List<HomeTerms.HandOff> offers = List.of(
                new HomeTerms.HandOff("a", 1, List.of("a", "b", "c"), 2, Long.MIN_VALUE),
                new HomeTerms.HandOff("b", 1, List.of("a", "b", "c"), 2, 10_500),
                new HomeTerms.HandOff("c", 1, List.of("a", "b", "c"), 2, Long.MIN_VALUE));
        assertThat(d.offer(offers.get(0), 10_050)).isInstanceOf(HomeTerms.None.class);
        assertThat(d.offer(offers.get(2), 10_060)).as("b has not handed off").isInstanceOf(HomeTerms.None.class);
        HomeTerms.Assume assume = (HomeTerms.Assume) d.offer(offers.get(1), 10_070);
        assertThat(assume.received()).containsExactlyInAnyOrderElementsOf(offers);
        assertThat(assume.authorityUntil()).isEqualTo(9_999 + TERM);
        assertThat(assume.quarantineUntil()).as("b's quarantine goes on").isEqualTo(10_500);
        assertThat(KEYS.stream().filter(assume.homes("c1", "d")).allMatch(assume.newlyHomed("c1"))).isTrue();
        assertThat(KEYS.stream().filter(assume.homes("c1", "d")).count()).isPositive();
    }

    @Test
    void aJoinerWithoutEveryMembersHandOffTakesTheUsualWay() {
        record Case(String why, List<HomeTerms.HandOff> offers, CacheTopology ring, boolean made) {
            Case(String why, List<HomeTerms.HandOff> offers, CacheTopology ring) {
                this(why, offers, ring, true);
            }
        }
        List<String> abc = List.of("a", "b", "c");
        List<HomeTerms.HandOff> all = List.of(new HomeTerms.HandOff("a", 1, abc, 2, Long.MIN_VALUE),
                new HomeTerms.HandOff("b", 1, abc, 2, Long.MIN_VALUE), new HomeTerms.HandOff("c", 1, abc, 2,
                        Long.MIN_VALUE));
        for (Case c : List.of(
                new Case("a ring this process did not make: an earlier process of d may have homed keys under it",
                        all, ring(2, "a", "b", "c", "d"), false),
                new Case("c did not hand off", List.of(new HomeTerms.HandOff("a", 1, abc, 2, Long.MIN_VALUE),
                        new HomeTerms.HandOff("b", 1, abc, 2, Long.MIN_VALUE)), ring(2, "a", "b", "c", "d")),
                new Case("the senders were at different epochs", List.of(
                        new HomeTerms.HandOff("a", 1, abc, 2, Long.MIN_VALUE),
                        new HomeTerms.HandOff("b", 0, abc, 2, Long.MIN_VALUE),
                        new HomeTerms.HandOff("c", 1, abc, 2, Long.MIN_VALUE)), ring(2, "a", "b", "c", "d")),
                new Case("another node joined too", List.of(
                        new HomeTerms.HandOff("a", 1, abc, 2, Long.MIN_VALUE),
                        new HomeTerms.HandOff("b", 1, abc, 2, Long.MIN_VALUE),
                        new HomeTerms.HandOff("c", 1, abc, 2, Long.MIN_VALUE)), ring(2, "a", "b", "c", "d", "e")))) {
            HomeTerms d = new HomeTerms("d", TERM, MARGIN, QUARANTINE);
            if (c.made()) {
                d.joined(c.ring().epoch());
            }
            for (HomeTerms.HandOff h : c.offers()) {
                assertThat(d.offer(h, 9_000)).as(c.why()).isInstanceOf(HomeTerms.None.class);
            }
            assertThat(d.observe(c.ring(), 9_999, 10_000)).as(c.why()).isInstanceOf(HomeTerms.None.class);
            HomeTerms.Assume usual = (HomeTerms.Assume) d.observe(c.ring(), 10_000 + TERM + MARGIN - 1,
                    10_000 + TERM + MARGIN);
            assertThat(usual.received()).as(c.why()).isEmpty();
            assertThat(usual.quarantineUntil()).as(c.why()).isEqualTo(10_000 + TERM + MARGIN + QUARANTINE);
        }
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
        assertThat(early.quarantineUntil()).as("the quarantine began when the keys were gained")
                .isEqualTo(assumedAt + QUARANTINE);
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
