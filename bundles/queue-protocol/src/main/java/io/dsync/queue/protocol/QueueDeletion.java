package io.dsync.queue.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.redisson.api.RedissonClient;

import io.dsync.queue.QueueException;
import io.dsync.queue.QueueNotFoundException;

/**
 * Deletes a queue and every message in it, an administrator's act (the queue API has no delete: {@code DELETE
 * /queue/queues/{q}}, {@code dsync queue delete}). Three steps, each safe to run again:
 * <ol>
 *   <li>the catalog moves the queue to a deletion entry, atomically refusing when another queue names it as its
 *       dead-letter queue; from then on no node claims its partitions and every node's catalog drops it (within
 *       {@link QueueCatalog#REVALIDATE_NANOS});</li>
 *   <li>every partition is retired ({@link PartitionClaims}): a new epoch fences its owner at once (its next write is
 *       refused, so nothing is delivered or acknowledged after this), claims for the deleted incarnation are refused
 *       from then on (a node whose catalog was read before step 1), and its messages, delivery records and dedup
 *       records are dropped;</li>
 *   <li>the deletion entry goes.</li>
 * </ol>
 * A deletion cut short (Redis failed between the steps) leaves the deletion entry, and running it again finishes it;
 * until then the name cannot be declared again ({@link QueueCatalog.DeletionUnfinishedException}). Consumers of the deleted queue get
 * {@link QueueNotFoundException}: a subscription ends with it.
 */
public final class QueueDeletion {

    private final RedissonClient client;
    private final QueueCatalog catalog;
    private final Function<String[], String> keys;

    /**
     * @param client the node's Redisson client
     * @param catalog the cluster's queues
     * @param keys the node's key function ({@code RedisConnection::key})
     */
    public QueueDeletion(RedissonClient client, QueueCatalog catalog, Function<String[], String> keys) {
        this.client = client;
        this.catalog = catalog;
        this.keys = keys;
    }

    /**
     * What a deletion did.
     *
     * @param queue the queue deleted
     * @param partitions its partitions, all retired
     * @param messages messages dropped (those in the partitions when they were retired)
     * @param resumed whether this finished a deletion that an earlier call began
     */
    public record Deleted(String queue, int partitions, long messages, boolean resumed) {
    }

    /** Refused: other queues send their dead letters to this one. */
    public static final class InUseException extends QueueException {
        private static final long serialVersionUID = 1L;
        private final List<String> deadLetterQueueOf;

        InUseException(String queue, List<String> deadLetterQueueOf) {
            super("queue '" + queue + "' is the dead-letter queue of " + String.join(", ", deadLetterQueueOf.stream()
                    .map(q -> "'" + q + "'").toList()) + ": delete " + (deadLetterQueueOf.size() == 1 ? "that queue"
                    : "those queues") + " first");
            this.deadLetterQueueOf = List.copyOf(deadLetterQueueOf);
        }

        public List<String> deadLetterQueueOf() {
            return deadLetterQueueOf;
        }
    }

    /**
     * Deletes the queue; fails with {@link QueueNotFoundException} (neither declared nor being deleted),
     * {@link InUseException}, or the Redis failure (run it again: it carries on where it stopped).
     */
    public CompletionStage<Deleted> delete(String queue) {
        return catalog.startDeletion(queue).thenCompose(outcome -> {
            if (outcome instanceof QueueCatalog.Deletion.InUse inUse) {
                throw new InUseException(queue, inUse.deadLetterQueueOf());
            }
            if (!(outcome instanceof QueueCatalog.Deletion.Retire retire)) {
                throw new QueueNotFoundException(queue);
            }
            QueueMeta meta = retire.queue();
            List<CompletableFuture<Long>> retired = new ArrayList<>(meta.partitions());
            for (int p = 0; p < meta.partitions(); p++) {
                retired.add(PartitionClaims.retire(client, PartitionKeys.of(keys, queue, p), meta.incarnation())
                        .toCompletableFuture());
            }
            return CompletableFuture.allOf(retired.toArray(CompletableFuture[]::new))
                    .thenCompose(v -> catalog.finishDeletion(queue))
                    .thenApply(v -> new Deleted(queue, meta.partitions(),
                            retired.stream().mapToLong(CompletableFuture::join).filter(n -> n > 0).sum(),
                            retire.resumed()));
        });
    }
}
