package io.dsync.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class LockValueTypesTest {

    private static final SessionId S1 = new SessionId("s1");
    private static final SessionId S2 = new SessionId("s2");
    private static final SessionId S3 = new SessionId("s3");
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void sessionIdRejectsEmptyOversizedAndNonPrintableValues() {
        assertThat(new SessionId("node-1/4711").toString()).isEqualTo("node-1/4711");
        assertThatThrownBy(() -> new SessionId(""))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("session id must not be empty");
        assertThatThrownBy(() -> new SessionId("s".repeat(129)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("session id must be at most 128 characters, was 129 characters");
        assertThatThrownBy(() -> new SessionId("a b"))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("U+0020 at index 1");
    }

    @Test
    void handleRequiresPositiveTokenAndHoldCount() {
        assertThatThrownBy(() -> new LockHandle("a", LockMode.SHARED, S1, 0, 1, LEASE, T0))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("fencingToken must be positive, was 0");
        assertThatThrownBy(() -> new LockHandle("a", LockMode.SHARED, S1, 7, 0, LEASE, T0))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("holdCount must be at least 1, was 0");
        assertThatThrownBy(() -> new LockHandle("", LockMode.SHARED, S1, 7, 1, LEASE, T0))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lock name must not be empty");
    }

    @Test
    void handleLeaseValidity() {
        LockHandle handle = new LockHandle("a", LockMode.EXCLUSIVE, S1, 7, 1, LEASE, T0.plus(LEASE));

        assertThat(handle.isLeaseValidAt(T0)).isTrue();
        assertThat(handle.isLeaseValidAt(T0.plus(LEASE))).isFalse();
    }

    @Test
    void cycleMustBeClosedChain() {
        WaitEdge e1 = new WaitEdge(S1, "a", LockMode.EXCLUSIVE, S2);
        WaitEdge e2 = new WaitEdge(S2, "b", LockMode.SHARED, S3);
        WaitEdge e3 = new WaitEdge(S3, "c", LockMode.EXCLUSIVE, S1);

        WaitForCycle cycle = new WaitForCycle(List.of(e1, e2, e3));

        assertThat(cycle.sessions()).containsExactly(S1, S2, S3);
        assertThat(cycle).hasToString("s1 -[EXCLUSIVE 'a']-> s2 -[SHARED 'b']-> s3 -[EXCLUSIVE 'c']-> s1");
        assertThatThrownBy(() -> new WaitForCycle(List.of(e1, e3, e2)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("edges do not form a cycle: edge 0 ends at holder s2 but edge 1 starts at waiter s3");
        assertThatThrownBy(() -> new WaitForCycle(List.of(e1, e2)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("edge 1 ends at holder s3 but edge 0 starts at waiter s1");
        assertThatThrownBy(() -> new WaitForCycle(List.of()))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("a wait-for cycle needs at least 1 edge, had 0");
    }

    @Test
    void cycleOfOneEdgeIsASessionWaitingForItself() {
        WaitForCycle self = new WaitForCycle(List.of(new WaitEdge(S1, "a", LockMode.EXCLUSIVE, S1)));

        assertThat(self.sessions()).containsExactly(S1);
        assertThat(new DeadlockException(self)).hasMessageContaining("s1 -[EXCLUSIVE 'a']-> s1").extracting(
                DeadlockException::cycle).isEqualTo(self);
    }

    @Test
    void cycleCopiesItsEdges() {
        List<WaitEdge> edges = new ArrayList<>(List.of(new WaitEdge(S1, "a", LockMode.EXCLUSIVE, S1)));
        WaitForCycle cycle = new WaitForCycle(edges);

        edges.clear();

        assertThat(cycle.edges()).hasSize(1);
        assertThatThrownBy(() -> cycle.edges().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void statusOfFreeLock() {
        LockStatus status = new LockStatus("a", List.of(), List.of(), 0);

        assertThat(status.isFree()).isTrue();
        assertThat(status.mode()).isEmpty();
    }

    @Test
    void statusRejectsExclusiveHolderNextToAnotherHolder() {
        List<LockHolder> holders = List.of(holder(S1, LockMode.EXCLUSIVE, 5), holder(S2, LockMode.SHARED, 6));

        assertThatThrownBy(() -> new LockStatus("a", holders, List.of(), 6))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lock 'a' has an EXCLUSIVE holder s1 and must then have exactly 1 holder, had 2");
    }

    @Test
    void statusRejectsDuplicateHoldersAndTooSmallLastToken() {
        assertThatThrownBy(() -> new LockStatus("a",
                List.of(holder(S1, LockMode.SHARED, 5), holder(S1, LockMode.SHARED, 6)), List.of(), 6))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("session s1 is listed more than once as holder of 'a'");
        assertThatThrownBy(() -> new LockStatus("a", List.of(holder(S1, LockMode.SHARED, 9)), List.of(), 8))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("lastFencingToken 8 is smaller than the token 9 of holder s1");
    }

    @Test
    void statusRequiresUpgradeWaitersToBeSharedHolders() {
        LockWaiter upgrade = new LockWaiter(S2, LockMode.EXCLUSIVE, true, T0, T0.plusSeconds(5));

        LockStatus ok = new LockStatus("a",
                List.of(holder(S1, LockMode.SHARED, 5), holder(S2, LockMode.SHARED, 6)), List.of(upgrade), 6);
        assertThat(ok.mode()).contains(LockMode.SHARED);
        assertThatThrownBy(() -> new LockStatus("a", List.of(holder(S1, LockMode.SHARED, 5)), List.of(upgrade), 6))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("upgrade waiter s2 does not hold 'a' in SHARED mode");
    }

    @Test
    void waiterValidation() {
        assertThatThrownBy(() -> new LockWaiter(S1, LockMode.SHARED, true, T0, T0))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessage("an upgrade waits for EXCLUSIVE mode, was SHARED");
        assertThatThrownBy(() -> new LockWaiter(S1, LockMode.SHARED, false, T0, T0.minusSeconds(1)))
                .isInstanceOf(InvalidLockRequestException.class)
                .hasMessageContaining("must not be before enqueuedAt");
    }

    @Test
    void exceptionMessagesNameTheLock() {
        assertThat(new LockTimeoutException("orders/1", LockMode.EXCLUSIVE, Duration.ofSeconds(5)))
                .hasMessage("timed out after 5s waiting for EXCLUSIVE lock 'orders/1'");
    }

    private static LockHolder holder(SessionId session, LockMode mode, long token) {
        return new LockHolder(session, mode, token, 1, T0.plus(LEASE));
    }
}
