package io.dsync.lock.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** When a session's settle marks are due, and that they never pass a call it may still need. */
class CallIdsTest {

    @Test
    void aMarkIsDueEverySixtyFourSettledCallsAndNeverPassesAnUnsettledOne() {
        CallIds ids = new CallIds(0);
        long pinned = ids.next(); // a wait that lasts
        List<Long> marks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long mark = ids.settle(ids.next());
            if (mark != 0) {
                marks.add(mark);
            }
        }
        // A first mark once the session has made 64 calls, although the pinned call keeps it at 1; no other.
        assertEquals(List.of(pinned), marks);
        assertEquals(pinned, ids.lowestUnsettled());
        long after = ids.settle(pinned);
        assertEquals(ids.last() + 1, after, "everything settled: the mark moves past the last id");
        assertEquals(0, ids.lowestUnsettled());
        assertEquals(0, ids.settle(ids.next()), "not due again until the mark has moved 64 on");
    }

    @Test
    void aMarkThatCouldNotBeSentIsDueAgain() {
        CallIds ids = new CallIds(0);
        long mark = 0;
        while (mark == 0) {
            mark = ids.settle(ids.next());
        }
        ids.unsent(mark);
        assertEquals(mark + 1, ids.settle(ids.next()));
    }

    @Test
    void aHeldIdOfAPreviousInstanceKeepsTheMarksBelowItUntilSettled() {
        CallIds ids = new CallIds(1_000_000);
        ids.hold(17);
        long mark = 0;
        while (mark == 0) {
            mark = ids.settle(ids.next());
        }
        assertEquals(17, mark);
        assertEquals(1_000_001, ids.last(), "due at once: the counter is past 64");
        assertEquals(ids.last() + 1, ids.settle(17));
    }
}
