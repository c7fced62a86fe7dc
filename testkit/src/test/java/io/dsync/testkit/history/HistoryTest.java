package io.dsync.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

    @Test
    void dumpParsesBackToAnEqualHistoryWhateverTheValues() {
        List<Event> events = List.of(
                new Event(-5, "client 1", EventType.INVOKE, 7, new Operation("write", null,
                        Arrays.asList("nil", null, "", "a b", "say \"hi\"", "back\\slash", "line\nbreak\ttab")), null),
                new Event(-5, "client 1", EventType.OK, 7, new Operation("write", null,
                        Arrays.asList("nil", null, "", "a b", "say \"hi\"", "back\\slash", "line\nbreak\ttab")),
                        "=>"),
                new Event(3, "c2", EventType.INVOKE, 8, Operation.of("send", "caf\u00e9", "#3", "\u0001"), null),
                new Event(4, "c2", EventType.INFO, 8, Operation.of("send", "caf\u00e9", "#3", "\u0001"), "nil"));
        History history = History.of(events);

        String dump = history.dump();
        History parsed = History.parse(dump);

        assertThat(parsed).isEqualTo(history);
        assertThat(parsed.events()).isEqualTo(events);
        assertThat(dump).isEqualTo("""
                -5 "client 1" invoke #7 write nil "nil" nil "" "a b" "say \\"hi\\"" "back\\\\slash" \
                "line\\nbreak\\ttab"
                -5 "client 1" ok #7 write nil "nil" nil "" "a b" "say \\"hi\\"" "back\\\\slash" \
                "line\\nbreak\\ttab" => "=>"
                3 c2 invoke #8 send "caf\u00e9" "#3" "\\u0001"
                4 c2 info #8 send "caf\u00e9" "#3" "\\u0001" => "nil"
                """);
    }

    @Test
    void parsesTheShorthandOfHandWrittenHistories() {
        History history = History.parse("""
                # comments and blank lines are ignored

                10 c1 invoke write x 1
                12 c2 invoke read x
                15 c1 ok
                20 c2 ok read x => 1
                """);

        assertThat(history.dump()).isEqualTo("""
                10 c1 invoke #1 write x 1
                12 c2 invoke #2 read x
                15 c1 ok #1 write x 1
                20 c2 ok #2 read x => 1
                """);
    }

    @Test
    void sortsEventsByTimeKeepingTheOrderOfTies() {
        History history = History.parse("""
                30 c2 invoke #2 read x
                10 c1 invoke #1 write x 1
                30 c1 ok #1
                40 c2 ok #2 => 1
                """);

        assertThat(history.events()).extracting(Event::time).containsExactly(10L, 30L, 30L, 40L);
        assertThat(history.events()).extracting(Event::opId).containsExactly(1L, 2L, 1L, 2L);
        assertThat(history.calls()).extracting(Call::id).containsExactly(1L, 2L);
    }

    @Test
    void reportsTheLineOfEachSyntaxError() {
        assertThatThrownBy(() -> History.parse("10 c1 invoke write x 1\nabc c1 ok"))
                .isInstanceOf(MalformedHistoryException.class)
                .hasMessage("line 2: time is not a number: abc: abc c1 ok");
        assertThatThrownBy(() -> History.parse("10 c1 started write x 1"))
                .hasMessage("line 1: expected invoke, ok, fail or info, found started: 10 c1 started write x 1");
        assertThatThrownBy(() -> History.parse("10 c1 ok #4"))
                .hasMessage("line 1: completion of #4 without an earlier invocation: 10 c1 ok #4");
        assertThatThrownBy(() -> History.parse("10 c1 invoke write x 1\n11 c1 invoke write x 2\n12 c1 ok"))
                .hasMessageContaining("line 3: c1 has 2 outstanding invocations; give the #id");
        assertThatThrownBy(() -> History.parse("10 c1 invoke write x 1\n12 c1 ok write x 2"))
                .hasMessageContaining("line 2: operation differs from the invocation's: write x 1");
        assertThatThrownBy(() -> History.parse("10 c1 invoke write \"x 1"))
                .hasMessageContaining("line 1: unterminated quoted string");
        assertThatThrownBy(() -> History.parse("10 c1 invoke #1 write x 1\n11 c2 ok #1"))
                .hasMessageContaining("line 2: #1 was invoked by c1");
        assertThatThrownBy(() -> History.parse("10 c1 invoke #1 read x\n11 c1 ok #1 => 1 2"))
                .hasMessageContaining("line 2: expected exactly one value after =>");
    }

    @Test
    void rejectsInconsistentEventLists() {
        Operation write = Operation.of("write", "x", "1");

        assertThatThrownBy(() -> History.of(List.of(new Event(5, "c1", EventType.OK, 1, write, null),
                new Event(9, "c1", EventType.INVOKE, 1, write, null))))
                .isInstanceOf(MalformedHistoryException.class)
                .hasMessage("completion without an earlier invocation: 5 c1 ok #1 write x 1");
        assertThatThrownBy(() -> History.of(List.of(new Event(1, "c1", EventType.INVOKE, 1, write, null),
                new Event(2, "c2", EventType.INVOKE, 1, write, null))))
                .hasMessage("duplicate invocation #1: 2 c2 invoke #1 write x 1");
        assertThatThrownBy(() -> History.of(List.of(new Event(1, "c1", EventType.INVOKE, 1, write, null),
                new Event(2, "c1", EventType.OK, 1, write, null), new Event(3, "c1", EventType.INFO, 1, write,
                        null))))
                .hasMessage("#1 completed twice: 3 c1 info #1 write x 1");
    }

    @Test
    void splitsPerKeyAndFilters() {
        History history = History.parse("""
                1 c1 invoke write x 1
                2 c2 invoke write y 2
                3 c1 ok
                4 c3 invoke read nil
                5 c2 fail
                6 c1 invoke read x
                7 c1 ok => 1
                """);

        assertThat(history.byKey()).containsOnlyKeys("x", "y", null);
        assertThat(history.byKey().get("x").dump()).isEqualTo("""
                1 c1 invoke #1 write x 1
                3 c1 ok #1 write x 1
                6 c1 invoke #4 read x
                7 c1 ok #4 read x => 1
                """);
        assertThat(history.forKey(null).calls()).singleElement().matches(Call::isPending);
        assertThat(history.filter(Call::isFail).calls()).extracting(Call::key).containsExactly("y");
        assertThat(history.forKey("absent").isEmpty()).isTrue();
    }
}
