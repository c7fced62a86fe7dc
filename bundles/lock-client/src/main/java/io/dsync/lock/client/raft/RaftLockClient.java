package io.dsync.lock.client.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import io.dsync.lock.LockException;
import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.client.LockTransport;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockCommandCodec;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;
import io.dsync.metrics.OutageClock;

/**
 * The {@link LockTransport} over the lock Raft group: a facade over parts with one job each.
 * <ul>
 *   <li>{@link CommandBatcher}, one per command connection: group commit (the commands submitted while a request is
 *       in flight go out together as one log entry); a command goes to the connection with the least work;</li>
 *   <li>{@link OutcomePoller}: one long-poll of the leader for all the calls this client waits for;</li>
 *   <li>{@link LeaderReads}: linearizable reads (statuses, the table, the polls) through the known leader;</li>
 *   <li>{@link RaftClientPool}: the Ratis clients under all of them.</li>
 * </ul>
 * This class adds the bounds and the error mapping of {@link LockTransport}: every request fails with
 * {@link NoQuorumException} when no leader backed by a majority answered within the
 * {@linkplain Options#quorumTimeout() quorum timeout} (writes are retried by Ratis against other servers and after
 * leader changes until then; reads and polls through the next leader), and with a plain {@link LockException} when the
 * server rejected it as malformed. It also measures outages ({@link #onRecovery}).
 *
 * <p>Futures complete on the client's own threads or Ratis threads; callers must not block in dependent actions.
 * Thread-safe.
 */
public final class RaftLockClient implements LockTransport, AutoCloseable {

    /**
     * Client timeouts and the number of command connections.
     *
     * @param quorumTimeout how long a command or read may take before it fails with
     *     {@link NoQuorumException}; covers leader elections (choose at least 2 maximal election
     *     timeouts plus the time of a commit)
     * @param pollWindow how long a leader may hold one long-poll before answering "still waiting";
     *     also bounds one read attempt (window + 0.5 s), so keep it below a third of the quorum timeout
     * @param writeConnections how many command requests may be in flight at once, each on its own connection
     *     and carrying a batch. One (the default) makes the largest batches and the fewest requests, which was
     *     fastest wherever client and servers share the CPUs (see {@code docs/benchmarks.md}); more overlap the
     *     round trips of several batches when the leader has CPU to spare.
     */
    public record Options(Duration quorumTimeout, Duration pollWindow, int writeConnections) {

        /** The most command connections a client may open. */
        public static final int MAX_WRITE_CONNECTIONS = 64;

        /** 5 s quorum timeout (2 maximal default elections and margin), 1 s poll window, one command connection. */
        public static final Options DEFAULT = new Options(Duration.ofSeconds(5), Duration.ofSeconds(1));

        /**
         * Validates the options.
         *
         * @param quorumTimeout the quorum timeout, at least 100 ms
         * @param pollWindow the poll window, positive
         * @param writeConnections 1 to {@value #MAX_WRITE_CONNECTIONS}
         * @throws NullPointerException if a component is {@code null}
         * @throws IllegalArgumentException if a value is out of range
         */
        public Options {
            Objects.requireNonNull(quorumTimeout, "quorumTimeout");
            Objects.requireNonNull(pollWindow, "pollWindow");
            if (quorumTimeout.toMillis() < 100 || pollWindow.toMillis() <= 0) {
                throw new IllegalArgumentException("quorumTimeout must be at least 100 ms and pollWindow positive, were "
                        + quorumTimeout + " and " + pollWindow);
            }
            if (writeConnections < 1 || writeConnections > MAX_WRITE_CONNECTIONS) {
                throw new IllegalArgumentException("writeConnections must be 1 to " + MAX_WRITE_CONNECTIONS + ", was "
                        + writeConnections);
            }
        }

        /**
         * Options with one command connection.
         *
         * @param quorumTimeout the quorum timeout, at least 100 ms
         * @param pollWindow the poll window, positive
         */
        public Options(Duration quorumTimeout, Duration pollWindow) {
            this(quorumTimeout, pollWindow, 1);
        }

        /**
         * Returns these options with another number of command connections.
         *
         * @param connections 1 to {@value #MAX_WRITE_CONNECTIONS}
         * @return the options
         */
        public Options withWriteConnections(int connections) {
            return new Options(quorumTimeout, pollWindow, connections);
        }
    }

    /** How much longer than the poll window a read attempt may take. */
    private static final long READ_MARGIN_MILLIS = 500;

    private final Options options;

    private final ExecutorService executor;
    /**
     * Fires each request's bound. Its own thread, not the common pool's delayer (on 1 or 2 cores that makes a thread
     * per task) nor {@link #executor}; shut down without dropping what is scheduled, so bounds fire after close() too.
     */
    private final ScheduledThreadPoolExecutor timeouts;

    private final RaftClientPool pool;

    private final CommandBatcher[] batchers;

    private final LeaderReads reads;

    private final OutcomePoller poller;

    private volatile LongConsumer onRecovery = nanos -> { };

    /** Requests that failed for want of a majority, until the next success. */
    private final OutageClock outages = new OutageClock(nanos -> onRecovery.accept(nanos));

    private volatile IntConsumer onBatch = n -> { };

    /**
     * Creates a client of a group. No connection is made before the first request.
     *
     * @param group the Raft group, e.g. {@link LockRaftGroup#group(String, java.util.Map)}
     * @param options the timeouts and connections
     * @throws NullPointerException if an argument is {@code null}
     */
    public RaftLockClient(RaftGroup group, Options options) {
        LockRaftGroup.configureNetty();
        Objects.requireNonNull(group, "group");
        this.options = Objects.requireNonNull(options, "options");
        long quorum = options.quorumTimeout().toMillis();
        // A command or leader probe that has no reply after 250 ms (less with a quorum timeout under 2.5 s) makes the
        // pool ask the members which of them leads (RaftClientPool): the same member as before, leading since before
        // the request, means a slow commit, which the client keeps waiting for; another means a leader that froze or
        // was cut off, and the request goes to the new one at once (election timeouts 200-400 ms). A command sent
        // twice is not applied twice: the lock table answers a command it has applied (same session and call id) with
        // its first outcome. Measured with dsync bench failover: docs/benchmarks.md.
        long attempt = Math.max(100, Math.min(250, quorum / 10));
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dsync-lock-client-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timeouts = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dsync-lock-client-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.setRemoveOnCancelPolicy(true);
        Executor retryDelay = CompletableFuture.delayedExecutor(RaftClientPool.RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS,
                executor);
        this.pool = new RaftClientPool(group, options.writeConnections(), attempt, quorum,
                options.pollWindow().toMillis() + READ_MARGIN_MILLIS, executor);
        this.batchers = new CommandBatcher[options.writeConnections()];
        for (int i = 0; i < batchers.length; i++) {
            int slot = i;
            batchers[i] = new CommandBatcher(batch -> commit(slot, batch), executor, n -> onBatch.accept(n));
        }
        this.reads = new LeaderReads(pool, executor, retryDelay);
        this.poller = new OutcomePoller(UUID.randomUUID().toString(), this::poll, options.pollWindow(), retryDelay);
    }

    /**
     * Returns the timeouts of this client.
     *
     * @return the options
     */
    public Options options() {
        return options;
    }

    @Override
    public Duration quorumTimeout() {
        return options.quorumTimeout();
    }

    // ---------------------------------------------------------------- commands

    @Override
    public CompletableFuture<Outcome> submit(LockCommand command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        long invoked = System.nanoTime();
        leastLoaded().add(command, outcome);
        return bounded(outcome, options.quorumTimeout(), "command " + command.getClass().getSimpleName())
                .whenComplete((o, e) -> track(invoked, e));
    }

    /** The batcher with the fewest commands queued or in flight; the first such one on a tie. */
    private CommandBatcher leastLoaded() {
        CommandBatcher best = batchers[0];
        int min = best.load();
        for (int i = 1; i < batchers.length && min > 0; i++) {
            int load = batchers[i].load();
            if (load < min) {
                best = batchers[i];
                min = load;
            }
        }
        return best;
    }

    /** Commits a batch through the writer of a slot; blocking. */
    private List<Outcome> commit(int slot, List<LockCommand> batch) throws IOException {
        Message message = Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeCommands(batch)));
        RaftClientReply reply = pool.write(slot, message);
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("the lock group failed the request without a reason");
        }
        reads.leaderIs(reply.getServerId().toString());
        return LockCommandCodec.decodeOutcomes(reply.getMessage().getContent().toByteArray());
    }

    /**
     * Sets what is told, after an outage, how long it lasted: from the invocation of the first command that found no
     * majority to the completion of the next command that did. This is the partition recovery time as this client
     * sees it.
     *
     * @param onRecovery receives the outage in nanoseconds; must be fast and not throw
     */
    public void onRecovery(LongConsumer onRecovery) {
        this.onRecovery = Objects.requireNonNull(onRecovery, "onRecovery");
    }

    /**
     * Sets what is told the number of commands of each request sent to the leader (1 when commands do not overlap;
     * more under concurrency, when group commit batches them).
     *
     * @param onBatch receives the command count; must be fast and not throw
     */
    public void onBatch(IntConsumer onBatch) {
        this.onBatch = Objects.requireNonNull(onBatch, "onBatch");
    }

    private void track(long invokedNanos, Throwable error) {
        if (error == null) {
            outages.succeeded();
        } else if (Outcomes.unwrap(error) instanceof NoQuorumException) {
            outages.failed(invokedNanos);
        }
    }

    // ---------------------------------------------------------------- reads and polls

    @Override
    public CompletableFuture<LockStatus> status(String lockName) {
        return read(new LockQuery.Status(lockName), options.quorumTimeout(), "status of '" + lockName + "'")
                .thenApply(LockCommandCodec::decodeStatus);
    }

    @Override
    public CompletableFuture<LockTableView> table(int maxLocks) {
        return read(new LockQuery.Table(maxLocks), options.quorumTimeout(), "lock table")
                .thenApply(LockCommandCodec::decodeTable);
    }

    @Override
    public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(timeout, "timeout");
        return poller.await(new LockQuery.CallRef(sessionId, callId), timeout);
    }

    /** One long-poll: may take the poll window on top of the time to find a leader. */
    private CompletableFuture<PollAnswer> poll(LockQuery.AwaitOutcomes query) {
        return read(query, options.quorumTimeout().plusMillis(query.windowMillis()),
                "poll of " + query.calls().size() + " waiting call(s)").thenApply(LockCommandCodec::decodePollAnswer);
    }

    private CompletableFuture<byte[]> read(LockQuery query, Duration budget, String what) {
        return bounded(reads.read(LockCommandCodec.encodeQuery(query), System.nanoTime() + budget.toNanos()), budget,
                what);
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * Bounds a future by {@code timeout} and maps its failures: a rejection by the state machine becomes a
     * {@link LockException}, any other failure (no leader, no majority, a transport failure) a
     * {@link NoQuorumException}.
     */
    private <T> CompletableFuture<T> bounded(CompletableFuture<T> future, Duration timeout, String what) {
        CompletableFuture<T> result = new CompletableFuture<>();
        future.whenComplete((value, error) -> {
            Throwable cause = error == null ? null : Outcomes.unwrap(error);
            if (cause == null) {
                result.complete(value);
            } else if (cause instanceof StateMachineException || cause instanceof LeaderReads.QueryRejectedException) {
                result.completeExceptionally(new LockException("lock server rejected the " + what + ": "
                        + cause.getMessage(), cause));
            } else if (cause instanceof LockException e) {
                result.completeExceptionally(e);
            } else {
                result.completeExceptionally(noQuorum(what, cause));
            }
        });
        ScheduledFuture<?> bound;
        try {
            bound = timeouts.schedule(() -> {
                if (!result.isDone()) {
                    result.completeExceptionally(noQuorum(what, new TimeoutException("no reply within " + timeout)));
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            result.completeExceptionally(new LockException("the lock client is closed"));
            return result;
        }
        result.whenComplete((v, e) -> bound.cancel(false));
        return result;
    }

    private NoQuorumException noQuorum(String what, Throwable cause) {
        NoQuorumException e = new NoQuorumException(options.quorumTimeout(), "no Raft majority confirmed the " + what
                + " within the quorum timeout of " + options.quorumTimeout() + ": " + cause);
        e.initCause(cause);
        return e;
    }

    /**
     * Closes the Ratis clients and the client's threads. Calls waiting for an outcome fail at once with a
     * {@link LockException}; other pending futures fail within their bound (with {@link NoQuorumException} or a
     * {@link LockException}). Idempotent.
     */
    @Override
    public void close() {
        poller.close();
        pool.close();
        executor.shutdownNow();
        timeouts.shutdown(); // the bounds already scheduled still fire
    }
}
