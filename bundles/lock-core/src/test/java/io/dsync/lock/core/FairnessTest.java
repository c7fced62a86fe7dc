package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.holders;
import static io.dsync.lock.core.Harness.waiters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;

/** FIFO order, batch grants of shared requests and the absence of writer starvation. */
class FairnessTest {

    private final Harness h = new Harness();

    @Test
    void exclusiveWaitersAreGrantedInArrivalOrder() {
        List<SessionId> s = sessions(5);
        Grant g = h.grant(s.get(0), "L", EXCLUSIVE);
        for (int i = 1; i < 5; i++) {
            assertEquals(i - 1, h.queue(s.get(i), "L", EXCLUSIVE));
        }
        List<SessionId> order = new ArrayList<>();
        for (int i = 1; i < 5; i++) {
            h.release(g);
            g = h.grantedEffect(s.get(i));
            order.add(g.sessionId());
        }
        assertEquals(s.subList(1, 5), order);
    }

    @Test
    void waitingWriterBlocksLaterReaders() {
        List<SessionId> s = sessions(4);
        Grant r1 = h.grant(s.get(0), "L", SHARED);
        h.queue(s.get(1), "L", EXCLUSIVE);
        assertEquals(1, h.queue(s.get(2), "L", SHARED), "a reader does not barge past a waiting writer");
        Grant r1again = h.grant(s.get(0), "L", SHARED); // reentrancy is not barging
        assertEquals(2, r1again.holdCount());
        h.release(r1);
        h.release(r1again);
        Grant w = h.grantedEffect(s.get(1));
        assertEquals(List.of(s.get(1)), holders(h.status("L")));
        h.release(w);
        assertEquals(SHARED, h.grantedEffect(s.get(2)).mode());
    }

    @Test
    void writerIsNotStarvedByAContinuousStreamOfReaders() {
        List<SessionId> s = sessions(12);
        List<Grant> readers = new ArrayList<>();
        readers.add(h.grant(s.get(0), "L", SHARED));
        readers.add(h.grant(s.get(1), "L", SHARED));
        SessionId writer = s.get(2);
        h.queue(writer, "L", EXCLUSIVE);
        // Readers keep arriving; each existing reader leaves. The writer must get the lock as soon as
        // the readers that were there before it have left.
        for (int i = 3; i < 12; i++) {
            h.queue(s.get(i), "L", SHARED);
        }
        h.release(readers.get(0));
        assertTrue(h.grantedEffects().isEmpty());
        h.release(readers.get(1));
        assertEquals(writer, h.grantedEffect(writer).sessionId());
        assertEquals(9, h.status("L").waiters().size());
    }

    @Test
    void consecutiveSharedWaitersAtTheHeadAreGrantedTogetherUpToTheNextWriter() {
        List<SessionId> s = sessions(6);
        Grant w = h.grant(s.get(0), "L", EXCLUSIVE);
        h.queue(s.get(1), "L", SHARED);
        h.queue(s.get(2), "L", SHARED);
        h.queue(s.get(3), "L", SHARED);
        h.queue(s.get(4), "L", EXCLUSIVE);
        h.queue(s.get(5), "L", SHARED);
        h.release(w);
        assertEquals(List.of(s.get(1), s.get(2), s.get(3)),
                h.grantedEffects().stream().map(Grant::sessionId).toList());
        assertEquals(List.of(s.get(1), s.get(2), s.get(3)), holders(h.status("L")));
        assertEquals(List.of(s.get(4), s.get(5)), waiters(h.status("L")));
    }

    @Test
    void exclusiveAtTheHeadIsGrantedAlone() {
        List<SessionId> s = sessions(4);
        Grant r = h.grant(s.get(0), "L", SHARED);
        h.queue(s.get(1), "L", EXCLUSIVE);
        h.queue(s.get(2), "L", EXCLUSIVE);
        h.queue(s.get(3), "L", SHARED);
        h.release(r);
        assertEquals(List.of(s.get(1)), h.grantedEffects().stream().map(Grant::sessionId).toList());
    }

    @Test
    void queuedRequestsOfTheNewHolderAreGrantedReentrantly() {
        List<SessionId> s = sessions(3);
        Grant x = h.grant(s.get(0), "L", EXCLUSIVE);
        h.queue(s.get(1), "L", EXCLUSIVE);
        h.queue(s.get(2), "L", SHARED);
        h.queue(s.get(1), "L", SHARED); // another thread of s1, behind s2
        h.release(x);
        List<Grant> grants = h.grantedEffects();
        assertEquals(2, grants.size());
        assertEquals(1, grants.get(0).holdCount());
        assertEquals(2, grants.get(1).holdCount());
        assertEquals(grants.get(0).fencingToken(), grants.get(1).fencingToken());
        assertEquals(List.of(s.get(2)), waiters(h.status("L")));
    }

    @Test
    void cancellingTheHeadWriterLetsTheReadersBehindItIn() {
        List<SessionId> s = sessions(3);
        h.grant(s.get(0), "L", SHARED);
        LockCommand.Acquire writer = h.acquireCommand(s.get(1), "L", EXCLUSIVE, Harness.WAIT);
        h.run(writer);
        h.queue(s.get(2), "L", SHARED);
        assertEquals(new Outcome.Cancelled(), h.run(new LockCommand.CancelWait(s.get(1), writer.callId())));
        assertEquals(SHARED, h.grantedEffect(s.get(2)).mode());
    }

    private List<SessionId> sessions(int n) {
        List<SessionId> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(h.open("s" + i));
        }
        return s;
    }
}
