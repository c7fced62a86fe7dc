package io.dsync.queue.node.owner;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.dsync.queue.core.EntryId;
import io.dsync.queue.protocol.QueueWire.OutMessage;

/**
 * The bodies of the messages one partition owner stored, kept until they are acked or dead-lettered, so that a
 * delivery of one of them writes its record without reading the stream entry back: up to {@link #MAX_BYTES} of
 * payloads per owner, and as far as the node's {@link BodyBudget} allows. Only the owner writes the partition (fenced),
 * so a kept body is the stream's. Not thread-safe: the owner's monitor guards it.
 */
final class StoredBodies {

    /** Most payload bytes one owner keeps (a backlog beyond is read from Redis). */
    static final long MAX_BYTES = 1 << 20;

    /** What a delivery needs of a stored message besides its record. */
    record Body(byte[] payload, Map<String, String> headers) {
    }

    private final Map<EntryId, Body> bodies = new HashMap<>();
    private final BodyBudget budget;
    private long bytes;

    StoredBodies(BodyBudget budget) {
        this.budget = budget;
    }

    /** Keeps a stored message's body, while there is room. */
    void keep(EntryId id, OutMessage m) {
        if (bytes + m.payload().length <= MAX_BYTES && budget.take(m.payload().length)) {
            Map<String, String> headers = m.headers() == null || m.headers().isEmpty() ? Map.of()
                    : Collections.unmodifiableMap(new LinkedHashMap<>(m.headers()));
            bodies.put(id, new Body(m.payload(), headers));
            bytes += m.payload().length;
        }
    }

    /** The kept body, or {@code null} (not stored by this owner, or there was no room). */
    Body get(EntryId id) {
        return bodies.get(id);
    }

    /** The message left the partition. */
    void forget(EntryId id) {
        Body b = bodies.remove(id);
        if (b != null) {
            bytes -= b.payload().length;
            budget.giveBack(b.payload().length);
        }
    }

    /** The owner is closed: every body goes, and its memory back to the node. */
    void clear() {
        bodies.clear();
        budget.giveBack(bytes);
        bytes = 0;
    }
}
