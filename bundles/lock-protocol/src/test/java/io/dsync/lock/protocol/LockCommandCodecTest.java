package io.dsync.lock.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.dsync.lock.LockHolder;
import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.LockWaiter;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;
import io.dsync.lock.core.ApplyResult;
import io.dsync.lock.core.Effect;
import io.dsync.lock.core.Grant;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;

class LockCommandCodecTest {

    private static final SessionId S1 = new SessionId("s-1");
    private static final SessionId S2 = new SessionId("s-2");
    private static final Grant GRANT = new Grant("orders/42", S1, LockMode.EXCLUSIVE, 17, 2, 30_000, 1_700_000_030_000L);
    private static final WaitForCycle CYCLE = new WaitForCycle(List.of(
            new WaitEdge(S1, "a", LockMode.EXCLUSIVE, S2), new WaitEdge(S2, "b", LockMode.SHARED, S1)));

    static Stream<LockCommand> commands() {
        return Stream.of(
                new LockCommand.OpenSession(S1, "client-ä", 10_000),
                new LockCommand.KeepAlive(S1),
                new LockCommand.CloseSession(S2),
                new LockCommand.Acquire(S1, 7, "orders/42", LockMode.SHARED, 30_000, 5_000, false),
                new LockCommand.Acquire(S1, Long.MAX_VALUE, "x", LockMode.EXCLUSIVE, 1, 0, true),
                // Out-of-range values must survive encoding: the state machine rejects them, not the codec.
                new LockCommand.Acquire(S1, -1, "", LockMode.EXCLUSIVE, -5, -7, false),
                new LockCommand.Release(S1, 8, "orders/42", 17),
                new LockCommand.Renew(S1, 9, "orders/42", 17, 60_000),
                new LockCommand.Upgrade(S1, 10, "orders/42", 17, 1_000),
                new LockCommand.Downgrade(S1, 11, "orders/42", 18),
                new LockCommand.CancelWait(S2, 12),
                new LockCommand.Settle(S2, 97),
                new LockCommand.BreakDeadlock(S1, "a", CYCLE),
                new LockCommand.BreakDeadlock(S1, "a", CYCLE, 41),
                new LockCommand.BreakDeadlock(S2, "b", new WaitForCycle(List.of(CYCLE.edges().get(1),
                        CYCLE.edges().get(0)))),
                new LockCommand.BreakDeadlock(S1, "orders/42", new WaitForCycle(List.of(
                        new WaitEdge(S1, "orders/42", LockMode.EXCLUSIVE, S1)))),
                // A cycle that does not start with the victim's wait survives too: the state machine rejects it.
                new LockCommand.BreakDeadlock(S2, "", CYCLE),
                new LockCommand.Tick());
    }

    static Stream<Outcome> outcomes() {
        return Stream.concat(Stream.of(
                new Outcome.Granted(GRANT),
                new Outcome.Queued(3),
                new Outcome.Released(0),
                new Outcome.SessionLive(S1, 1_700_000_000_000L),
                new Outcome.Cancelled(),
                new Outcome.Done(),
                Outcome.Rejected.deadlock(CYCLE)),
                Arrays.stream(RejectReason.values()).filter(r -> r != RejectReason.DEADLOCK)
                        .map(r -> Outcome.Rejected.of(r, "because " + r)));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void commandRoundTrips(LockCommand command) {
        byte[] bytes = LockCommandCodec.encodeCommand(command);
        assertEquals(LockCommandCodec.VERSION, bytes[0]);
        assertEquals(command, LockCommandCodec.decodeCommand(bytes));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void entryWrapsTheCommandBytesVerbatim(LockCommand command) {
        byte[] entry = LockCommandCodec.encodeEntry(1_700_000_000_123L, List.of(command));
        byte[] body = LockCommandCodec.encodeCommand(command);
        assertArrayEquals(body, Arrays.copyOfRange(entry, entry.length - body.length, entry.length));
        LockCommandCodec.LogEntry decoded = LockCommandCodec.decodeEntry(new ByteArrayInputStream(entry));
        assertEquals(new LockCommandCodec.LogEntry(1_700_000_000_123L, List.of(command)), decoded);
    }

    @ParameterizedTest
    @MethodSource("outcomes")
    void outcomeRoundTrips(Outcome outcome) {
        assertEquals(outcome, LockCommandCodec.decodeOutcome(LockCommandCodec.encodeOutcome(outcome)));
        PollReply resolved = new PollReply.Resolved(outcome);
        assertEquals(resolved, LockCommandCodec.decodePollReply(LockCommandCodec.encodePollReply(resolved)));
    }

    @Test
    void batchesKeepTheirOrderAndABatchOfOneIsAPlainMessage() {
        List<LockCommand> all = commands().toList();
        List<LockCommand> decoded = LockCommandCodec.decodeCommands(LockCommandCodec.encodeCommands(all));
        assertEquals(all, decoded);
        LockCommand one = all.get(0);
        assertArrayEquals(LockCommandCodec.encodeCommand(one), LockCommandCodec.encodeCommands(List.of(one)));
        assertEquals(List.of(one), LockCommandCodec.decodeCommands(LockCommandCodec.encodeCommand(one)));
        byte[] entry = LockCommandCodec.encodeEntry(7L, all);
        assertEquals(new LockCommandCodec.LogEntry(7L, all), LockCommandCodec.decodeEntry(new ByteArrayInputStream(entry)));

        List<Outcome> outcomes = outcomes().toList();
        assertEquals(outcomes, LockCommandCodec.decodeOutcomes(LockCommandCodec.encodeOutcomes(outcomes)));
        Outcome single = outcomes.get(0);
        assertArrayEquals(LockCommandCodec.encodeOutcome(single), LockCommandCodec.encodeOutcomes(List.of(single)));
        assertEquals(List.of(single), LockCommandCodec.decodeOutcomes(LockCommandCodec.encodeOutcome(single)));
    }

    @Test
    void batchesOutOfBoundsAreRefused() {
        LockCommand keepAlive = new LockCommand.KeepAlive(S1);
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.encodeCommands(List.of()));
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.encodeCommands(
                java.util.Collections.nCopies(LockCommandCodec.MAX_BATCH + 1, keepAlive)));
        byte[] batch = LockCommandCodec.encodeCommands(List.of(keepAlive, keepAlive));
        byte[] countOfOne = batch.clone();
        countOfOne[5] = 1; // the count is an int after version and kind; a batch of one is malformed
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeCommands(countOfOne));
        byte[] truncated = Arrays.copyOf(batch, batch.length - 1);
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeCommands(truncated));
        // An outcome list is not a batch of commands.
        byte[] outcomes = LockCommandCodec.encodeOutcomes(List.of(new Outcome.Done(), new Outcome.Done()));
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeCommands(outcomes));
    }

    @Test
    void applyResultWithEveryEffectRoundTrips() {
        ApplyResult result = new ApplyResult(new Outcome.Released(0), List.of(
                new Effect.WaitCompleted(S2, 4, new Outcome.Granted(GRANT)),
                new Effect.WaitCompleted(S2, 5, Outcome.Rejected.of(RejectReason.TIMEOUT, "timed out")),
                new Effect.GrantEnded(GRANT, Effect.EndCause.LEASE_EXPIRED),
                new Effect.SessionEnded(S1, Effect.EndCause.SESSION_EXPIRED),
                new Effect.SessionEnded(S2, Effect.EndCause.SESSION_CLOSED)));
        assertEquals(result, LockCommandCodec.decodeResult(LockCommandCodec.encodeResult(result)));
        ApplyResult empty = new ApplyResult(new Outcome.Done(), List.of());
        assertEquals(empty, LockCommandCodec.decodeResult(LockCommandCodec.encodeResult(empty)));
    }

    @Test
    void statusRoundTrips() {
        LockStatus shared = new LockStatus("orders/42", List.of(
                new LockHolder(S1, LockMode.SHARED, 5, 1, Instant.ofEpochMilli(1_700_000_030_000L)),
                new LockHolder(S2, LockMode.SHARED, 6, 3, Instant.ofEpochMilli(1_700_000_031_000L))),
                List.of(new LockWaiter(S1, LockMode.EXCLUSIVE, true, Instant.ofEpochMilli(1_700_000_000_000L),
                        Instant.ofEpochMilli(1_700_000_005_000L)),
                        new LockWaiter(new SessionId("s-3"), LockMode.SHARED, false,
                                Instant.ofEpochMilli(1_700_000_001_000L), Instant.ofEpochMilli(1_700_000_001_000L))),
                9);
        LockStatus free = new LockStatus("never-used", List.of(), List.of(), 0);
        assertEquals(shared, LockCommandCodec.decodeStatus(LockCommandCodec.encodeStatus(shared)));
        assertEquals(free, LockCommandCodec.decodeStatus(LockCommandCodec.encodeStatus(free)));
    }

    @Test
    void tableRoundTrips() {
        LockStatus held = new LockStatus("a", List.of(new LockHolder(S1, LockMode.EXCLUSIVE, 5, 1, Instant.ofEpochMilli(1_700_000_030_000L))),
                List.of(new LockWaiter(S2, LockMode.EXCLUSIVE, false, Instant.ofEpochMilli(1_700_000_000_000L),
                        Instant.ofEpochMilli(1_700_000_005_000L))), 5);
        LockTableView view = new LockTableView(120, Instant.ofEpochMilli(1_700_000_010_000L), 2, 3, List.of(held),
                List.of(new WaitEdge(S2, "a", LockMode.EXCLUSIVE, S1)),
                List.of(new LockTableView.Deadlock(99, Instant.ofEpochMilli(1_700_000_009_000L), "a", S1, CYCLE)));
        assertEquals(view, LockCommandCodec.decodeTable(LockCommandCodec.encodeTable(view)));
        LockTableView empty = new LockTableView(0, Instant.EPOCH, 0, 0, List.of(), List.of(), List.of());
        assertEquals(empty, LockCommandCodec.decodeTable(LockCommandCodec.encodeTable(empty)));
        assertThrows(IllegalArgumentException.class, () -> new LockQuery.Table(0));
    }

    @Test
    void queriesAndPollRepliesRoundTrip() {
        LockQuery.AwaitOutcomes poll = new LockQuery.AwaitOutcomes("client-1", 7,
                List.of(new LockQuery.CallRef(S1, 42), new LockQuery.CallRef(S2, 3)), 2_000);
        for (LockQuery q : List.of(new LockQuery.Status("a/b"), poll, new LockQuery.Table(50))) {
            assertEquals(q, LockCommandCodec.decodeQuery(LockCommandCodec.encodeQuery(q)));
        }
        PollAnswer answer = new PollAnswer(false, List.of(
                new PollAnswer.CallReply(new LockQuery.CallRef(S1, 42), new PollReply.Resolved(new Outcome.Granted(GRANT))),
                new PollAnswer.CallReply(new LockQuery.CallRef(S2, 3), new PollReply.Unknown())));
        for (PollAnswer a : List.of(answer, PollAnswer.NOTHING_YET, PollAnswer.NOT_LEADER)) {
            assertEquals(a, LockCommandCodec.decodePollAnswer(LockCommandCodec.encodePollAnswer(a)));
        }
        assertThrows(IllegalArgumentException.class, () -> new LockQuery.AwaitOutcomes("c", 1, List.of(), 1_000));
        assertThrows(IllegalArgumentException.class, () -> new PollAnswer(false, List.of(
                new PollAnswer.CallReply(new LockQuery.CallRef(S1, 1), new PollReply.StillWaiting()))));
        for (PollReply r : List.of(new PollReply.StillWaiting(), new PollReply.Unknown())) {
            assertEquals(r, LockCommandCodec.decodePollReply(LockCommandCodec.encodePollReply(r)));
        }
    }

    @Test
    void aBreakDeadlockIsTheTagTheVictimTheLockAndTheCycleAsInOutcomes() {
        LockCommand.BreakDeadlock command = new LockCommand.BreakDeadlock(S1, "a", CYCLE);
        byte[] bytes = LockCommandCodec.encodeCommand(command);
        assertEquals(11, bytes[2], "the command tag");
        byte[] outcome = LockCommandCodec.encodeOutcome(Outcome.Rejected.deadlock(CYCLE));
        byte[] cycle = Arrays.copyOfRange(outcome, outcome.length - (bytes.length - 3 - 7 - 5), outcome.length);
        assertArrayEquals(cycle, Arrays.copyOfRange(bytes, 3 + 7 + 5, bytes.length),
                "the cycle is encoded as in a deadlock outcome");
        // Edges that do not chain into a cycle (the last holder changed from s-1 to s-3) are refused.
        byte[] broken = bytes.clone();
        broken[broken.length - 1] = '3';
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LockCommandCodec.decodeCommand(broken));
        assertTrue(e.getMessage().contains("cycle"), e::getMessage);
    }

    @Test
    void malformedInputIsRejectedWithIllegalArgumentException() {
        byte[] good = LockCommandCodec.encodeCommand(new LockCommand.KeepAlive(S1));
        byte[] wrongVersion = good.clone();
        wrongVersion[0] = 9;
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        byte[] unknownTag = good.clone();
        unknownTag[2] = 99;
        for (byte[] bad : List.of(wrongVersion, truncated, trailing, unknownTag, new byte[0])) {
            assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeCommand(bad));
        }
        // A command message is not an outcome message.
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeOutcome(good));
        // An invalid session id (space) inside otherwise well-formed bytes.
        byte[] badSession = LockCommandCodec.encodeCommand(new LockCommand.KeepAlive(new SessionId("s-x")));
        badSession[badSession.length - 2] = ' ';
        assertThrows(IllegalArgumentException.class, () -> LockCommandCodec.decodeCommand(badSession));
    }
}
