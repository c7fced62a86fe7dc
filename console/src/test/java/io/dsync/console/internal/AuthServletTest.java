package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import at.favre.lib.crypto.bcrypt.BCrypt;

/** {@code POST /auth/login} on a real Jetty: sign-in, refusals, forged origins, throttling. */
class AuthServletTest {

    private Server server;
    private String base;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void start() throws Exception {
        UserDirectory users = UserDirectory.parse(new String[] {
            "alice:admin:" + BCrypt.withDefaults().hashToString(4, "alice-pw".toCharArray())}).directory();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.SESSIONS);
        handler.addServlet(new ServletHolder(new AuthServlet(users,
                new SignInThrottle(Clock.systemUTC(), 3, Duration.ofMinutes(10), 100))), "/auth/*");
        server.setHandler(handler);
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private HttpResponse<String> post(String user, String password, String origin) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/auth/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                        + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8)));
        if (origin != null) {
            req.header("Origin", origin);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRightPasswordSignsInWithANewSessionAndAWrongOneGoesBackToTheForm() throws Exception {
        HttpResponse<String> wrong = post("alice", "nope", base);
        assertThat(wrong.statusCode()).isEqualTo(302);
        assertThat(wrong.headers().firstValue("Location")).get().asString().endsWith("/login?error");

        HttpResponse<String> right = post("alice", "alice-pw", base);
        assertThat(right.statusCode()).isEqualTo(302);
        assertThat(right.headers().firstValue("Location")).get().asString().endsWith("/");
        assertThat(right.headers().allValues("Set-Cookie")).as("a session").isNotEmpty();
    }

    @Test
    void aFormPostedByAnotherSiteIsRefusedEvenWithTheRightPassword() throws Exception {
        HttpResponse<String> forged = post("alice", "alice-pw", "https://evil.example");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().allValues("Set-Cookie")).isEmpty();
        assertThat(post("alice", "alice-pw", null).statusCode()).as("no Origin: not a browser's cross-site post").isEqualTo(302);
        assertThat(post("alice", "alice-pw", "garbage ::").statusCode()).isEqualTo(403);
    }

    @Test
    void afterTooManyFailuresEvenTheRightPasswordIsRefusedUntilTheBudgetRefills() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(post("alice", "guess" + i, base).headers().firstValue("Location")).get().asString().endsWith("?error");
        }
        HttpResponse<String> throttled = post("alice", "alice-pw", base);
        assertThat(throttled.statusCode()).isEqualTo(302);
        assertThat(throttled.headers().firstValue("Location")).get().asString().endsWith("/login?error=throttled");
        assertThat(throttled.headers().allValues("Set-Cookie")).isEmpty();
    }
}
