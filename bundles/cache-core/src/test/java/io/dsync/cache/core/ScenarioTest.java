package io.dsync.cache.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.dsync.cache.CacheStats;
import io.dsync.cache.CacheUnavailableException;
import io.dsync.cache.WriteMode;
import io.dsync.cache.core.Transition.Cause;

/** Hand-written flows of the protocol, each on a {@link MiniCluster}. */
class ScenarioTest {

    private static final long MS = NodeFixture.MS;
    private static final Timing T = MiniCluster.TIMING;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static Versioned v(String s, long version) {
        return new Versioned(s == null ? null : b(s), version);
    }

    @Test
    void aLoneReaderGetsExclusiveAndThenHitsLocally() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.memory.write("k", v("x", 4), new GrantId(1, 1, 1));

        assertThat(c.run("a", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("x", 4)));
        assertThat(c.state("a", "k")).isEqualTo(LineState.E);
        long id = c.submit("a", new Op.Get("k"));
        assertThat(c.network).isEmpty();
        assertThat(c.results.get(id)).isEqualTo(new OpResult.Read(v("x", 4)));
        assertThat(c.nodes.get("a").stats()).isEqualTo(new CacheStats(1, 1, 0, 0, 0));
        assertThat(c.recovered).as("answered at once: no outage").isEmpty();
        assertThat(c.nodes.get("a").transitions()).containsEntry(
                new Transition(MesiState.INVALID, MesiState.EXCLUSIVE, Cause.READ_MISS), 1L);
    }

    @Test
    void copiesUsedWithinKeepIdleAreRenewedWithoutUseAndLapseAfterIt() {
        Timing keeping = new Timing(T.lease(), T.margin(), T.retry(), T.renewAhead(), T.operationTimeout(),
                3 * T.lease());
        MiniCluster keeps = new MiniCluster(keeping, WriteMode.WRITE_THROUGH, "a");
        MiniCluster lapses = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        for (MiniCluster c : List.of(keeps, lapses)) {
            c.run("a", new Op.Get("k"));
            c.advance(2 * T.lease());
        }
        assertThat(lapses.rights("a", "k")).as("only copies used since their last renewal").isEqualTo(MesiState.INVALID);
        assertThat(keeps.rights("a", "k")).as("used 2 leases ago, within keepIdle").isEqualTo(MesiState.EXCLUSIVE);
        long hit = keeps.submit("a", new Op.Get("k"));
        assertThat(keeps.network).isEmpty();
        assertThat(keeps.results.get(hit)).isEqualTo(new OpResult.Read(Versioned.INITIAL));
        assertThat(keeps.nodes.get("a").stats().hits()).isEqualTo(1);

        keeps.advance(3 * T.lease() + T.lease());
        assertThat(keeps.rights("a", "k")).as("idle for longer than keepIdle").isEqualTo(MesiState.INVALID);
        assertThat(keeps.home.entry("k").map(e -> e.holders().isEmpty()).orElse(true))
                .as("the home let the lapsed lease go").isTrue();
    }

    @Test
    void copiesReadOnlyWithoutTheNodeAreRenewedAndCopiesNotReadLapse() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        CacheNode a = c.nodes.get("a");
        for (String key : List.of("read", "idle")) {
            c.run("a", new Op.Get(key));
            c.run("a", new Op.Get(key)); // a hit through the node publishes the copy
        }
        for (int i = 0; i < 6; i++) { // three leases: a copy that is not renewed lapses within the first
            assertThat(a.readable().read("read", c.now)).as("published, lease running").isNotNull();
            c.advance(T.lease() / 2);
        }
        assertThat(c.rights("a", "read")).as("read through readable() only, and renewed").isEqualTo(MesiState.EXCLUSIVE);
        assertThat(c.rights("a", "idle")).as("not read since: lapsed").isEqualTo(MesiState.INVALID);
        assertThat(a.stats().hits()).as("two hits through the node, six through readable()").isEqualTo(8);
    }

    /**
     * A tick looks only at the lines that are due (their renewal point, their lease's end, or a change since): a copy
     * that a tick passed over at its renewal point (not used since its renewal) and that is used afterwards, within
     * the window, must still be renewed, whether read through the node or through {@code readable()}.
     */
    @Test
    void aCopyFirstUsedInItsRenewalWindowAfterATickPassedItOverIsRenewed() {
        for (boolean throughReadable : List.of(false, true)) {
            MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
            CacheNode a = c.nodes.get("a");
            c.run("a", new Op.Get("k"));
            c.run("a", new Op.Get("k")); // a hit through the node publishes the copy
            c.advance(T.lease() - T.renewAhead() + 100 * MS); // renewed once: the copy had been used
            long renewedUntil = T.lease() - T.renewAhead() + T.lease();
            // Not used since: the tick at the next renewal point passes it over.
            c.advance(T.renewAhead());
            assertThat(c.rights("a", "k")).as("still within its lease").isEqualTo(MesiState.EXCLUSIVE);
            if (throughReadable) {
                assertThat(a.readable().read("k", c.now)).isNotNull();
            } else {
                long hit = c.submit("a", new Op.Get("k"));
                assertThat(c.results.get(hit)).isEqualTo(new OpResult.Read(Versioned.INITIAL));
            }
            c.advance(T.lease() - T.renewAhead());
            assertThat(c.now - 1_000 * MS).as("past the end of the lease it had").isGreaterThan(renewedUntil);
            assertThat(c.rights("a", "k")).as("used in its window: renewed (read through readable: %s)",
                    throughReadable).isEqualTo(MesiState.EXCLUSIVE);
        }
    }

    @Test
    void aTickLooksOnlyAtTheLinesThatAreDue() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        CacheNode a = c.nodes.get("a");
        for (int i = 0; i < 16; i++) {
            c.run("a", new Op.Get("k" + i));
        }
        c.handle("a", a.tick(c.now + 10 * MS));
        assertThat(a.linesLookedAtByLastTick()).as("16 copies, none near its renewal point").isZero();
        c.advance(T.lease() - T.renewAhead() + 100 * MS);
        assertThat(c.nodes.get("a").transitions()).isNotEmpty();
        for (int i = 0; i < 16; i++) {
            assertThat(c.rights("a", "k" + i)).as("used since their grant: renewed").isEqualTo(MesiState.EXCLUSIVE);
        }
        c.handle("a", a.tick(c.now + 10 * MS));
        assertThat(a.linesLookedAtByLastTick()).as("renewed: none is due before its next renewal point").isZero();
    }

    @Test
    void theHomeGrantsFromItsCopyOfMemoryUntilAnOwnerMayHaveWritten() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b").retaining(1 << 20);
        c.memory.write("k", v("x", 4), new GrantId(1, 1, 1));
        c.run("a", new Op.Get("k"));
        assertThat(c.homeReads).isEqualTo(1);
        c.run("a", new Op.Invalidate("k")); // a drops its E copy and, having written nothing, vouches for memory
        assertThat(c.home.retained()).as("nobody holds k; the home keeps its value").isEqualTo(1);
        assertThat(c.home.size()).isZero();

        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("x", 4)));
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.EXCLUSIVE);
        assertThat(c.homeReads).as("granted from the copy").isEqualTo(1);
        assertThat(c.run("a", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("x", 4)));
        assertThat(c.homeReads).as("b's downgrade came back clean").isEqualTo(1);
        assertThat(c.home.grantsFromCopy()).isEqualTo(2);

        c.run("b", new Op.Put("k", b("y"))); // b upgrades (from the copy: nobody owned k) and writes memory
        assertThat(c.homeReads).isEqualTo(1);
        c.run("b", new Op.Invalidate("k")); // b vouches for its write, which main memory confirmed
        assertThat(c.run("a", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("y", 5)));
        assertThat(c.homeReads).isEqualTo(1);

        c.run("b", new Op.Put("k", b("z")));
        c.cut.add("b"); // b's grant never comes back: the home forgets its copy when b's lease runs out
        c.advance(T.lease() + T.margin());
        assertThat(c.run("a", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("z", 6)));
        assertThat(c.homeReads).as("an owner that did not vouch: the home reads memory").isEqualTo(2);
    }

    @Test
    void theHomeKeepsCopiesOfUnheldKeysWithinItsBudgetLeastRecentlyUsedOut() {
        // Each kept key costs 100 bytes, twice the key's length and the value: two fit in 230 bytes, three do not.
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b").retaining(230);
        for (String key : List.of("k1", "k2", "k3")) {
            c.run("a", new Op.Get(key));
            c.run("a", new Op.Invalidate(key));
        }
        assertThat(c.home.retained()).isEqualTo(2);
        int reads = c.homeReads;
        c.run("b", new Op.Get("k3"));
        c.run("b", new Op.Get("k2"));
        assertThat(c.homeReads).as("k2 and k3 kept").isEqualTo(reads);
        c.run("b", new Op.Get("k1"));
        assertThat(c.homeReads).as("k1, the least recently used, was dropped").isEqualTo(reads + 1);
    }

    @Test
    void aSecondReaderDowngradesTheOwnerAndBothShare() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(Versioned.INITIAL));

        assertThat(c.rights("a", "k")).isEqualTo(MesiState.SHARED);
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.SHARED);
        assertThat(c.home.entry("k").orElseThrow().holders()).containsOnlyKeys("a", "b");
    }

    @Test
    void aWriterInvalidatesTheSharersAndWritesThrough() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        c.run("b", new Op.Get("k"));

        assertThat(c.run("a", new Op.Put("k", b("y")))).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.EXCLUSIVE);
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.INVALID);
        assertThat(c.memory.get("k")).isEqualTo(v("y", 1));
        assertThat(c.nodes.get("a").transitions()).containsKey(
                new Transition(MesiState.SHARED, MesiState.EXCLUSIVE, Cause.UPGRADE));
        assertThat(c.nodes.get("b").stats().invalidationsReceived()).isEqualTo(1);
        // b reads the new value from main memory through the home.
        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("y", 1)));
    }

    @Test
    void writeBackUpgradesSilentlyAndWritesBackWhenRecalled() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("a", new Op.Get("k"));
        long put = c.submit("a", new Op.Put("k", b("y")));
        assertThat(c.network).isEmpty();
        assertThat(c.memoryRequests).isEmpty();
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));
        assertThat(c.state("a", "k")).isEqualTo(LineState.M);
        assertThat(c.memory.get("k")).isEqualTo(Versioned.INITIAL);

        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("y", 1)));
        assertThat(c.memory.get("k")).isEqualTo(v("y", 1));
        assertThat(c.state("a", "k")).isEqualTo(LineState.S);
        assertThat(c.nodes.get("a").stats().writeBacks()).isEqualTo(1);
    }

    @Test
    void aSilentSharerDelaysAWriterByAtMostItsLease() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        c.run("b", new Op.Get("k"));
        long grantedAt = c.now;
        c.cut.add("a");

        long put = c.submit("b", new Op.Put("k", b("y")));
        c.settle();
        assertThat(c.results).doesNotContainKey(put);
        c.advance(T.lease() - T.margin() - MS);
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.SHARED);
        assertThat(c.results).doesNotContainKey(put);
        // a's lease ends first by its own count; the home waits for its own, later end, then grants.
        c.advance(2 * MS);
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.INVALID);
        c.advance(T.margin() * 2 + T.retry());
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));
        assertThat(c.now - grantedAt).isLessThanOrEqualTo(T.lease() + T.margin() + T.retry() * 2);
        // The writer sent its request again while it waited: its wait is reported once, as an outage it recovered
        // from, from its request's first sending to the grant; the reader that went silent reported nothing.
        assertThat(c.recovered.get("b")).singleElement().satisfies(w -> assertThat(w)
                .isGreaterThanOrEqualTo(T.lease() - T.margin()).isLessThanOrEqualTo(c.now - grantedAt));
        assertThat(c.recovered).doesNotContainKey("a");
    }

    @Test
    void aGrantWhoseLeaseRanOutOnTheWayIsRequestedAgain() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.hold = e -> e.message() instanceof CoherenceMessage.Grant;
        long get = c.submit("a", new Op.Get("k"));
        c.settle();
        assertThat(c.held).hasSize(1);
        c.now += T.lease();
        c.release();
        // Discarded: its lease counted from the request's send is over; a new request is granted afresh.
        assertThat(c.results).containsKey(get);
        assertThat(c.results.get(get)).isEqualTo(new OpResult.Read(Versioned.INITIAL));
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.EXCLUSIVE);
        assertThat(c.nodes.get("a").line("k", c.now).orElseThrow().expiry()).isGreaterThan(c.now);
    }

    @Test
    void aLostGrantIsSentAgainWithTheSameGrantId() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.hold = e -> e.message() instanceof CoherenceMessage.Grant;
        long put = c.submit("a", new Op.Put("k", b("y")));
        c.settle();
        GrantId first = ((CoherenceMessage.Grant) c.held.remove(0).message()).grant();
        c.hold = e -> false;

        c.advance(T.retry() + MS);
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));
        assertThat(c.nodes.get("a").line("k", c.now).orElseThrow().grant()).isEqualTo(first);
    }

    @Test
    void aLateGrantRevokedBeforeItArrivedIsNotInstalled() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.hold = e -> e.message() instanceof CoherenceMessage.Grant && e.to().equals("a");
        c.submit("a", new Op.Get("k"));
        c.settle();
        // The home granted E to a; b's write revokes it before the grant arrives. a acks without a copy.
        long put = c.submit("b", new Op.Put("k", b("y")));
        c.settle();
        assertThat(c.results.get(put)).isInstanceOf(OpResult.Wrote.class);
        c.release();
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.EXCLUSIVE);
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.INVALID);
        // a asks again and reads b's value.
        c.advance(T.retry() + MS);
        assertThat(c.state("a", "k")).isEqualTo(LineState.S);
        assertThat(c.nodes.get("a").line("k", c.now).orElseThrow().data()).isEqualTo(v("y", 1));
    }

    @Test
    void aRestartedHomeWaitsOutTheLeasesAndGrantsLargerIds() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        GrantId before = c.nodes.get("a").line("k", c.now).orElseThrow().grant();

        c.restartHome(false);
        long restartedAt = c.now;
        long put = c.submit("b", new Op.Put("k", b("y")));
        c.advance(T.lease());
        assertThat(c.results).doesNotContainKey(put);
        c.advance(T.margin() + T.retry());
        assertThat(c.results.get(put)).isInstanceOf(OpResult.Wrote.class);
        assertThat(c.now - restartedAt).isGreaterThanOrEqualTo(T.quarantine());
        GrantId after = c.nodes.get("b").line("k", c.now).orElseThrow().grant();
        assertThat(after).isGreaterThan(before);
        assertThat(after.epoch()).isEqualTo(before.epoch());
    }

    @Test
    void aRestartedHomeToldWhenTheEarlierLeasesEndGrantsFromThenOn() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        // The old home stops (its adapter closes it: nothing reaches it or leaves it any more), and so knows that its
        // leases end by now + lease + margin by its count. Its successor starts half a lease later.
        c.cut.add(MiniCluster.HOME);
        long leasesEnd = c.now + T.lease() + T.margin();
        c.advance(T.lease() / 2);
        c.cut.remove(MiniCluster.HOME);
        long restartedAt = c.now;
        c.restartHome(false, leasesEnd);
        long put = c.submit("b", new Op.Put("k", b("y")));
        c.advance(leasesEnd - c.now - MS);
        assertThat(c.home.state("k")).isEqualTo(HomeState.BLOCKED);
        assertThat(c.results).doesNotContainKey(put);
        c.advance(MS + T.retry());
        assertThat(c.results.get(put)).isInstanceOf(OpResult.Wrote.class);
        assertThat(c.now - restartedAt).as("less than a full quarantine").isLessThan(T.quarantine());
        assertThat(c.rights("a", "k")).as("a's lease is over").isEqualTo(MesiState.INVALID);
    }

    @Test
    void aRestartedHomeThatAdoptsTheRecordsRevokesTheOldHoldersAndRenewsTheirLeases() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        c.run("b", new Op.Get("j"));
        GrantId aGrant = c.nodes.get("a").line("k", c.now).orElseThrow().grant();
        List<HomeDirectory.Holding> records = c.home.holdings(c.now);
        assertThat(records).extracting(HomeDirectory.Holding::key).containsExactlyInAnyOrder("k", "j");

        c.restartHome(false, c.now); // every record carried: no quarantine
        c.home.adopt(c.now, records);
        assertThat(c.home.entry("k").orElseThrow().holders()).containsOnlyKeys("a");
        long restartedAt = c.now;
        long put = c.submit("b", new Op.Put("k", b("y")));
        c.settle();
        assertThat(c.results.get(put)).as("a was invalidated, not waited out").isInstanceOf(OpResult.Wrote.class);
        assertThat(c.now - restartedAt).isLessThan(T.retry());
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.INVALID);
        GrantId bGrant = c.nodes.get("b").line("k", c.now).orElseThrow().grant();
        assertThat(bGrant).isGreaterThan(aGrant);

        // b keeps using j: its renewals reach the new home, which has b's record, so the copy outlives its lease.
        for (int i = 0; i < 4; i++) {
            c.run("b", new Op.Get("j"));
            c.advance(T.lease() / 2);
        }
        assertThat(c.state("b", "j")).isNotEqualTo(LineState.I);
        long hits = c.nodes.get("b").stats().hits();
        c.run("b", new Op.Get("j"));
        assertThat(c.nodes.get("b").stats().hits()).isEqualTo(hits + 1);

        // Records adopted after the directory served a key it did not know the old leases of: refused.
        List<HomeDirectory.Holding> again = c.home.holdings(c.now);
        c.restartHome(false, c.now);
        c.run("a", new Op.Get("j"));
        assertThatThrownBy(() -> c.home.adopt(c.now, again))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'j'");
    }

    @Test
    void recordsOfItsOwnGrantsThatComeBackAreAdoptedAndARefusalAdoptsNothing() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        c.run("b", new Op.Get("k"));
        c.run("b", new Op.Get("j"));
        List<HomeDirectory.Holding> records = c.home.holdings(c.now);
        // k and j were homed elsewhere for a moment (a node joined and left again), and come back to this directory
        // with the records the other home had: grants of this directory's own incarnation.
        c.epoch++;
        c.home.assume(c.now, c.epoch, Long.MAX_VALUE, key -> true, key -> true, c.now);
        c.home.adopt(c.now, records);
        assertThat(c.home.entry("k").orElseThrow().holders()).containsOnlyKeys("a", "b");
        long put = c.submit("a", new Op.Put("k", b("y")));
        c.settle();
        assertThat(c.results.get(put)).as("b was invalidated, not waited out").isInstanceOf(OpResult.Wrote.class);
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.INVALID);

        // The same records once more, now that k was served: refused before anything is adopted (j stays unknown).
        c.epoch++;
        c.home.assume(c.now, c.epoch, Long.MAX_VALUE, key -> true, key -> !key.equals("k"), c.now);
        assertThatThrownBy(() -> c.home.adopt(c.now, records))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'k'");
        assertThat(c.home.entry("j")).isEmpty();
    }

    @Test
    void recordsThatDisagreeAreAdoptedNewestGrantFirst() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b", "c");
        c.run("a", new Op.Get("k"));
        HomeDirectory.Holding stale = c.home.holdings(c.now).get(0);
        assertThat(stale.state()).isEqualTo(MesiState.EXCLUSIVE);
        c.run("a", new Op.Invalidate("k"));
        c.settle();
        c.run("b", new Op.Get("k"));
        List<HomeDirectory.Holding> current = c.home.holdings(c.now);
        assertThat(current).extracting(HomeDirectory.Holding::node).containsExactly("b");
        // Hand-offs merged over two ring changes: a's E record, long revoked, comes before b's live one (a later
        // grant). Keeping the first would leave b unknown to the home, and b's copy would outlive the next write.
        List<HomeDirectory.Holding> merged = new java.util.ArrayList<>(List.of(stale));
        merged.addAll(current);
        c.epoch++;
        c.home.assume(c.now, c.epoch, Long.MAX_VALUE, key -> true, key -> true, c.now);
        c.home.adopt(c.now, merged);
        assertThat(c.home.entry("k").orElseThrow().holders()).containsOnlyKeys("b");
        long put = c.submit("c", new Op.Put("k", b("y")));
        c.settle();
        assertThat(c.results.get(put)).isInstanceOf(OpResult.Wrote.class);
        assertThat(c.rights("b", "k")).as("b's copy was invalidated by the write").isEqualTo(MesiState.INVALID);
    }

    @Test
    void aSuccessorUnderANewEpochRefusesOldEpochsAndQuarantines() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("a", new Op.Get("k"));
        c.restartHome(true);
        c.epoch = 1; // b still believes the old epoch
        long get = c.submit("b", new Op.Get("k"));
        c.settle();
        assertThat(c.home.state("k")).isEqualTo(HomeState.I);
        c.epoch = 2;
        c.advance(T.retry() + MS);
        assertThat(c.home.state("k")).isEqualTo(HomeState.BLOCKED);
        assertThat(c.results).doesNotContainKey(get);
        c.advance(T.quarantine());
        assertThat(c.results.get(get)).isEqualTo(new OpResult.Read(Versioned.INITIAL));
    }

    @Test
    void aGhostWriteOfAFormerOwnerIsFenced() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Get("k"));
        c.holdMemory = true;
        long ghost = c.submit("a", new Op.Put("k", b("ghost")));
        MiniCluster.MemoryRequest delayed = c.memoryRequests.poll();
        c.holdMemory = false;
        c.cut.add("a");
        long put = c.submit("b", new Op.Put("k", b("y")));
        c.advance(T.lease() + T.margin() + T.retry());
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));

        c.cut.remove("a");
        c.runMemory(delayed); // arrives after b's grant raised the fence
        assertThat(c.memory.get("k")).isEqualTo(v("y", 1));
        assertThat(c.results).doesNotContainKey(ghost); // not applied: a asks for ownership again
        assertThat(c.state("a", "k")).isEqualTo(LineState.IM);
        c.advance(T.retry() + MS);
        assertThat(c.results.get(ghost)).isEqualTo(new OpResult.Wrote(v("y", 1), v("ghost", 2)));
    }

    @Test
    void writeThroughRetriesAnUnknownOutcomeAndReportsItIfStillUnknown() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.run("a", new Op.Get("k"));
        c.holdMemory = true;
        long put = c.submit("a", new Op.Put("k", b("y")));
        Effect.WriteMemory w = (Effect.WriteMemory) c.memoryRequests.poll().effect();
        c.holdMemory = false;
        c.handle("a", c.nodes.get("a").onMemory(c.now, new MemoryResult.WriteDone(w.write(), "k",
                MemoryResult.WriteOutcome.FAILED)));
        assertThat(c.memoryRequests).hasSize(1); // the same write again
        c.settle();
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("y", 1)));

        // Failed, then rejected: it may have landed the first time, so the outcome is unknown.
        c.holdMemory = true;
        long second = c.submit("a", new Op.Put("k", b("z")));
        w = (Effect.WriteMemory) c.memoryRequests.poll().effect();
        c.handle("a", c.nodes.get("a").onMemory(c.now, new MemoryResult.WriteDone(w.write(), "k",
                MemoryResult.WriteOutcome.FAILED)));
        w = (Effect.WriteMemory) c.memoryRequests.poll().effect();
        c.handle("a", c.nodes.get("a").onMemory(c.now, new MemoryResult.WriteDone(w.write(), "k",
                MemoryResult.WriteOutcome.REJECTED)));
        assertThat(c.results.get(second)).isInstanceOfSatisfying(OpResult.Failed.class,
                f -> assertThat(f.cause()).isInstanceOf(CacheUnavailableException.class)
                        .hasMessageContaining("may have taken effect"));
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.INVALID);
    }

    @Test
    void anOperationThatCannotReachTheHomeFailsAfterTheTimeout() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.cut.add(MiniCluster.HOME);
        long get = c.submit("a", new Op.Get("k"));
        c.advance(T.operationTimeout() - MS);
        assertThat(c.results).doesNotContainKey(get);
        c.advance(2 * MS);
        assertThat(c.results.get(get)).isInstanceOfSatisfying(OpResult.Failed.class,
                f -> assertThat(f.cause()).isInstanceOf(CacheUnavailableException.class)
                        .hasMessage("get of key 'k' in cache 'c' did not complete within the operation timeout"));
    }

    @Test
    void aComputeRunsWhileOwningAndAFailingFunctionWritesNothing() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("b", new Op.Put("k", b("1")));
        OpResult r = c.run("a", new Op.Compute("k", cur -> Optional.of(b(new String(cur.orElseThrow(),
                StandardCharsets.US_ASCII) + "+1"))));
        assertThat(r).isEqualTo(new OpResult.Wrote(v("1", 1), v("1+1", 2)));
        assertThat(c.rights("b", "k")).isEqualTo(MesiState.INVALID);

        IllegalStateException boom = new IllegalStateException("boom");
        assertThat(c.run("a", new Op.Compute("k", cur -> {
            throw boom;
        }))).isEqualTo(new OpResult.Failed(boom));
        assertThat(c.run("a", new Op.Compute("k", cur -> null))).isInstanceOfSatisfying(OpResult.Failed.class,
                f -> assertThat(f.cause()).isInstanceOf(NullPointerException.class));
        assertThat(c.run("a", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("1+1", 2)));
    }

    @Test
    void conditionalWritesWithNothingToDoAreAnsweredFromASharedCopy() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a", "b");
        c.run("a", new Op.Put("k", b("x")));
        c.run("b", new Op.Get("k"));
        c.settle();
        long pia = c.submit("b", new Op.PutIfAbsent("k", b("y")));
        assertThat(c.network).isEmpty();
        assertThat(c.results.get(pia)).isEqualTo(new OpResult.Read(v("x", 1)));

        assertThat(c.run("b", new Op.Remove("k"))).isEqualTo(new OpResult.Wrote(v("x", 1), v(null, 2)));
        long again = c.submit("b", new Op.Remove("k"));
        assertThat(c.results.get(again)).isEqualTo(new OpResult.Read(v(null, 2)));
        assertThat(c.memory.get("k")).isEqualTo(v(null, 2));
    }

    @Test
    void invalidateAllWritesBackAndReleasesEveryCopy() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a");
        c.run("a", new Op.Put("k1", b("1")));
        c.run("a", new Op.Put("k2", b("2")));
        c.run("a", new Op.Get("k3"));

        assertThat(c.run("a", new Op.InvalidateAll())).isEqualTo(new OpResult.Done());
        assertThat(c.memory.get("k1")).isEqualTo(v("1", 1));
        assertThat(c.memory.get("k2")).isEqualTo(v("2", 1));
        assertThat(c.nodes.get("a").size()).isZero();
        assertThat(c.home.size()).isZero();
        assertThat(c.nodes.get("a").stats().writeBacks()).isEqualTo(2);
    }

    @Test
    void aWriteBackThatMainMemoryFailsPastTheLeaseIsRetriedUntilItIsStored() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("a", new Op.Put("k", b("mine")));
        c.cut.add("a");
        c.holdMemory = true;
        c.advance(T.lease() + T.margin() + T.retry()); // the lease ends: a writes its modified copy back
        // Main memory fails every attempt for two leases (Redis down longer than Redisson retries).
        for (int i = 0; i < 4; i++) {
            MiniCluster.MemoryRequest attempt = c.memoryRequests.poll();
            assertThat(attempt).as("attempt " + i).isNotNull();
            Effect.WriteMemory w = (Effect.WriteMemory) attempt.effect();
            c.handle("a", c.nodes.get("a").onMemory(c.now,
                    new MemoryResult.WriteDone(w.write(), w.key(), MemoryResult.WriteOutcome.FAILED)));
            c.advance(T.lease() / 2);
        }
        assertThat(c.rights("a", "k")).as("an expired copy serves nothing").isEqualTo(MesiState.INVALID);
        c.holdMemory = false;
        c.settle();
        // Before, the first failure after the lease gave the write up: lost though nobody else had written the key.
        assertThat(c.lost).isEmpty();
        assertThat(c.memory.get("k")).isEqualTo(v("mine", 1));
        c.cut.remove("a");
        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("mine", 1)));
    }

    @Test
    void aWriteBackRejectedAfterTheLeaseRanOutIsReportedLost() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("a", new Op.Put("k", b("mine")));
        c.cut.add("a");
        c.holdMemory = true;
        c.advance(T.lease() + T.margin() + T.retry()); // a's rescue write-back waits; the home's lease count ends
        MiniCluster.MemoryRequest rescue = c.memoryRequests.poll();
        c.holdMemory = false;
        c.cut.remove("a");
        assertThat(c.run("b", new Op.Put("k", b("theirs")))).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("theirs", 1)));
        c.runMemory(rescue); // b's grant raised the fence first: a's last attempt is rejected
        assertThat(c.lost).containsExactly(new Effect.WriteLost("k", 1));
        assertThat(c.state("a", "k")).isEqualTo(LineState.I);
        assertThat(c.memory.get("k")).isEqualTo(Versioned.INITIAL);
        assertThat(c.run("b", new Op.Flush())).isEqualTo(new OpResult.Done());
        assertThat(c.memory.get("k")).isEqualTo(v("theirs", 1));
    }

    @Test
    void stoppingGivesUpTheWaitingOperationsAtOnceAndNoneOfThemTakesEffect() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("b", new Op.Put("k", b("b's")));
        c.hold = m -> m.to().equals("a"); // the home's answers to a are kept back
        long put = c.submit("a", new Op.Put("k", b("a's")));
        long behind = c.submit("a", new Op.Get("k"));
        long other = c.submit("a", new Op.Get("other"));
        c.settle();
        assertThat(c.results).doesNotContainKeys(put, behind, other);

        c.handle("a", c.nodes.get("a").abandonWaiting(c.now));
        for (long op : new long[] {put, behind, other}) {
            assertThat(c.results.get(op)).isInstanceOfSatisfying(OpResult.Failed.class,
                    f -> assertThat(f.cause()).isInstanceOf(CacheUnavailableException.class)
                            .hasMessageEndingWith("was given up as the cache of this node stopped; it did not take "
                                    + "effect"));
        }
        assertThat(c.results.get(put)).isInstanceOfSatisfying(OpResult.Failed.class,
                f -> assertThat(f.cause()).hasMessageStartingWith("put of key 'k' in cache 'c'"));
        c.release(); // the grant for the given-up put arrives: it is ignored, the put is not applied
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.INVALID);
        assertThat(c.run("a", new Op.InvalidateAll())).isEqualTo(new OpResult.Done());
        c.advance(T.lease() + 2 * T.margin()); // the home counts the ignored grant's lease
        assertThat(c.run("b", new Op.Get("k"))).isEqualTo(new OpResult.Read(v("b's", 1)));
        assertThat(c.nodes.get("a").abandonWaiting(c.now)).isEmpty();
    }

    @Test
    void stoppingDropsASharedCopyWhoseUpgradeWasGivenUpWithoutWaitingForTheHome() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_BACK, "a", "b");
        c.run("b", new Op.Put("k", b("b's")));
        c.run("a", new Op.Get("k"));
        assertThat(c.rights("a", "k")).isEqualTo(MesiState.SHARED);
        c.cut.add(MiniCluster.HOME); // the home is gone: the upgrade is never answered
        long put = c.submit("a", new Op.Put("k", b("a's")));
        c.handle("a", c.nodes.get("a").abandonWaiting(c.now));
        assertThat(c.results.get(put)).isInstanceOf(OpResult.Failed.class);
        long all = c.submit("a", new Op.InvalidateAll());
        c.settle();
        assertThat(c.results.get(all)).isEqualTo(new OpResult.Done());
        assertThat(c.nodes.get("a").size()).isZero();
    }

    @Test
    void stoppingLeavesAWriteThroughUnderWayToFinish() {
        MiniCluster c = new MiniCluster(WriteMode.WRITE_THROUGH, "a");
        c.run("a", new Op.Get("k"));
        c.holdMemory = true;
        long put = c.submit("a", new Op.Put("k", b("1")));
        long behind = c.submit("a", new Op.Put("k", b("2")));
        c.settle();
        assertThat(c.results).doesNotContainKeys(put, behind);

        c.handle("a", c.nodes.get("a").abandonWaiting(c.now));
        assertThat(c.results).doesNotContainKey(put).containsKey(behind);
        assertThat(c.results.get(behind)).isInstanceOf(OpResult.Failed.class);
        c.holdMemory = false;
        c.settle();
        assertThat(c.results.get(put)).isEqualTo(new OpResult.Wrote(Versioned.INITIAL, v("1", 1)));
        assertThat(c.memory.get("k")).isEqualTo(v("1", 1));
    }
}
