package io.dsync.lock.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;

/**
 * What a lock client needs of the replicated lock table: commit a command and learn its outcome, wait for the final
 * outcome of a call that was queued, and read linearizably. {@link ClientLockService} and its sessions are written
 * against this interface only, so their logic (call ids, retries, withdrawals, the mapping of outcomes to API
 * exceptions) can be tested against an in-memory table; {@code RaftLockClient} is the implementation over the lock
 * Raft group.
 *
 * <h2>Failures</h2>
 * Every future completes within a bound: it fails with {@link io.dsync.lock.NoQuorumException} when no majority
 * answered within {@link #quorumTimeout()} (the command may or may not have been committed; re-submitting it with
 * the same call id is safe, since the state machine deduplicates calls), and with a plain
 * {@link io.dsync.lock.LockException} when the server rejected the request as malformed (a version mismatch, not a
 * runtime condition). Futures complete on the transport's threads: dependent actions must not block.
 *
 * <p>Implementations are thread-safe.
 */
public interface LockTransport {

    /**
     * Commits a command and completes with its direct outcome once it is applied.
     *
     * @param command the command
     * @return the outcome; {@link Outcome.Queued} for a request that waits (see {@link #awaitOutcome})
     */
    CompletableFuture<Outcome> submit(LockCommand command);

    /**
     * Waits for the final outcome of a call that was answered {@link Outcome.Queued}.
     *
     * @param sessionId the session of the call
     * @param callId the call id
     * @param timeout how long to wait, non-negative
     * @return {@link PollReply.Resolved} with the final outcome, {@link PollReply.StillWaiting} when {@code timeout}
     *     elapsed first, or {@link PollReply.Unknown} when the table does not know the call (re-submitting the
     *     original command then answers its state)
     */
    CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout);

    /**
     * Reads a lock's status linearizably.
     *
     * @param lockName a valid lock name
     * @return the status
     */
    CompletableFuture<LockStatus> status(String lockName);

    /**
     * Reads the lock table linearizably: the locks in use, the wait-for graph and the latest deadlocks.
     *
     * @param maxLocks how many locks to list at most (1 to {@link io.dsync.lock.protocol.LockQuery.Table#MAX_LOCKS})
     * @return the view
     */
    CompletableFuture<LockTableView> table(int maxLocks);

    /**
     * Returns how long a request may go unanswered before it fails with {@link io.dsync.lock.NoQuorumException}.
     *
     * @return the quorum timeout
     */
    Duration quorumTimeout();
}
