package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** Against a stand-in node (the JDK's HTTP server) answering what a real node answered. */
class HttpLockAdminTest {

    private HttpServer node;
    private String url;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startNode() throws IOException {
        node = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.createContext("/lock/table", ex -> answer(ex, 200, captured("table-wait.json")));
        node.createContext("/lock/raft", ex -> answer(ex, 200, captured("raft.json")));
        node.createContext("/lock/sessions/", ex -> {
            if (ex.getRequestURI().getRawPath().endsWith("/gone")) {
                answer(ex, 404, "{\"error\":\"session\",\"message\":\"no live session gone in the lock table\"}");
            } else {
                requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Authorization"));
                ex.sendResponseHeaders(204, -1);
                ex.close();
            }
        });
        node.start();
        url = "http://127.0.0.1:" + node.getAddress().getPort();
    }

    @AfterEach
    void stopNode() {
        node.stop(0);
    }

    private void answer(HttpExchange ex, int status, String body) throws IOException {
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Authorization"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static String captured(String name) throws IOException {
        try (InputStream in = HttpLockAdminTest.class.getResourceAsStream("/lock-api/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void readsTheTableAndTheRaftMemberWithTheToken() throws Exception {
        HttpLockAdmin admin = new HttpLockAdmin(new AdminHttp(2000, " T "));

        assertThat(admin.table(url, 2000).locks()).hasSize(2);
        assertThat(admin.raft("demo", url).role()).isEqualTo("LEADER");
        assertThat(requests).containsExactly("GET /lock/table?max=2000 Bearer T", "GET /lock/raft Bearer T");
    }

    @Test
    void forceClosesASessionAndReportsARefusalInOneLine() throws Exception {
        HttpLockAdmin admin = new HttpLockAdmin(new AdminHttp(2000, "T"));

        admin.closeSession(url, "3e6b660f-1ce5");
        assertThatThrownBy(() -> admin.closeSession(url, "gone"))
                .isInstanceOf(LockAdmin.LockAdminException.class)
                .hasMessage("HTTP 404: no live session gone in the lock table");
        assertThat(requests).containsExactly("DELETE /lock/sessions/3e6b660f-1ce5?force=true Bearer T",
                "DELETE /lock/sessions/gone?force=true Bearer T");
    }

    @Test
    void aNodeThatIsDownIsAProblemNotAnException() throws Exception {
        node.stop(0);
        HttpLockAdmin admin = new HttpLockAdmin(new AdminHttp(500, ""));

        RaftMemberStatus m = admin.raft("lock-1", url);

        assertThat(m.role()).isNull();
        assertThat(m.problem()).contains("ConnectException");
        assertThatThrownBy(() -> admin.table(url, 10)).isInstanceOf(LockAdmin.LockAdminException.class)
                .hasMessageContaining("GET " + url + "/lock/table?max=10: ConnectException");
    }
}
