package io.dsync.lock.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** What a leader stamps into its entries, against wall clocks that are off or step. */
class LeaderClockTest {

    private static final long GAP = 2_000;
    private static final long MS = 1_000_000;

    private final AtomicLong wall = new AtomicLong(1_000_000);
    private final AtomicLong nanos = new AtomicLong(5_000 * MS);
    private final LeaderClock clock = new LeaderClock(wall::get, nanos::get, GAP);

    private void pass(long millis) {
        wall.addAndGet(millis);
        nanos.addAndGet(millis * MS);
    }

    @Test
    void aNewLeaderWhoseWallClockIsAheadCarriesOnTheLogClockInstead() {
        long logClock = wall.get(); // the previous leader stamped the last entry now, with a clock in step
        clock.applied();
        pass(300); // the election
        wall.addAndGet(1_500); // this member's wall clock is 1.5 s ahead: less than the outage gap
        clock.lead(logClock);
        assertEquals(logClock + 300, clock.now());
        pass(1_000);
        assertEquals(logClock + 1_300, clock.now(), "before, 1.5 s more: every lease would end that much early");
    }

    @Test
    void aStepOfTheLeadersWallClockMovesNoStamp() {
        clock.applied();
        clock.lead(wall.get());
        long before = clock.now();
        wall.addAndGet(1_900);
        pass(100);
        assertEquals(before + 100, clock.now());
        wall.addAndGet(-10_000); // backwards, too
        assertEquals(before + 100, clock.now());
    }

    @Test
    void aWallClockBehindTheLogDoesNotHoldTheClockBack() {
        long logClock = wall.get() + 1_000; // the previous leader's clock was ahead
        clock.applied();
        pass(200);
        clock.lead(logClock);
        assertEquals(logClock + 200, clock.now());
    }

    @Test
    void aLogClockFurtherBehindThanTheOutageGapStartsFromTheWallClock() {
        long logClock = wall.get();
        pass(60_000); // every member down for a minute: restarted, each replays the log now
        clock.applied();
        clock.lead(logClock);
        assertEquals(wall.get(), clock.now(), "a jump every replica treats as an outage");
        // A group that starts for the first time: nothing applied, the log clock at 0.
        LeaderClock fresh = new LeaderClock(wall::get, nanos::get, GAP);
        fresh.lead(0);
        assertEquals(wall.get(), fresh.now());
    }

    @Test
    void aLogThatNeverHadAStampStartsFromTheWallClock() {
        // LockStateMachine's clock before its first entry; wall - clock overflows.
        LeaderClock first = new LeaderClock(wall::get, nanos::get, GAP);
        first.lead(Long.MIN_VALUE);
        assertEquals(wall.get(), first.now(), "nothing applied yet");
        clock.applied(); // the group's configuration entry, say
        pass(400);
        clock.lead(Long.MIN_VALUE);
        assertEquals(wall.get(), clock.now(), "something applied, nothing stamped");
    }

    @Test
    void aFollowerStampsNothingOfItsOwnAndANewTermStartsAgainFromTheLog() {
        clock.applied();
        clock.lead(wall.get());
        clock.follow();
        wall.addAndGet(700);
        assertEquals(wall.get(), clock.now(), "not leading: the wall clock, as before (Ratis refuses its proposals)");
        long logClock = wall.get() - 700;
        clock.applied();
        pass(50);
        clock.lead(logClock);
        assertEquals(logClock + 50, clock.now());
    }
}
