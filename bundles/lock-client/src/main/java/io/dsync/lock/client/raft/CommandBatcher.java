package io.dsync.lock.client.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntConsumer;

import io.dsync.lock.LockException;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockCommandCodec;

/**
 * Group commit over one connection: sends commands one request at a time, each request carrying every command queued
 * while the previous one was in flight (up to {@link LockCommandCodec#MAX_BATCH}), which the leader commits as one log
 * entry. A lone command goes out at once.
 *
 * <p>Requests are blocking calls of the {@link Sender} on the executor's threads, one drain loop at a time. Blocking
 * calls are independent of each other, unlike ordered asynchronous writes, where a request abandoned after a timeout
 * would hold back the later ones. A command whose caller has given up (its future is done) before it goes out is
 * dropped.
 *
 * <p>Thread-safe.
 */
final class CommandBatcher {

    /** Sends one batch; blocking. */
    @FunctionalInterface
    interface Sender {

        /**
         * Commits a batch as one request.
         *
         * @param batch 1 to {@link LockCommandCodec#MAX_BATCH} commands
         * @return their outcomes, in the same order
         * @throws Exception when the request failed: every command of the batch fails with it
         */
        List<Outcome> send(List<LockCommand> batch) throws Exception;
    }

    /** A submitted command and the future of its outcome. */
    private record Pending(LockCommand command, CompletableFuture<Outcome> outcome) {
    }

    private final Sender sender;

    private final Executor executor;

    private final IntConsumer onBatch;

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();

    /** Commands in the request in flight; guarded by this. */
    private int inFlight;

    /** Whether a drain loop runs; guarded by this. */
    private boolean sending;

    /**
     * Creates a batcher.
     *
     * @param sender sends a batch
     * @param executor runs the drain loop (one thread while commands keep coming)
     * @param onBatch told the size of each batch sent; must be fast and not throw
     */
    CommandBatcher(Sender sender, Executor executor, IntConsumer onBatch) {
        this.sender = Objects.requireNonNull(sender, "sender");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.onBatch = Objects.requireNonNull(onBatch, "onBatch");
    }

    /** @return the commands queued or in flight */
    synchronized int load() {
        return queue.size() + inFlight;
    }

    /**
     * Queues a command; it goes out with the next request.
     *
     * @param command the command
     * @param outcome completed with its outcome, or exceptionally with the failure of its request
     */
    void add(LockCommand command, CompletableFuture<Outcome> outcome) {
        boolean start;
        synchronized (this) {
            queue.addLast(new Pending(command, outcome));
            start = !sending;
            sending = true;
        }
        if (start) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                List<Pending> dropped;
                synchronized (this) {
                    sending = false;
                    dropped = new ArrayList<>(queue);
                    queue.clear();
                }
                LockException closed = new LockException("the lock client is closed");
                dropped.forEach(p -> p.outcome().completeExceptionally(closed));
            }
        }
    }

    private void drain() {
        while (true) {
            List<Pending> batch = next();
            if (batch.isEmpty()) {
                return;
            }
            send(batch);
        }
    }

    /** Takes the next batch, leaving out commands whose caller gave up; ends the loop when there is none. */
    private synchronized List<Pending> next() {
        List<Pending> batch = new ArrayList<>();
        while (batch.size() < LockCommandCodec.MAX_BATCH && !queue.isEmpty()) {
            Pending p = queue.pollFirst();
            if (!p.outcome().isDone()) {
                batch.add(p);
            }
        }
        inFlight = batch.size();
        sending = !batch.isEmpty();
        return batch;
    }

    private void send(List<Pending> batch) {
        List<LockCommand> commands = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            commands.add(p.command());
        }
        onBatch.accept(commands.size());
        Throwable failure;
        try {
            List<Outcome> outcomes = sender.send(commands);
            if (outcomes.size() == batch.size()) {
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).outcome().complete(outcomes.get(i));
                }
                return;
            }
            failure = new LockException("the leader answered " + batch.size() + " commands with " + outcomes.size()
                    + " outcomes");
        } catch (Exception e) {
            failure = e;
        }
        for (Pending p : batch) {
            p.outcome().completeExceptionally(failure);
        }
    }
}
