package io.dsync.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;

class ClientHangUpFilterTest extends FilterFixture {

    @BeforeEach
    void configure() {
        install(new ClientHangUpFilter(), "org.apache.felix.http");
    }

    @Test
    void aHangUpLoggedByFelixHttpBecomesOneDebugLineWithoutStackTrace() {
        context.getLogger("org.apache.felix.http").error("Exception while processing request to /health",
                new IOException("write failed", new IOException("Broken pipe")));
        assertThat(events.list).hasSize(1);
        ILoggingEvent e = events.list.get(0);
        assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(e.getLoggerName()).isEqualTo("org.apache.felix.http");
        assertThat(e.getFormattedMessage()).contains("Exception while processing request to /health").contains("the client hung up");
        assertThat(e.getThrowableProxy()).isNull();
    }

    @Test
    void otherFailuresAndOtherLoggersAreLoggedAsBefore() {
        context.getLogger("org.apache.felix.http").error("Exception while processing request to /x", new IllegalStateException("bug"));
        context.getLogger("io.dsync.redis").warn("Redis: {} failed", "ping", new IOException("Connection reset by peer"));
        assertThat(events.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.ERROR, Level.WARN);
        assertThat(events.list).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    }

    @Test
    void theThrowableMayComeAsTheLastArgument() {
        context.getLogger("org.apache.felix.http.jetty").warn("{} failed", "GET /metrics", new IOException("Connection reset by peer"));
        assertThat(events.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.DEBUG);
        assertThat(events.list.get(0).getFormattedMessage()).startsWith("GET /metrics failed (the client hung up");
    }

    @Test
    void withoutDebugTheHangUpIsSimplyNotLogged() {
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
        context.getLogger("org.apache.felix.http").error("Exception while processing request to /health", new IOException("Broken pipe"));
        assertThat(events.list).isEmpty();
    }
}
