package io.dsync.queue.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Redis stream ids: strict text form, numeric order. */
class EntryIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"1700000000000-3", "0-0", "1-0", "0-1", "9223372036854775807-9223372036854775807"})
    void parseAndToStringAreInverse(String text) {
        assertThat(EntryId.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void parsesBothParts() {
        assertThat(EntryId.parse("1700000000000-3")).isEqualTo(new EntryId(1_700_000_000_000L, 3));
    }

    @Test
    void ordersNumericallyByMillisThenSequence() {
        List<EntryId> ids = new ArrayList<>(List.of(EntryId.parse("10-0"), EntryId.parse("9-5"),
                EntryId.parse("10-11"), EntryId.parse("10-2"), EntryId.parse("9-10")));
        ids.sort(null);
        assertThat(ids).extracting(EntryId::toString).containsExactly("9-5", "9-10", "10-0", "10-2", "10-11");
        assertThat(new EntryId(Long.MAX_VALUE, 0)).isGreaterThan(new EntryId(1, Long.MAX_VALUE));
    }

    @ParameterizedTest(name = "''{0}'': {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"\"                       | no '-' between millis and sequence",
        "1700000000000              | no '-' between millis and sequence",
        "-3                         | empty millis part",
        "17-                        | empty sequence part",
        "1-2-3                      | more than one '-'",
        "01-2                       | leading zero in the millis part",
        "1-00                       | leading zero in the sequence part",
        "+1-2                       | character '+' at index 0 is not a decimal digit",
        "\" 1-2\"                   | character ' ' at index 0 is not a decimal digit",
        "\"1-2 \"                   | character ' ' at index 3 is not a decimal digit",
        "1x-2                       | character 'x' at index 1 is not a decimal digit",
        "1-*                        | character '*' at index 2 is not a decimal digit",
        "１-2                       | character '１' at index 0 is not a decimal digit",
        "9223372036854775808-0      | millis part exceeds 9223372036854775807",
        "1-99999999999999999999     | sequence part exceeds 9223372036854775807",
    })
    void rejectsAnythingButTheStrictForm(String text, String problem) {
        assertThatThrownBy(() -> EntryId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid entry id '" + text + "': " + problem
                        + "; expected <millis>-<sequence> in decimal digits, e.g. 1700000000000-3");
    }

    @Test
    void rejectsNullAndNegativeParts() {
        assertThatThrownBy(() -> EntryId.parse(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new EntryId(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("entry id millis must not be negative, was -1");
        assertThatThrownBy(() -> new EntryId(0, -2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("entry id sequence must not be negative, was -2");
    }
}
