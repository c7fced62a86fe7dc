package io.dsync.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;

class PeerNotReadyFilterTest extends FilterFixture {

    static final String DIVISION = "org.apache.ratis.server.RaftServer$Division";

    @BeforeEach
    void configure() {
        install(new PeerNotReadyFilter(), "org.apache.ratis");
    }

    @Test
    void aClosingMemberRefusingAHeartbeatBecomesOneDebugLine() {
        context.getLogger(DIVISION).error("{}: Failed appendEntries* {}", "lock-1@group-44D2", "lock-2->lock-1#5473-t3",
                new CompletionException(new ServerNotReadyException("lock-1@group-44D2 is not in [STARTING, RUNNING]: "
                        + "current state is CLOSING")));
        assertThat(events.list).hasSize(1);
        ILoggingEvent e = events.list.get(0);
        assertThat(e.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(e.getLoggerName()).isEqualTo(DIVISION);
        assertThat(e.getFormattedMessage()).startsWith("lock-1@group-44D2: Failed appendEntries* lock-2->lock-1#5473-t3 "
                + "(the Raft member is starting or closing: ").contains("current state is CLOSING");
        assertThat(e.getThrowableProxy()).isNull();
    }

    @Test
    void otherFailuresOfRatisAndOtherLoggersAreLoggedAsBefore() {
        context.getLogger(DIVISION).error("{}: Failed appendEntries", "lock-1", new IllegalStateException("log corrupt"));
        context.getLogger("io.dsync.lock.server").error("Lock server failed",
                new ServerNotReadyException("not ready"));
        assertThat(events.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.ERROR, Level.ERROR);
        assertThat(events.list).allSatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    }
}
