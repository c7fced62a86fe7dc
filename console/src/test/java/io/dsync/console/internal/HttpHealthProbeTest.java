package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class HttpHealthProbeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheAdminBundlesHealthAnswer() throws IOException {
        HealthReport r = HttpHealthProbe.parse(503, JSON.readTree("""
                {"status":"DEGRADED","node":"n1","redis":{"reachable":true,"latencyMicros":350},
                 "problems":["lock-group: no leader"]}"""));

        assertThat(r.reachable()).isTrue();
        assertThat(r.status()).isEqualTo("DEGRADED");
        assertThat(r.problems()).containsExactly("lock-group: no leader");
        assertThat(r.redisReachable()).isTrue();
        assertThat(r.redisLatencyMicros()).isEqualTo(350L);
    }

    @Test
    void anAnswerThatIsNotHealthIsDegradedWithTheReason() throws IOException {
        HealthReport r = HttpHealthProbe.parse(200, JSON.readTree("[1,2]"));

        assertThat(r.status()).isEqualTo("DEGRADED");
        assertThat(r.problems()).singleElement().asString().contains("no JSON object");
    }

    @Test
    void aClosedPortIsUnreachableWithTheReason() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        HealthReport r = new HttpHealthProbe(new AdminHttp(500, "")).probe("http://127.0.0.1:" + port);

        assertThat(r.reachable()).isFalse();
        assertThat(r.problems()).singleElement().asString().contains("ConnectException");
    }
}
