package io.dsync.lock.server.raft;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

/** The evidence a hand-off takes for a closed target: a refused connection, and nothing else. */
class RefusesConnectionsTest {

    @Test
    void aListeningPortDoesNotRefuseAndAClosedOneDoes() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
            assertFalse(RaftLockServer.refusesConnections("127.0.0.1:" + port));
        }
        assertTrue(RaftLockServer.refusesConnections("127.0.0.1:" + port));
    }

    @Test
    void anAddressThatCannotBeTriedIsNoEvidence() {
        assertFalse(RaftLockServer.refusesConnections("no-port"));
        assertFalse(RaftLockServer.refusesConnections("127.0.0.1:not-a-port"));
        assertFalse(RaftLockServer.refusesConnections("host.invalid:1234"));
    }
}
