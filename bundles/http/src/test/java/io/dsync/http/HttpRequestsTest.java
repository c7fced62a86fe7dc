package io.dsync.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

class HttpRequestsTest {

    private static HttpServletRequest withBody(String body) {
        ByteArrayInputStream in = new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
        ServletInputStream stream = new ServletInputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException();
            }
        };
        return (HttpServletRequest) Proxy.newProxyInstance(HttpRequestsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> {
                    if (m.getName().equals("getInputStream")) {
                        return stream;
                    }
                    throw new UnsupportedOperationException("fake request: " + m.getName());
                });
    }

    @Test
    void aBodyThatIsNotJsonIsRefusedWithWhereItWentWrongAndNothingOfTheParsersSettings() {
        assertThatThrownBy(() -> HttpRequests.jsonBody(withBody("{\"value\": \n hello}")))
                .isInstanceOfSatisfying(HttpError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("the body is not JSON: Unrecognized token 'hello'")
                            .endsWith("(line 2, column 8)")
                            .doesNotContain("REDACTED", "StreamReadFeature", "\n");
                });
    }

    @Test
    void anEmptyBodyIsAnEmptyObjectAndJsonIsRead() {
        assertThat(HttpRequests.jsonBody(withBody("")).isEmpty()).isTrue();
        assertThat(HttpRequests.jsonBody(withBody("{\"value\": \"v\"}")).get("value").asText()).isEqualTo("v");
    }
}
