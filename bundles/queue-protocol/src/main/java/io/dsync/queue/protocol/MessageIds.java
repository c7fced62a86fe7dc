package io.dsync.queue.protocol;

import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.MessageId;

/**
 * Message ids name where a message lives: {@code <partition>-<stream entry id>}, e.g. {@code 3-1733150000000-0}. The
 * id is assigned when the message is made durable and stays the same across redeliveries, so an ack finds the
 * partition (and through the ring, its owner) from the id alone.
 */
public final class MessageIds {

    private MessageIds() {
    }

    /** A message id split into its partition and its stream entry id ({@code <millis>-<sequence>}). */
    public record Parsed(int partition, String entry) {
    }

    public static MessageId of(int partition, String entry) {
        return new MessageId(partition + "-" + entry);
    }

    /**
     * @param id a message id made by {@link #of}
     * @param partitions the queue's partition count
     * @return its parts
     * @throws InvalidQueueRequestException if the id was not made by this service for a queue of that many partitions
     */
    public static Parsed parse(MessageId id, int partitions) {
        String value = id.value();
        int dash = value.indexOf('-');
        int second = dash < 0 ? -1 : value.indexOf('-', dash + 1);
        if (dash <= 0 || second <= dash + 1 || second == value.length() - 1) {
            throw invalid(id);
        }
        try {
            int partition = Integer.parseInt(value.substring(0, dash));
            Long.parseLong(value.substring(dash + 1, second));
            Long.parseLong(value.substring(second + 1));
            if (partition < 0 || partition >= partitions) {
                throw invalid(id);
            }
            return new Parsed(partition, value.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw invalid(id);
        }
    }

    private static InvalidQueueRequestException invalid(MessageId id) {
        return new InvalidQueueRequestException("id", "'" + id + "' is not a message id of this queue");
    }
}
