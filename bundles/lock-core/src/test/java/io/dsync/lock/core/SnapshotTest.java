package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.granted;
import static io.dsync.lock.core.Harness.queued;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.dsync.lock.SessionId;

/** Snapshots: a restored replica behaves exactly like one that applied the whole log. */
class SnapshotTest {

    @Test
    void emptyMachineRoundTrips() {
        LockStateMachine m = new LockStateMachine();
        LockStateMachine copy = new LockStateMachine();
        copy.restore(m.snapshot());
        assertArrayEquals(m.snapshot(), copy.snapshot());
    }

    @Test
    void restoredMachineRemembersHoldsWaitsUpgradesAndCalls() {
        Harness h = new Harness();
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        SessionId c = h.open("c");
        Grant sa = h.grant(a, "L", SHARED);
        h.grant(b, "L", SHARED);
        LockCommand.Upgrade up = new LockCommand.Upgrade(a, h.call(), "L", sa.fencingToken(), Harness.WAIT);
        queued(h.run(up));
        queued(h.acquire(c, "L", SHARED));
        LockCommand.Acquire m = h.acquireCommand(c, "M", EXCLUSIVE, Harness.WAIT);
        Grant cm = granted(h.run(m));

        Harness restored = new Harness(new LockStateMachine());
        restored.machine.restore(h.machine.snapshot());
        restored.index = h.index;
        restored.time = h.time;
        restored.nextCall = h.nextCall;
        assertArrayEquals(h.machine.snapshot(), restored.machine.snapshot());
        assertEquals(h.machine.locks(), restored.machine.locks());
        assertEquals(h.machine.waitForGraph(), restored.machine.waitForGraph());
        assertEquals(cm, granted(restored.run(m)), "idempotency records survive the snapshot");
        assertEquals(0, queued(restored.run(up)));
        assertEquals(cm, granted(h.run(m)));
        assertEquals(0, queued(h.run(up)));
        // The same further commands give the same results, including the deferred grants.
        Grant sb = new Grant("L", b, SHARED, h.status("L").holders().get(1).fencingToken(), 1, 1000, 0);
        assertEquals(h.release(sb), restored.release(sb));
        assertEquals(h.last, restored.last);
        assertEquals(h.tick(Harness.TTL), restored.tick(Harness.TTL));
        assertArrayEquals(h.machine.snapshot(), restored.machine.snapshot());
    }

    @Test
    void restoredMachineRemembersLostGrantsAndEndedSessions() {
        Harness h = new Harness();
        SessionId a = h.open("a", 60_000);
        SessionId b = h.open("b", 2_000);
        SessionId c = h.open("c", 60_000);
        Grant lost = granted(h.acquire(a, "L", EXCLUSIVE, Harness.WAIT, 1_000));
        h.run(new LockCommand.CloseSession(c));
        h.tick(2_000);
        Harness restored = new Harness();
        restored.machine.restore(h.machine.snapshot());
        for (Harness x : List.of(h, restored)) {
            Harness.rejected(x.machine.apply(100, h.time, new LockCommand.Release(a, 50, "L", lost.fencingToken()))
                    .outcome(), RejectReason.LEASE_EXPIRED);
            Harness.rejected(x.machine.apply(101, h.time, new LockCommand.KeepAlive(b)).outcome(),
                    RejectReason.SESSION_EXPIRED);
            assertEquals(new Outcome.Done(), x.machine.apply(102, h.time, new LockCommand.CloseSession(c)).outcome());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void restoreAtAnyPointThenFurtherCommandsEqualsNoSnapshot(long seed) {
        LockStateMachine original = new LockStateMachine();
        Workload workload = new Workload(seed, original, false);
        List<LockStateMachine> followers = new ArrayList<>();
        for (int step = 0; step < 3_000; step++) {
            if (step % 500 == 250) {
                LockStateMachine follower = new LockStateMachine();
                follower.apply(1, Harness.START, new LockCommand.OpenSession(new SessionId("junk"), "x", 5_000));
                follower.restore(original.snapshot()); // replaces whatever the follower had
                assertArrayEquals(original.snapshot(), follower.snapshot());
                followers.add(follower);
            }
            LockCommand command = workload.next();
            ApplyResult expected = original.apply(workload.index, workload.time, command);
            workload.observe(command, expected);
            for (LockStateMachine follower : followers) {
                assertEquals(expected, follower.apply(workload.index, workload.time, command),
                        "step " + step + ": " + command);
            }
        }
        for (LockStateMachine follower : followers) {
            assertArrayEquals(original.snapshot(), follower.snapshot());
        }
    }

    @Test
    void corruptSnapshotsAreRejectedAndLeaveTheStateUnchanged() {
        Harness h = new Harness();
        SessionId a = h.open("a");
        h.grant(a, "L", EXCLUSIVE);
        byte[] good = h.machine.snapshot();
        Harness other = new Harness();
        other.open("z");
        byte[] before = other.machine.snapshot();
        byte[] badMagic = good.clone();
        badMagic[0] ^= 1;
        byte[] badVersion = good.clone();
        badVersion[7] = 99;
        for (byte[] bad : List.of(Arrays.copyOf(good, good.length - 1), Arrays.copyOf(good, 10), badMagic, badVersion,
                new byte[0])) {
            assertThrows(IllegalArgumentException.class, () -> other.machine.restore(bad));
            assertArrayEquals(before, other.machine.snapshot());
        }
    }

    @Test
    void settleMarksSurviveASnapshotAndVersionThreeReadsWithoutThem() {
        Harness h = new Harness();
        SessionId a = h.open("a");
        LockCommand.Acquire acquire = h.acquireCommand(a, "L", EXCLUSIVE, Harness.WAIT);
        granted(h.run(acquire));
        h.run(new LockCommand.Settle(a, acquire.callId() + 1));
        Harness restored = new Harness();
        restored.machine.restore(h.machine.snapshot());
        Harness.rejected(restored.run(acquire), RejectReason.INVALID);
        assertEquals(1, restored.status("L").holders().get(0).holdCount());

        // A version 3 snapshot of one session (no lost grants, no completed calls) is version 4 without the mark.
        Harness fresh = new Harness();
        fresh.open("a");
        byte[] v4 = fresh.machine.snapshot();
        int mark = 4 + 4 + 8 + 8 + 4 + (4 + 1) + (4 + "client-a".length()) + 8 + 8 + 4 + 4;
        byte[] v3 = new byte[v4.length - 8];
        System.arraycopy(v4, 0, v3, 0, mark);
        System.arraycopy(v4, mark + 8, v3, mark, v4.length - mark - 8);
        v3[7] = 3;
        LockStateMachine old = new LockStateMachine();
        old.restore(v3);
        assertArrayEquals(v4, old.snapshot());
    }

    @Test
    void theLockServersSnapshotFileOfVersionOneIsRead() throws Exception {
        Harness h = new Harness();
        SessionId a = h.open("a");
        SessionId b = h.open("b");
        h.grant(a, "L", EXCLUSIVE);
        queued(h.acquire(b, "L", EXCLUSIVE));
        byte[] core = h.machine.snapshot();
        // The file the lock server wrote before the state machine answered polls itself: "DSRS", version 1, the
        // state machine's snapshot, then its own copies of the waiting calls and of recent outcomes.
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(file);
        out.writeInt(0x44535253);
        out.writeInt(1);
        out.writeInt(core.length);
        out.write(core);
        out.writeInt(1);
        out.writeUTF("b");
        out.writeLong(2);
        out.writeInt(1);
        out.writeUTF("a");
        out.writeLong(1);
        LockValueCodec.writeOutcome(out, new Outcome.Released(0));
        out.writeInt(0x44535253);

        LockStateMachine restored = new LockStateMachine();
        restored.restore(file.toByteArray());
        assertArrayEquals(core, restored.snapshot());

        byte[] truncated = Arrays.copyOf(file.toByteArray(), file.size() - 4);
        assertThrows(IllegalArgumentException.class, () -> new LockStateMachine().restore(truncated));
    }
}
