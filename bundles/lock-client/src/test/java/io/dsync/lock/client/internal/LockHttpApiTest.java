package io.dsync.lock.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.dsync.http.HttpError;
import io.dsync.lock.client.ClientLockService;
import io.dsync.lock.client.LockTransport;

/** How the lock HTTP API answers the lock client's refusals. */
class LockHttpApiTest {

    @Test
    void aClosedLockServiceIsUnavailableNotAClosedSession() {
        LockTransport transport = (LockTransport) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {LockTransport.class}, (p, m, a) -> switch (m.getName()) {
                    case "quorumTimeout" -> Duration.ofSeconds(5);
                    case "close" -> null;
                    default -> CompletableFuture.failedFuture(new IllegalStateException("not in this test"));
                });
        ClientLockService service = new ClientLockService(transport, "test");
        service.close();
        Exception refused = assertThrows(IllegalStateException.class, () -> service.openSession(Duration.ofSeconds(10)));
        // Before, 409 "session", as if the caller's session had been closed: it is the node's client that stops.
        HttpError answer = LockHttpApi.translate(refused);
        assertEquals(503, answer.status());
        assertEquals("unavailable", answer.code());
        assertEquals(409, LockHttpApi.translate(new IllegalStateException("session s1 is closed")).status());
    }
}
