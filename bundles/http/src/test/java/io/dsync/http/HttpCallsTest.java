package io.dsync.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.http.HttpCalls.Reply;

class HttpCallsTest {

    final FakeHttp.Log log = new FakeHttp.Log();

    JsonNode json(FakeHttp.Response r) throws IOException {
        return HttpJson.mapper().readTree(r.text());
    }

    @Test
    void aReplyIsWrittenAsJsonWithItsStatus() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("GET", "/x"), resp.servlet, log.logger, () -> Reply.of(201, Map.of("id", 7)));
        assertThat(resp.status).isEqualTo(201);
        assertThat(resp.contentType).isEqualTo("application/json");
        assertThat(resp.headers).containsEntry("Cache-Control", "no-store");
        assertThat(json(resp).path("id").asInt()).isEqualTo(7);
        assertThat(log.events).isEmpty();
    }

    @Test
    void anHttpErrorIsWrittenInTheOneShapeAndNotLogged() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("POST", "/lock/sessions/s/acquire"), resp.servlet, log.logger, () -> {
            throw new HttpError(409, "deadlock", "a cycle", FakeHttp.ordered("cycle", List.of("s1", "s2")));
        });
        assertThat(resp.status).isEqualTo(409);
        assertThat(resp.text()).isEqualTo(HttpJson.mapper().writeValueAsString(
                FakeHttp.ordered("error", "deadlock", "message", "a cycle", "cycle", List.of("s1", "s2"))));
        assertThat(resp.headers).doesNotContainKey("WWW-Authenticate");
        assertThat(log.events).isEmpty();
    }

    @Test
    void aRefusedTokenNamesTheRealm() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("POST", "/bundles"), resp.servlet, log.logger, () -> {
            throw new HttpError(401, HttpError.TOKEN, "wrong admin token");
        });
        assertThat(resp.status).isEqualTo(401);
        assertThat(resp.headers).containsEntry("WWW-Authenticate", "Bearer realm=\"dsync\"");
        assertThat(json(resp).path("error").asText()).isEqualTo("token");
        assertThat(json(resp).path("message").asText()).isEqualTo("wrong admin token");
    }

    @Test
    void anUnexpectedExceptionIsA500LoggedOnceAtErrorWithItsStackTrace() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        IllegalStateException bug = new IllegalStateException("table is inconsistent");
        HttpCalls.handle(FakeHttp.request("GET", "/lock/table"), resp.servlet, log.logger, () -> {
            throw bug;
        });
        assertThat(resp.status).isEqualTo(500);
        assertThat(json(resp).path("error").asText()).isEqualTo("internal");
        assertThat(json(resp).path("message").asText()).contains("table is inconsistent");
        assertThat(log.events).hasSize(1);
        assertThat(log.events.get(0).level()).isEqualTo("ERROR");
        assertThat(log.events.get(0).message()).contains("GET /lock/table");
        assertThat(log.events.get(0).thrown()).isSameAs(bug);
    }

    @Test
    void aBundleTranslatesItsOwnExceptions() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("POST", "/x"), resp.servlet, log.logger,
                e -> e instanceof java.util.concurrent.TimeoutException ? HttpError.conflict("timeout", e.getMessage()) : null,
                () -> {
                    throw new java.util.concurrent.TimeoutException("not granted within 5 s");
                });
        assertThat(resp.status).isEqualTo(409);
        assertThat(json(resp).path("error").asText()).isEqualTo("timeout");
        assertThat(log.events).isEmpty();
    }

    @Test
    void anInterruptedCallAnswers503AndStaysInterrupted() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        try {
            HttpCalls.handle(FakeHttp.request("POST", "/x"), resp.servlet, log.logger, () -> {
                throw new InterruptedException();
            });
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(resp.status).isEqualTo(503);
        assertThat(json(resp).path("error").asText()).isEqualTo("interrupted");
        assertThat(log.at("ERROR")).isEmpty();
    }

    @Test
    void aClientThatHungUpWhileWeWroteIsLoggedOnceAtDebugWithoutStackTrace() {
        IOException[] hangUps = {new EofException(new IOException("Broken pipe")), new EofException("Closed"),
                new IOException("Broken pipe"), new IOException("Connection reset by peer"),
                new IOException("write failed", new java.net.SocketException("Connection reset"))};
        for (IOException hangUp : hangUps) {
            FakeHttp.Log log = new FakeHttp.Log();
            FakeHttp.Response resp = new FakeHttp.Response(hangUp);
            HttpCalls.handle(FakeHttp.request("GET", "/health"), resp.servlet, log.logger, () -> Reply.of(503, Map.of("status", "DEGRADED")));
            assertThat(log.events).as(hangUp.toString()).hasSize(1);
            assertThat(log.events.get(0).level()).isEqualTo("DEBUG");
            assertThat(log.events.get(0).message()).contains("GET /health").contains("hung up");
            assertThat(log.events.get(0).thrown()).isNull();
        }
    }

    @Test
    void aClientThatHungUpWhileTheCallReadOrWroteIsLoggedAtDebugToo() {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("POST", "/bundles"), resp.servlet, log.logger, () -> {
            throw new EofException("Early EOF");
        });
        assertThat(log.events).extracting(FakeHttp.LogEvent::level).containsExactly("DEBUG");
        assertThat(log.events.get(0).thrown()).isNull();
        assertThat(resp.committed).isFalse();
    }

    @Test
    void anotherWriteFailureIsAWarningWithoutStackTrace() {
        FakeHttp.Response resp = new FakeHttp.Response(new IOException("write timed out"));
        HttpCalls.handle(FakeHttp.request("GET", "/metrics"), resp.servlet, log.logger, () -> Reply.ok(Map.of()));
        assertThat(log.events).extracting(FakeHttp.LogEvent::level).containsExactly("WARN");
        assertThat(log.events.get(0).thrown()).isNull();
    }

    @Test
    void aBodyThatCannotBeSerializedIsA500NotHalfADocument() throws Exception {
        FakeHttp.Response resp = new FakeHttp.Response();
        Object unserializable = new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                throw new IllegalStateException("boom");
            }
        };
        HttpCalls.handle(FakeHttp.request("GET", "/x"), resp.servlet, log.logger, () -> Reply.ok(unserializable));
        assertThat(resp.status).isEqualTo(500);
        assertThat(json(resp).path("error").asText()).isEqualTo("internal");
        assertThat(log.at("ERROR")).hasSize(1);
    }

    @Test
    void aCallThatWroteItsOwnAnswerIsLeftAlone() {
        FakeHttp.Response resp = new FakeHttp.Response();
        HttpCalls.handle(FakeHttp.request("GET", "/metrics/prometheus"), resp.servlet, log.logger, () -> {
            resp.servlet.setStatus(200);
            resp.servlet.getOutputStream().write("x 1\n".getBytes());
            return Reply.written();
        });
        assertThat(resp.status).isEqualTo(200);
        assertThat(resp.text()).isEqualTo("x 1\n");
        assertThat(log.events).isEmpty();
    }

    @Test
    void clientGoneIsRecognizedOnlyForHangUps() {
        assertThat(HttpCalls.isClientGone(new EofException())).isTrue();
        assertThat(HttpCalls.isClientGone(new RuntimeException(new IOException("Broken pipe")))).isTrue();
        assertThat(HttpCalls.isClientGone(new java.io.EOFException("truncated zip"))).isFalse();
        assertThat(HttpCalls.isClientGone(new IOException("No space left on device"))).isFalse();
        assertThat(HttpCalls.isClientGone(new IllegalStateException("Broken pipe"))).isFalse();
        assertThat(HttpCalls.isClientGone(null)).isFalse();
    }

    @Test
    void errorsAndRepliesCheckWhatTheyAreGiven() {
        assertThatThrownBy(() -> new HttpError(200, "x", "y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpError(400, " ", "y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpError(400, "x", "y", Map.of("message", "z"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.of(42, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(HttpError.notFound("no bundle 7").status()).isEqualTo(404);
        assertThat(HttpError.invalid("bad").code()).isEqualTo("invalid");
        assertThat(new HttpError(400, "x", "y").getStackTrace()).isEmpty();
    }
}
