package io.dsync.lock.client.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.dsync.lock.SessionId;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;

/** How the answers of several groups to one session command make one answer. */
class ShardedLockClientTest {

    private static final SessionId S = new SessionId("s");

    @Test
    void theEarliestExpiryIsTheSessionsExpiry() {
        Outcome answer = ShardedLockClient.conservative(List.of(new Outcome.SessionLive(S, 3_000),
                new Outcome.SessionLive(S, 2_000), new Outcome.SessionLive(S, 2_500)));
        assertEquals(new Outcome.SessionLive(S, 2_000), answer);
    }

    @Test
    void aRejectionFromAnyGroupWins() {
        Outcome expired = Outcome.Rejected.of(RejectReason.SESSION_EXPIRED, "expired");
        assertEquals(expired, ShardedLockClient.conservative(List.of(new Outcome.SessionLive(S, 3_000), expired,
                new Outcome.SessionLive(S, 2_000))));
        assertEquals(new Outcome.Done(), ShardedLockClient.conservative(List.of(new Outcome.Done(), new Outcome.Done())));
    }

    @Test
    void theGroupCountIsChecked() {
        Map<String, InetSocketAddress> peers = Map.of("n1", new InetSocketAddress("127.0.0.1", 9300));
        assertThrows(IllegalArgumentException.class, () -> new ShardedLockClient("c", peers, 0, RaftLockClient.Options.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> new ShardedLockClient("c", peers, 65, RaftLockClient.Options.DEFAULT));
        try (ShardedLockClient client = new ShardedLockClient("c", peers, 4, RaftLockClient.Options.DEFAULT)) {
            assertEquals(4, client.groupCount());
        }
    }
}
