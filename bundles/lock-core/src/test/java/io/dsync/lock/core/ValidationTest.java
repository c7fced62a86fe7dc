package io.dsync.lock.core;

import static io.dsync.lock.LockMode.EXCLUSIVE;
import static io.dsync.lock.LockMode.SHARED;
import static io.dsync.lock.core.Harness.queued;
import static io.dsync.lock.core.Harness.rejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.dsync.lock.InvalidLockRequestException;
import io.dsync.lock.LockMode;
import io.dsync.lock.SessionId;

/** Precise rejections mirroring lock-api's limits, and rejected commands leave the state untouched. */
class ValidationTest {

    private static final SessionId A = new SessionId("a");
    private static final SessionId B = new SessionId("b");
    private static final SessionId GHOST = new SessionId("ghost");
    private static final String LONG_NAME = "x".repeat(257);

    private final Harness h = new Harness();

    @BeforeEach
    void populate() {
        h.open("a");
        h.open("b");
        h.open("c");
        h.grant(A, "L", SHARED);
        h.grant(B, "L", SHARED);
        h.grant(B, "M", EXCLUSIVE);
        queued(h.acquire(new SessionId("c"), "L", EXCLUSIVE));
        queued(h.acquire(A, "M", SHARED));
        h.grant(A, "P", EXCLUSIVE);
    }

    static Stream<Arguments> rejectedCommands() {
        return Stream.of(
                Arguments.of(RejectReason.INVALID, acquire(A, "", EXCLUSIVE, 5_000, 1_000), "must not be empty"),
                Arguments.of(RejectReason.INVALID, acquire(A, LONG_NAME, EXCLUSIVE, 5_000, 1_000), "at most 256"),
                Arguments.of(RejectReason.INVALID, acquire(A, "bad\nname", EXCLUSIVE, 5_000, 1_000), "control"),
                Arguments.of(RejectReason.INVALID, acquire(A, "\uD800", EXCLUSIVE, 5_000, 1_000), "surrogate"),
                Arguments.of(RejectReason.INVALID, acquire(A, "N", EXCLUSIVE, -1, 1_000), "lease must be at least"),
                Arguments.of(RejectReason.INVALID, acquire(A, "N", EXCLUSIVE, 999, 1_000), "lease must be at least"),
                Arguments.of(RejectReason.INVALID, acquire(A, "N", EXCLUSIVE, 86_400_001, 1_000), "at most"),
                Arguments.of(RejectReason.INVALID, acquire(A, "N", EXCLUSIVE, 5_000, -1),
                        "waitTimeout must not be negative"),
                Arguments.of(RejectReason.INVALID, acquire(A, "N", EXCLUSIVE, 5_000, 86_400_001),
                        "waitTimeout must be at most"),
                Arguments.of(RejectReason.UNKNOWN_SESSION, acquire(GHOST, "N", EXCLUSIVE, 5_000, 1_000),
                        "unknown session ghost"),
                Arguments.of(RejectReason.INVALID, new LockCommand.Release(A, 900, "L", 0),
                        "fencingToken must be positive"),
                Arguments.of(RejectReason.INVALID, new LockCommand.Release(A, 900, "", 3), "must not be empty"),
                Arguments.of(RejectReason.NOT_HELD, new LockCommand.Release(A, 900, "N", 3), "does not hold lock 'N'"),
                Arguments.of(RejectReason.NOT_HELD, new LockCommand.Release(A, 900, "M", 3), "does not hold lock 'M'"),
                Arguments.of(RejectReason.UNKNOWN_SESSION, new LockCommand.Release(GHOST, 900, "L", 3),
                        "unknown session"),
                Arguments.of(RejectReason.INVALID, new LockCommand.Renew(A, 900, "L", 3, 500),
                        "lease must be at least"),
                Arguments.of(RejectReason.INVALID, new LockCommand.Upgrade(A, 900, "L", 3, -5), "waitTimeout"),
                Arguments.of(RejectReason.NOT_HELD, new LockCommand.Downgrade(A, 900, "M", 3), "does not hold"),
                Arguments.of(RejectReason.NOT_WAITING, new LockCommand.CancelWait(A, 900), "no waiting call 900"),
                Arguments.of(RejectReason.UNKNOWN_SESSION, new LockCommand.KeepAlive(GHOST), "unknown session"),
                Arguments.of(RejectReason.UNKNOWN_SESSION, new LockCommand.CloseSession(GHOST), "unknown session"),
                Arguments.of(RejectReason.INVALID, new LockCommand.OpenSession(GHOST, "client", 1_999),
                        "ttl must be at least"),
                Arguments.of(RejectReason.INVALID, new LockCommand.OpenSession(GHOST, "client", 3_600_001),
                        "ttl must be at most"),
                Arguments.of(RejectReason.INVALID, new LockCommand.OpenSession(GHOST, "", 5_000), "client id"),
                Arguments.of(RejectReason.INVALID, new LockCommand.OpenSession(A, "someone-else", 5_000),
                        "already in use"),
                Arguments.of(RejectReason.NOT_GRANTABLE,
                        new LockCommand.Acquire(B, 900, "L", EXCLUSIVE, 5_000, 0, true),
                        "holds lock 'L' in SHARED"),
                Arguments.of(RejectReason.NOT_GRANTABLE, new LockCommand.Acquire(A, 900, "M", SHARED, 5_000, 0, true),
                        "not grantable at once"),
                Arguments.of(RejectReason.TIMEOUT, acquire(A, "M", SHARED, 5_000, 0), "timed out after 0s"),
                Arguments.of(RejectReason.DEADLOCK, acquire(A, "L", EXCLUSIVE, 5_000, 1_000), "deadlock detected"),
                Arguments.of(RejectReason.DEADLOCK, acquire(B, "L", EXCLUSIVE, 5_000, 1_000), "deadlock detected"),
                Arguments.of(RejectReason.DEADLOCK, acquire(B, "P", SHARED, 5_000, 1_000),
                        "b -[SHARED 'P']-> a -[SHARED 'M']-> b"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rejectedCommands")
    void rejectedCommandChangesNothing(RejectReason reason, LockCommand command, String message) {
        byte[] before = h.machine.snapshot();
        var lockViews = h.machine.locks();
        var graph = h.machine.waitForGraph();
        ApplyResult result = h.apply(command);
        Outcome.Rejected rejected = rejected(result.outcome(), reason);
        assertTrue(rejected.message().contains(message), () -> "message '" + rejected.message() + "' lacks '"
                + message + "'");
        assertEquals(List.of(), result.effects());
        assertArrayEquals(before, h.machine.snapshot(), "state changed by a rejected command");
        assertEquals(lockViews, h.machine.locks());
        assertEquals(graph, h.machine.waitForGraph());
    }

    @Test
    void upgradeOfTheSecondSharedHolderWhileTheFirstIsUpgradingChangesNothing() {
        Harness fresh = new Harness();
        SessionId a = fresh.open("a");
        SessionId b = fresh.open("b");
        Grant sa = fresh.grant(a, "L", SHARED);
        Grant sb = fresh.grant(b, "L", SHARED);
        queued(fresh.upgrade(sb));
        byte[] before = fresh.machine.snapshot();
        Harness.deadlock(fresh.upgrade(sa));
        assertArrayEquals(before, fresh.machine.snapshot());
    }

    @Test
    void statusRejectsInvalidNamesLikeTheApi() {
        assertThrows(InvalidLockRequestException.class, () -> h.machine.status(""));
        assertThrows(InvalidLockRequestException.class, () -> h.machine.status(LONG_NAME));
        assertThrows(NullPointerException.class, () -> h.machine.status(null));
    }

    @Test
    void commandsRejectNullComponents() {
        assertThrows(NullPointerException.class, () -> new LockCommand.Acquire(A, 1, null, EXCLUSIVE, 1, 1, false));
        assertThrows(NullPointerException.class, () -> new LockCommand.KeepAlive(null));
        assertThrows(NullPointerException.class, () -> h.machine.apply(1, 1, null));
    }

    private static LockCommand.Acquire acquire(SessionId s, String name, LockMode mode, long lease, long wait) {
        return new LockCommand.Acquire(s, 900, name, mode, lease, wait, false);
    }
}
