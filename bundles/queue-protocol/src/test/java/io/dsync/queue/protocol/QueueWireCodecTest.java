package io.dsync.queue.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.BatchReply;
import io.dsync.queue.protocol.QueueWire.BatchRequest;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.Op;
import io.dsync.queue.protocol.QueueWire.OpReply;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;
import io.dsync.queue.protocol.QueueWire.SendRequest;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.queue.protocol.QueueWire.SettleRequest;

class QueueWireCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static BatchRequest batch() {
        Map<String, String> headers = new HashMap<>();
        headers.put("trace", "ä-✓");
        headers.put("empty", "");
        return new BatchRequest(List.of(
                new Op(new SendRequest("orders", 3, "client/1", List.of(
                        new OutMessage("key-1", new byte[] {0, 1, (byte) 0xff}, headers),
                        new OutMessage(null, new byte[0], Map.of()),
                        new OutMessage("k", new byte[5000], null))), null),
                new Op(null, new SettleRequest("orders", "client/2", "3-1700000000000-0", 2, Action.REQUEUE, 1500)),
                new Op(null, new SettleRequest("orders", null, "3-1-1", 1, null, -1))));
    }

    /** Records with arrays compare their arrays by identity: compare their JSON instead. */
    private static String json(Object value) throws Exception {
        return JSON.writeValueAsString(value);
    }

    @Test
    void batchesRoundTripWithNullsEmptiesAndUnicode() throws Exception {
        BatchRequest request = batch();
        assertThat(json(QueueWireCodec.decodeBatchRequest(QueueWireCodec.encode(request)))).isEqualTo(json(request));
        for (Action a : Action.values()) {
            BatchRequest one = new BatchRequest(List.of(new Op(null, new SettleRequest("q", "c", "0-1-0", 1, a, 0))));
            assertThat(QueueWireCodec.decodeBatchRequest(QueueWireCodec.encode(one))).isEqualTo(one);
        }
        BatchReply reply = new BatchReply(List.of(
                new OpReply(200, List.of("3-1-0", "3-1-1"), null, null, null),
                new OpReply(200, null, new SettleReply(1_700_000_000_123L, 1_700_000_000_000L), null, null),
                new OpReply(409, null, null, QueueWire.STALE, "attempt 2 is not the delivery's current attempt"),
                new OpReply(200, List.of(), null, null, null)));
        assertThat(QueueWireCodec.decodeBatchReply(QueueWireCodec.encode(reply))).isEqualTo(reply);
    }

    @Test
    void pollsRoundTrip() throws Exception {
        PollRequest request = new PollRequest("orders", null, 100, 20_000);
        assertThat(QueueWireCodec.decodePollRequest(QueueWireCodec.encode(request))).isEqualTo(request);
        byte[] payload = new byte[70_000];
        new Random(7).nextBytes(payload);
        PollReply reply = new PollReply(List.of(
                new InDelivery("3-1-0", "k", payload, Map.of("a", "b"), 1, 1L, 2L),
                new InDelivery("3-1-1", null, new byte[0], Map.of(), 9, 3L, 4L)), 5L);
        PollReply back = QueueWireCodec.decodePollReply(QueueWireCodec.encode(reply));
        assertThat(json(back)).isEqualTo(json(reply));
        assertThat(back.deliveries().get(0).payload()).isEqualTo(payload);
        assertThat(QueueWireCodec.decodePollReply(QueueWireCodec.encode(new PollReply(List.of(), 9L))))
                .isEqualTo(new PollReply(List.of(), 9L));
    }

    @Test
    void everyTruncationAndAnyTrailingByteIsRefused() {
        byte[] whole = QueueWireCodec.encode(batch());
        for (int n = 0; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(cut)).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(longer))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("1 bytes after the end of a queue message");
    }

    @Test
    void anotherVersionKindTagOrActionOrAHugeCountIsRefused() {
        byte[] poll = QueueWireCodec.encode(new PollRequest("q", "p", 1, 0));
        assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(poll)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a queue message of kind 'P' where 'B' was expected");
        byte[] v2 = poll.clone();
        v2[0] = 2;
        assertThatThrownBy(() -> QueueWireCodec.decodePollRequest(v2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queue wire format version 2 (this node reads 1)");
        byte[] settle = QueueWireCodec.encode(new BatchRequest(List.of(
                new Op(null, new SettleRequest("q", "c", "i", 1, Action.ACK, 0)))));
        byte[] badTag = settle.clone();
        badTag[6] = 'X'; // version, kind, count (4 bytes), tag
        assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(badTag)).hasMessage("unknown batch call tag 88");
        byte[] badAction = settle.clone();
        badAction[badAction.length - 9] = 9; // the action byte before the 8-byte millis
        assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(badAction)).hasMessage("unknown settle action 9");
        byte[] hugeCount = settle.clone();
        hugeCount[2] = 0x7f; // a count of about two billion calls in a message of a few bytes
        assertThatThrownBy(() -> QueueWireCodec.decodeBatchRequest(hugeCount)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("a count of ");
        assertThatThrownBy(() -> QueueWireCodec.encode(new BatchRequest(List.of(new Op(null, null)))))
                .hasMessage("a batch call is a send or a settlement");
    }
}
