package io.dsync.console.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Fed with answers captured from a demo node (two sessions, one waiting, then a deadlock broken). */
class LockJsonReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String S1 = "3e6b660f-1ce5-4f44-92e3-5250f87ec3d2";
    static final String S2 = "77c69936-0d70-41a7-8b85-8ab52ee267bf";

    static JsonNode captured(String name) throws IOException {
        try (InputStream in = LockJsonReaderTest.class.getResourceAsStream("/lock-api/" + name)) {
            return JSON.readTree(in);
        }
    }

    @Test
    void readsALockTableWithAWait() throws IOException {
        LockTableSnapshot t = LockJsonReader.table(captured("table-wait.json"));

        assertThat(t.appliedIndex()).isEqualTo(304);
        assertThat(t.logTime()).isEqualTo(Instant.parse("2026-12-04T06:44:24.120Z"));
        assertThat(t.sessions()).isEqualTo(2);
        assertThat(t.lockCount()).isEqualTo(2);
        assertThat(t.truncated()).isFalse();
        assertThat(t.locks()).extracting(LockTableSnapshot.Lock::name).containsExactly("orders/1", "orders/2");
        LockTableSnapshot.Lock o2 = t.locks().get(1);
        assertThat(o2.holders()).containsExactly(new LockTableSnapshot.Holder(S2, "EXCLUSIVE", 291, 1,
                Instant.parse("2026-12-04T06:45:23.164Z")));
        assertThat(o2.waiters()).containsExactly(new LockTableSnapshot.Waiter(S1, "EXCLUSIVE", false,
                Instant.parse("2026-12-04T06:44:23.196Z"), Instant.parse("2026-12-04T06:44:43.196Z")));
        assertThat(t.waitFor()).containsExactly(new LockTableSnapshot.Edge(S1, "orders/2", "EXCLUSIVE", S2));
        assertThat(t.deadlocks()).isEmpty();
    }

    @Test
    void readsTheDeadlocksWithTheirVictimAndCycle() throws IOException {
        LockTableSnapshot t = LockJsonReader.table(captured("table-deadlock.json"));

        assertThat(t.deadlocks()).singleElement().satisfies(d -> {
            assertThat(d.index()).isEqualTo(305);
            assertThat(d.at()).isEqualTo(Instant.parse("2026-12-04T06:44:24.271Z"));
            assertThat(d.lock()).isEqualTo("orders/1");
            assertThat(d.victim()).isEqualTo(S2);
            assertThat(d.cycle()).containsExactly(new LockTableSnapshot.Edge(S2, "orders/1", "EXCLUSIVE", S1),
                    new LockTableSnapshot.Edge(S1, "orders/2", "EXCLUSIVE", S2));
        });
    }

    @Test
    void aTableWithMoreLocksThanListedIsTruncated() throws IOException {
        JsonNode body = captured("table-wait.json");
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("lockCount", 5000);

        assertThat(LockJsonReader.table(body).truncated()).isTrue();
    }

    @Test
    void readsARaftMember() throws IOException {
        RaftMemberStatus m = LockJsonReader.raft("demo", captured("raft.json"));

        assertThat(m).isEqualTo(new RaftMemberStatus("demo", "running", "LEADER", 1, "demo", 318, 318,
                java.util.List.of("demo"), null));
    }

    @Test
    void aMemberThatDoesNotRunYetHasNoNumbers() throws IOException {
        RaftMemberStatus m = LockJsonReader.raft("lock2", JSON.readTree("""
                {"node":"lock2","state":"waiting for 2 more lock nodes","members":[],"peers":{}}"""));

        assertThat(m.state()).isEqualTo("waiting for 2 more lock nodes");
        assertThat(m.role()).isNull();
        assertThat(m.term()).isEqualTo(-1);
        assertThat(m.leader()).isNull();
    }

    @Test
    void anAnswerThatIsNotATableSaysSoInOneLine() throws IOException {
        assertThatThrownBy(() -> LockJsonReader.table(JSON.readTree("[1]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("/lock/table answered something that is not a JSON object");
        assertThatThrownBy(() -> LockJsonReader.table(JSON.readTree("{\"error\":\"x\"}")))
                .hasMessage("/lock/table answered without a 'locks' list");
    }

    @Test
    void anErrorAnswerBecomesItsMessage() throws IOException {
        assertThat(LockJsonReader.error(401, JSON.readTree("{\"error\":\"token\",\"message\":\"wrong token\"}")))
                .isEqualTo("HTTP 401: wrong token");
        assertThat(LockJsonReader.error(502, null)).isEqualTo("HTTP 502");
    }
}
