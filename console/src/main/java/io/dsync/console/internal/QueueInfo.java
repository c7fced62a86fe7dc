package io.dsync.console.internal;

/**
 * One queue as a node reports it ({@code GET /queue/queues/{name}}): configuration and totals over its partitions.
 * Immutable.
 *
 * @param name the queue
 * @param partitions how many partitions it has
 * @param deadLetterQueue the queue its dead letters go to, or {@code null}
 * @param messages messages stored (ready, in flight, delayed), over the partitions whose owner answered
 * @param inFlight messages delivered and not yet settled
 * @param deadLetterDue messages that will go to the dead-letter queue at their next expiry
 * @param partitionsReported partitions whose owner answered
 */
record QueueInfo(String name, int partitions, String deadLetterQueue, long messages, long inFlight, long deadLetterDue,
        int partitionsReported) {
}
