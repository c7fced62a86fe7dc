package io.dsync.queue.node.owner;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Where a partition owner sends the messages it dead-letters: the dead-letter queue, through the queue service. */
@FunctionalInterface
public interface DeadLetterSink {

    /**
     * Stores a message in a dead-letter queue. A retried call with the same call id must not store it twice.
     *
     * @return completes once the message is durable in the dead-letter queue
     */
    CompletionStage<?> send(String deadLetterQueue, String callId, String key, byte[] payload, Map<String, String> headers);
}
