package io.dsync.testkit.check;

import io.dsync.testkit.history.Operation;
import java.util.Arrays;

/**
 * The queue operations understood by {@link QueueChecker}, for one queue per history. Message ids are chosen by the
 * producer, unique per history, and must not contain commas.
 * <ul>
 *   <li>{@code send <ordering-key> <message-id>} &mdash; {@code ok} once the queue acknowledged the message as
 *       durable; {@code fail} when it definitely was not enqueued; {@code info} when unknown. The key is
 *       {@code nil} for messages without ordering key.</li>
 *   <li>{@code deliver nil} &mdash; one receive by a consumer: invoked before the poll (or on entry of a push
 *       handler), completed {@code ok} with the comma-separated ids received, e.g. {@code m1,m2}, or {@code nil} if
 *       none. Record the interval honestly: the order check relies on it.</li>
 *   <li>{@code ack nil <message-id>} &mdash; the consumer acknowledged a delivery (counted only).</li>
 * </ul>
 * Stateless.
 */
public final class QueueOps {

    /** Type of a send. */
    public static final String SEND = "send";
    /** Type of a receive (poll or push delivery). */
    public static final String DELIVER = "deliver";
    /** Type of an acknowledgement. */
    public static final String ACK = "ack";

    private QueueOps() {
    }

    /**
     * @param orderingKey the message's ordering key, or {@code null}
     * @param messageId the producer-chosen unique message id
     * @return a send
     */
    public static Operation send(String orderingKey, String messageId) {
        return Operation.of(SEND, orderingKey, messageId);
    }

    /** @return a receive; complete it with {@link #delivered(String...)} */
    public static Operation deliver() {
        return Operation.of(DELIVER, null);
    }

    /**
     * @param messageId the id of the acknowledged message
     * @return an acknowledgement
     */
    public static Operation ack(String messageId) {
        return Operation.of(ACK, null, messageId);
    }

    /**
     * @param messageIds the ids received by one {@code deliver}
     * @return the result to complete the {@code deliver} with, {@code null} if none
     */
    public static String delivered(String... messageIds) {
        return messageIds.length == 0 ? null : String.join(",", Arrays.asList(messageIds));
    }
}
