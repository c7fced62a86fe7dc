package io.dsync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MessageTest {

    private static final byte[] PAYLOAD = "hello".getBytes(StandardCharsets.UTF_8);

    @Test
    void buildsFluently() {
        Message message = Message.of("customer-17", PAYLOAD).withHeader("trace-id", "t1").withHeader("a", "b");

        assertThat(message.key()).isEqualTo("customer-17");
        assertThat(message.payload()).isEqualTo(PAYLOAD);
        assertThat(message.headers()).containsExactly(Map.entry("a", "b"), Map.entry("trace-id", "t1"));
        assertThat(Message.of(PAYLOAD).key()).isNull();
    }

    @Test
    void copiesPayloadInAndOut() {
        byte[] payload = PAYLOAD.clone();
        Message message = Message.of(payload);

        payload[0] = 'X';
        message.payload()[1] = 'Y';

        assertThat(message.payload()).isEqualTo(PAYLOAD);
        assertThat(message.payloadSize()).isEqualTo(5);
        assertThat(message.payloadBuffer().isReadOnly()).isTrue();
    }

    @Test
    void copiesHeadersAndMakesThemUnmodifiable() {
        Map<String, String> headers = new HashMap<>(Map.of("a", "1"));
        Message message = new Message(null, PAYLOAD, headers);

        headers.put("b", "2");

        assertThat(message.headers()).containsOnlyKeys("a");
        assertThatThrownBy(() -> message.headers().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void equalityComparesPayloadContent() {
        assertThat(Message.of("k", PAYLOAD)).isEqualTo(Message.of("k", PAYLOAD.clone()))
                .hasSameHashCodeAs(Message.of("k", PAYLOAD.clone()))
                .isNotEqualTo(Message.of("k", new byte[] {1}));
        assertThat(Message.of("k", PAYLOAD).toString()).contains("payload=5 bytes").doesNotContain("hello");
    }

    @Test
    void rejectsEmptyOversizedAndControlCharacterKeys() {
        assertThatThrownBy(() -> Message.of("", PAYLOAD))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("message key must not be empty; use null for no key");
        assertThat(Message.of("k".repeat(256), PAYLOAD).key()).hasSize(256);
        assertThatThrownBy(() -> Message.of("k".repeat(257), PAYLOAD))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("at most 256 UTF-8 bytes, was 257 bytes");
        assertThatThrownBy(() -> Message.of("\u20ac".repeat(86), PAYLOAD))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 258 bytes");
        assertThatThrownBy(() -> Message.of("a\tb", PAYLOAD))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("U+0009 at index 1");
    }

    @Test
    void rejectsNullPayloadAndNullHeaders() {
        assertThatNullPointerException().isThrownBy(() -> Message.of("k", null)).withMessage("payload");
        assertThatNullPointerException().isThrownBy(() -> new Message("k", PAYLOAD, null)).withMessage("headers");
        assertThatNullPointerException().isThrownBy(() -> Message.of(PAYLOAD).withHeader("a", null))
                .withMessage("value of header 'a'");
    }

    @Test
    void rejectsInvalidHeaderNames() {
        assertThatThrownBy(() -> Message.of(PAYLOAD).withHeader("", "v"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("header name must be 1 to 128")
                .hasMessageContaining("was '' (0 characters)");
        assertThatThrownBy(() -> Message.of(PAYLOAD).withHeader("h".repeat(129), "v"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("(129 characters)");
        assertThatThrownBy(() -> Message.of(PAYLOAD).withHeader("content type", "v"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessageContaining("was 'content type'");
    }

    @Test
    void rejectsReservedHeaderPrefixInAnyCase() {
        assertThatThrownBy(() -> Message.of(PAYLOAD).withHeader("DSync-Original-Queue", "x"))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("header name 'DSync-Original-Queue' uses the reserved prefix 'dsync-'");
    }

    @Test
    void rejectsOversizedHeaderValuesAndTooManyHeaders() {
        assertThat(Message.of(PAYLOAD).withHeader("v", "x".repeat(4096)).headers()).containsKey("v");
        assertThatThrownBy(() -> Message.of(PAYLOAD).withHeader("v", "x".repeat(4097)))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("value of header 'v' must be at most 4096 UTF-8 bytes, was 4097 bytes");

        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < 65; i++) {
            headers.put("h" + i, "v");
        }
        assertThatThrownBy(() -> new Message(null, PAYLOAD, headers))
                .isInstanceOf(InvalidQueueRequestException.class)
                .hasMessage("a message must have at most 64 headers, had 65");
    }
}
