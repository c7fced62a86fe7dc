package io.dsync.lock.client.raft;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.LockException;
import io.dsync.lock.client.Outcomes;

/**
 * Linearizable reads through the leader. Ratis' Netty server RPC (3.1 to 3.3) has no ReadIndex call: a linearizable
 * read that reaches a follower fails there and is never answered, and it does not redirect to the leader either.
 * Reads are therefore sent to the known leader only; when none is known, or the read fails (the leader changed, is
 * down or cut off), the leader is looked up again with a probe that any member answers or redirects, and the read is
 * sent again after the retry delay, until the caller's deadline. A read the state machine rejects is not retried.
 *
 * <p>Each attempt is a blocking call on the executor's threads: asynchronous reads go through a per-server ordered
 * window, where one request to a dead server holds back the following ones.
 *
 * <p>Thread-safe.
 */
final class LeaderReads {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderReads.class);

    /** The members of the group, as reads need them. */
    interface Peers {

        /**
         * Asks the group who leads, with a request any member answers or redirects to the leader.
         *
         * @return the leader's id
         * @throws IOException if no member answered
         */
        String findLeader() throws IOException;

        /**
         * Sends a linearizable read to a member, blocking.
         *
         * @param member the member's id
         * @param query the encoded query
         * @return the encoded answer
         * @throws QueryRejectedException if the state machine rejected the query
         * @throws IOException if the member did not answer it as the leader
         */
        byte[] read(String member, byte[] query) throws IOException;
    }

    /** The state machine rejected a query: a retry would not change that. */
    static final class QueryRejectedException extends IOException {

        private static final long serialVersionUID = 1L;

        QueryRejectedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Peers peers;

    private final Executor executor;

    private final Executor retryDelay;

    /** The last member known to lead, or {@code null}. */
    private volatile String leader;

    /**
     * Creates the reads of a group.
     *
     * @param peers the group's members
     * @param executor runs the blocking attempts
     * @param retryDelay runs the next attempt after a failed one, after a pause
     */
    LeaderReads(Peers peers, Executor executor, Executor retryDelay) {
        this.peers = Objects.requireNonNull(peers, "peers");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
    }

    /**
     * Records the leader learned elsewhere (the server that answered a command).
     *
     * @param id the leader's id
     */
    void leaderIs(String id) {
        leader = id;
    }

    /** @return the member known to lead, or {@code null} */
    String leader() {
        return leader;
    }

    /**
     * Reads through the leader, retrying through the next leader after a failure until the deadline.
     *
     * @param query the encoded query
     * @param deadlineNanos when to give up ({@link System#nanoTime()})
     * @return the encoded answer; fails with {@link QueryRejectedException}, or with the last failure (a
     *     {@link TimeoutException} if none) once the deadline has passed
     */
    CompletableFuture<byte[]> read(byte[] query, long deadlineNanos) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        attempt(query, deadlineNanos, result, null);
        return result;
    }

    private void attempt(byte[] query, long deadlineNanos, CompletableFuture<byte[]> result, Throwable lastFailure) {
        if (result.isDone()) {
            return;
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            result.completeExceptionally(lastFailure != null ? lastFailure
                    : new TimeoutException("no leader answered the read"));
            return;
        }
        String known = leader;
        CompletableFuture<byte[]> answered;
        try {
            answered = CompletableFuture.supplyAsync(() -> call(known, query), executor);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new LockException("the lock client is closed"));
            return;
        }
        answered.whenComplete((answer, error) -> {
            if (error == null) {
                result.complete(answer);
                return;
            }
            Throwable cause = Outcomes.unwrap(error);
            if (cause instanceof QueryRejectedException) {
                result.completeExceptionally(cause);
                return;
            }
            LOG.debug("read via {} failed, looking for the leader again: {}", known, cause.toString());
            leader = null;
            retryDelay.execute(() -> attempt(query, deadlineNanos, result, cause));
        });
    }

    /** One blocking attempt: finds the leader if unknown, then reads through it. */
    private byte[] call(String known, byte[] query) {
        try {
            String target = known;
            if (target == null) {
                target = peers.findLeader();
                leader = target;
            }
            return peers.read(target, query);
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }
}
