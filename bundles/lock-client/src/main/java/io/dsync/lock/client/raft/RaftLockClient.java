package io.dsync.lock.server.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.ExceptionDependentRetry;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.LockException;
import io.dsync.lock.LockRequest;
import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;

/**
 * A client of the lock service's Raft group: submits {@link LockCommand}s, reads lock statuses
 * linearizably and long-polls for the outcome of waiting calls. It is the transport under the
 * {@code LockService} implementation, which owns sessions, call ids and the mapping of outcomes to
 * API exceptions.
 *
 * <h2>Timeouts and failures</h2>
 * Every operation either completes or fails within a bound: commands and status reads with
 * {@link NoQuorumException} when no leader backed by a majority answered within the
 * {@linkplain Options#quorumTimeout() quorum timeout} (writes are retried by Ratis against other
 * servers and after leader changes until then; reads are sent to the known leader only, because the
 * Netty transport cannot serve linearizable reads on followers, and re-routed after a failure); long-polls are re-issued until their caller's timeout and fail
 * the same way when a poll cannot reach a leader within the quorum timeout. Retrying a command after
 * a {@link NoQuorumException} is safe, because the state machine deduplicates call ids; the command
 * may or may not have been committed. A command or query that the servers reject as malformed fails
 * with a plain {@link LockException} (a client/server version mismatch, not a runtime condition).
 * <p>
 * Futures complete on the client's own threads or Ratis threads; callers must not block in
 * dependent actions. Thread-safe.
 */
public final class RaftLockClient implements AutoCloseable {

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

    /** Pause between retries of a failed request (Ratis) and between re-polls after a leader change. */
    private static final long RETRY_SLEEP_MILLIS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(RaftLockClient.class);

    private final Options options;

    private final RaftGroup group;

    /**
     * The RPC timeout of one command attempt: a fifth of the quorum timeout (at least 0.5 s), so that an attempt
     * against a leader that is gone or cut off leaves time to try the next one. A commit that takes longer is not
     * lost: the retry carries the same Ratis call id and the server answers it from its retry cache.
     */
    private final long attemptMillis;

    /**
     * The Ratis clients of commands, one per {@linkplain Options#writeConnections() write connection}: Ratis' Netty
     * transport answers the requests of one connection one after the other, so each has one request in flight, and
     * its {@link Batcher} gathers the commands submitted meanwhile into the next one.
     */
    private final java.util.concurrent.atomic.AtomicReferenceArray<RaftClient> writers;

    /** The command queues of the writers, by slot. */
    private final Batcher[] batchers;

    /**
     * Clients for linearizable reads and long-polls, one per read in flight, always addressed to {@link #leader},
     * without Ratis retries: RPC timeout just above the poll window. One client thread is busy per read in flight.
     */
    private final java.util.concurrent.ConcurrentLinkedDeque<RaftClient> idleReaders = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** Idle readers kept for reuse; more are made while that many reads are in flight. */
    static final int IDLE_READERS = 16;

    /** Finds the leader with non-linearizable probes, which followers redirect. */
    private volatile RaftClient prober;

    /** Invoke time of the oldest request that failed for want of a majority since the last success, or -1. */
    private final AtomicLong unavailableSince = new AtomicLong(-1);

    private volatile java.util.function.LongConsumer onRecovery = nanos -> { };

    private volatile java.util.function.IntConsumer onBatch = n -> { };

    private volatile boolean closed;

    /** The last server known to be the leader, or {@code null}. */
    private volatile RaftPeerId leader;

    private final ExecutorService executor;

    private final Poller poller = new Poller();

    private final Executor retryDelay;

    /**
     * Creates a client of a group. No connection is made before the first request.
     *
     * @param group the Raft group, e.g. {@link RaftLockServer#group(String, java.util.Map)}
     * @param options the timeouts
     * @throws NullPointerException if an argument is {@code null}
     */
    public RaftLockClient(RaftGroup group, Options options) {
        RaftNetty.configure();
        Objects.requireNonNull(group, "group");
        this.options = Objects.requireNonNull(options, "options");
        long quorum = options.quorumTimeout().toMillis();
        long attempt = Math.max(500, quorum / 5);
        this.group = group;
        this.attemptMillis = attempt;
        this.writers = new java.util.concurrent.atomic.AtomicReferenceArray<>(options.writeConnections());
        this.batchers = new Batcher[options.writeConnections()];
        for (int i = 0; i < batchers.length; i++) {
            writers.set(i, newClient(group, attempt, quorum));
            batchers[i] = new Batcher(i);
        }
        // Ratis' Netty server RPC (3.1 to 3.3) has no ReadIndex call: a linearizable read that reaches a
        // follower fails there with UnsupportedOperationException and is never answered, and it does
        // not redirect to the leader either. Reads are therefore sent to the known leader only.
        this.prober = newClient(group, attempt, quorum);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dsync-lock-client-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.retryDelay = CompletableFuture.delayedExecutor(RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS, executor);
    }

    /** Netty transport and an RPC request timeout: the properties of every Ratis client of the lock group. */
    static RaftProperties properties(long rpcTimeoutMillis) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, ms(rpcTimeoutMillis));
        return props;
    }

    private static RaftClient newClient(RaftGroup group, long rpcTimeoutMillis, long quorumMillis) {
        RaftProperties props = properties(rpcTimeoutMillis);
        RetryPolicy retryForever = RetryPolicies.retryForeverWithSleep(ms(RETRY_SLEEP_MILLIS));
        // A connection Ratis has closed (its peer went away) stays closed in that client: retrying on it only burns
        // the quorum timeout. Fail at once instead; send() then continues on a new client (see sendFresh).
        RetryPolicy retry = ExceptionDependentRetry.newBuilder().setDefaultPolicy(retryForever)
                .setExceptionToPolicy(AlreadyClosedException.class, RetryPolicies.noRetry()).build();
        // Ratis stops retrying once the request is older than the quorum timeout.
        RetryPolicy policy = RequestTypeDependentRetryPolicy.newBuilder()
                .setRetryPolicy(TypeCase.WRITE, retry).setTimeout(TypeCase.WRITE, ms(quorumMillis))
                .setRetryPolicy(TypeCase.READ, retry).setTimeout(TypeCase.READ, ms(quorumMillis))
                .build();
        return RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group).setProperties(props)
                .setRetryPolicy(policy).build();
    }

    private static TimeDuration ms(long millis) {
        return TimeDuration.valueOf(millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns the timeouts of this client.
     *
     * @return the options
     */
    public Options options() {
        return options;
    }

    // ---------------------------------------------------------------- commands

    /**
     * Submits a command through the leader and completes with its direct outcome once it is
     * committed and applied; fails with {@link NoQuorumException} after the quorum timeout.
     * <p>
     * Commands submitted while others are in flight are batched: each write connection has at most one request
     * outstanding, and the commands that arrive meanwhile go out together in its next request, as one log entry
     * (group commit). A lone command is sent at once; a command goes to the connection with the least work.
     *
     * @param command the command
     * @return a future of the outcome
     */
    public CompletableFuture<Outcome> submitAsync(LockCommand command) {
        Objects.requireNonNull(command, "command");
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        long invoked = System.nanoTime();
        leastLoaded().add(new Pending(command, outcome));
        return bounded(outcome, options.quorumTimeout(), "command " + command.getClass().getSimpleName())
                .whenComplete((o, e) -> track(invoked, e));
    }

    /** A submitted command and the future of its outcome. */
    private record Pending(LockCommand command, CompletableFuture<Outcome> outcome) {
    }

    /** The batcher with the fewest commands queued or in flight; the first such one on a tie. */
    private Batcher leastLoaded() {
        Batcher best = batchers[0];
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

    /**
     * The commands of one writer connection: sends them one request at a time, each request carrying every command
     * queued while the previous one was in flight (up to {@link LockCommandCodec#MAX_BATCH}). Requests are blocking
     * Ratis calls on a client thread; blocking calls are independent of each other, unlike ordered async writes,
     * where a request abandoned after a timeout would hold back the later ones.
     */
    private final class Batcher {

        private final int slot;

        private final java.util.ArrayDeque<Pending> queue = new java.util.ArrayDeque<>();

        /** Commands in the request in flight. */
        private int inFlight;

        private boolean sending;

        Batcher(int slot) {
            this.slot = slot;
        }

        synchronized int load() {
            return queue.size() + inFlight;
        }

        void add(Pending p) {
            boolean start;
            synchronized (this) {
                queue.addLast(p);
                start = !sending;
                sending = true;
            }
            if (start) {
                try {
                    executor.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    synchronized (this) {
                        sending = false;
                    }
                    p.outcome().completeExceptionally(new IOException("the lock client is closed"));
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

        /** Takes the next batch; commands whose caller has given up (timed out) are dropped. */
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
            Throwable failure;
            try {
                Message message = Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeCommands(commands)));
                onBatch.accept(commands.size());
                RaftClientReply reply = sendFresh(slot, c -> c.io().send(message));
                if (reply.isSuccess()) {
                    leader = reply.getServerId();
                    List<Outcome> outcomes = LockCommandCodec.decodeOutcomes(content(reply));
                    if (outcomes.size() != batch.size()) {
                        throw new IllegalStateException("the leader answered " + batch.size() + " commands with "
                                + outcomes.size() + " outcomes");
                    }
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).outcome().complete(outcomes.get(i));
                    }
                    return;
                }
                failure = reply.getException() != null ? reply.getException()
                        : new IOException("the lock group failed the request without a reason");
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            for (Pending p : batch) {
                p.outcome().completeExceptionally(failure);
            }
        }
    }

    /**
     * Sets what is told, after an outage, how long it lasted: from the invocation of the first command that found no
     * majority to the completion of the next command that did. This is the partition recovery time as this client
     * sees it.
     *
     * @param onRecovery receives the outage in nanoseconds; must be fast and not throw
     */
    public void onRecovery(java.util.function.LongConsumer onRecovery) {
        this.onRecovery = Objects.requireNonNull(onRecovery, "onRecovery");
    }

    /**
     * Sets what is told the number of commands of each request sent to the leader (1 when commands do not overlap;
     * more under concurrency, when group commit batches them).
     *
     * @param onBatch receives the command count; must be fast and not throw
     */
    public void onBatch(java.util.function.IntConsumer onBatch) {
        this.onBatch = Objects.requireNonNull(onBatch, "onBatch");
    }

    private void track(long invokedNanos, Throwable error) {
        if (error == null) {
            long since = unavailableSince.getAndSet(-1);
            if (since >= 0) {
                onRecovery.accept(System.nanoTime() - since);
            }
        } else if (unwrap(error) instanceof NoQuorumException) {
            unavailableSince.accumulateAndGet(invokedNanos, (old, t) -> old < 0 ? t : Math.min(old, t));
        }
    }

    /**
     * Submits a command and waits for its outcome, at most for the quorum timeout. Not
     * interruptible; preserves the interrupt status.
     *
     * @param command the command
     * @return the outcome
     * @throws NoQuorumException if no majority answered within the quorum timeout
     */
    public Outcome submit(LockCommand command) {
        return join(submitAsync(command));
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads a lock's status linearizably through the leader.
     *
     * @param lockName the lock name
     * @return a future of the status; fails with {@link NoQuorumException} after the quorum timeout
     * @throws io.dsync.lock.InvalidLockRequestException if the name is invalid
     */
    public CompletableFuture<LockStatus> statusAsync(String lockName) {
        LockRequest.requireValidName(lockName);
        Message message = query(new LockQuery.Status(lockName));
        return bounded(read(message, System.nanoTime() + options.quorumTimeout().toNanos()), options.quorumTimeout(),
                "status of '" + lockName + "'").thenApply(r -> LockCommandCodec.decodeStatus(content(r)));
    }

    /**
     * Reads a lock's status linearizably, waiting at most for the quorum timeout.
     *
     * @param lockName the lock name
     * @return the status
     * @throws NoQuorumException if no majority answered within the quorum timeout
     * @throws io.dsync.lock.InvalidLockRequestException if the name is invalid
     */
    public LockStatus status(String lockName) {
        return join(statusAsync(lockName));
    }

    /**
     * Reads the lock table linearizably through the leader: the locks held or waited for, the wait-for graph and the
     * latest deadlocks.
     *
     * @param maxLocks how many locks to list at most (1 to {@link LockQuery.Table#MAX_LOCKS})
     * @return a future of the view; fails with {@link NoQuorumException} after the quorum timeout
     * @throws IllegalArgumentException if {@code maxLocks} is out of range
     */
    public CompletableFuture<LockTableView> tableAsync(int maxLocks) {
        Message message = query(new LockQuery.Table(maxLocks));
        return bounded(read(message, System.nanoTime() + options.quorumTimeout().toNanos()), options.quorumTimeout(),
                "lock table").thenApply(r -> LockCommandCodec.decodeTable(content(r)));
    }

    /**
     * Reads the lock table linearizably; see {@link #tableAsync(int)}.
     *
     * @param maxLocks how many locks to list at most
     * @return the view
     * @throws NoQuorumException if no majority answered within the quorum timeout
     */
    public LockTableView table(int maxLocks) {
        return join(tableAsync(maxLocks));
    }

    /**
     * Waits for the final outcome of a call that was answered {@link Outcome.Queued}, by
     * long-polling the leader (re-polling after each poll window and after leader changes).
     * <p>
     * Completes with {@link PollReply.Resolved} when the call is resolved, with
     * {@link PollReply.StillWaiting} when {@code timeout} elapses first, or with
     * {@link PollReply.Unknown} when the leader neither knows the call as waiting nor remembers its
     * outcome; then re-submitting the original command (idempotent) returns its outcome. Fails with
     * {@link NoQuorumException} when a poll cannot reach a leader within the quorum timeout.
     *
     * @param sessionId the session of the call
     * @param callId the call id
     * @param timeout how long to wait for the outcome, non-negative
     * @return a future of the reply
     */
    public CompletableFuture<PollReply> awaitOutcomeAsync(SessionId sessionId, long callId, Duration timeout) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<PollReply> result = new CompletableFuture<>();
        poller.await(new Waiter(new LockQuery.CallRef(sessionId, callId), System.nanoTime() + timeout.toNanos(), result));
        return result;
    }

    /**
     * Waits for the final outcome of a waiting call; see
     * {@link #awaitOutcomeAsync(SessionId, long, Duration)}.
     *
     * @param sessionId the session of the call
     * @param callId the call id
     * @param timeout how long to wait
     * @return the reply: resolved, still waiting or unknown
     * @throws NoQuorumException if a poll could not reach a leader within the quorum timeout
     */
    public PollReply awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
        return join(awaitOutcomeAsync(sessionId, callId, timeout));
    }

    /** A caller waiting for the outcome of a call, until its deadline. */
    private record Waiter(LockQuery.CallRef call, long deadlineNanos, CompletableFuture<PollReply> result) {
    }

    /**
     * Long-polls the leader for all the calls this client waits for, with one poll ({@link LockQuery.AwaitOutcomes})
     * rather than one per call. A call that starts waiting while a poll is held goes out in a second poll that
     * replaces the first on the leader; so at most two polls are in flight and the leader holds one. After each
     * answer, the callers of the answered calls are told, those past their deadline are told
     * {@link PollReply.StillWaiting}, and the others are polled again at once.
     */
    private final class Poller {

        /** The most polls in flight: one held, one replacing it with more calls. */
        private static final int MAX_IN_FLIGHT = 2;

        private final String id = java.util.UUID.randomUUID().toString();

        /** Sequence number of the latest poll sent; guarded by this. */
        private long sequence;

        /** Waiting callers by call; guarded by this. */
        private final Map<LockQuery.CallRef, List<Waiter>> waiters = new LinkedHashMap<>();

        /** Polls in flight; guarded by this. */
        private int inFlight;

        /** Whether calls started waiting since the latest poll was sent; guarded by this. */
        private boolean added;

        void await(Waiter w) {
            synchronized (this) {
                waiters.computeIfAbsent(w.call(), c -> new ArrayList<>()).add(w);
                added = true;
            }
            pollIfNeeded();
        }

        /** Sends a poll when there are waiters and none is in flight, or calls were added and a second may go. */
        private void pollIfNeeded() {
            List<Waiter> expired = new ArrayList<>();
            LockQuery.AwaitOutcomes query = null;
            synchronized (this) {
                long now = System.nanoTime();
                long earliest = Long.MAX_VALUE;
                for (java.util.Iterator<List<Waiter>> it = waiters.values().iterator(); it.hasNext();) {
                    List<Waiter> ws = it.next();
                    for (java.util.Iterator<Waiter> wi = ws.iterator(); wi.hasNext();) {
                        Waiter w = wi.next();
                        if (w.result().isDone() || w.deadlineNanos() - now <= 0) {
                            expired.add(w);
                            wi.remove();
                        } else {
                            earliest = Math.min(earliest, w.deadlineNanos() - now);
                        }
                    }
                    if (ws.isEmpty()) {
                        it.remove();
                    }
                }
                boolean send = !waiters.isEmpty() && !closed
                        && (inFlight == 0 || (added && inFlight < MAX_IN_FLIGHT));
                if (send) {
                    long window = Math.max(1, Math.min(options.pollWindow().toMillis(),
                            TimeUnit.NANOSECONDS.toMillis(earliest)));
                    List<LockQuery.CallRef> calls = new ArrayList<>(waiters.keySet());
                    if (calls.size() > LockQuery.AwaitOutcomes.MAX_CALLS) {
                        calls = calls.subList(0, LockQuery.AwaitOutcomes.MAX_CALLS);
                    }
                    query = new LockQuery.AwaitOutcomes(id, ++sequence, calls, window);
                    inFlight++;
                    added = false;
                }
            }
            for (Waiter w : expired) {
                w.result().complete(new PollReply.StillWaiting());
            }
            if (query != null) {
                send(query);
            }
        }

        private void send(LockQuery.AwaitOutcomes query) {
            Duration budget = options.quorumTimeout().plusMillis(query.windowMillis());
            bounded(read(query(query), System.nanoTime() + budget.toNanos()), budget,
                    "poll of " + query.calls().size() + " waiting call(s)")
                    .thenApply(r -> LockCommandCodec.decodePollAnswer(content(r)))
                    .whenComplete((answer, error) -> {
                        synchronized (this) {
                            inFlight--;
                        }
                        if (error != null) {
                            fail(query.calls(), unwrap(error));
                        } else if (answer.notLeader()) {
                            retryDelay.execute(this::pollIfNeeded);
                            return;
                        } else {
                            for (PollAnswer.CallReply r : answer.replies()) {
                                for (Waiter w : take(r.call())) {
                                    w.result().complete(r.reply());
                                }
                            }
                        }
                        pollIfNeeded();
                    });
        }

        private synchronized List<Waiter> take(LockQuery.CallRef call) {
            List<Waiter> ws = waiters.remove(call);
            return ws == null ? List.of() : ws;
        }

        /** Fails the waiters of a poll that found no leader within the quorum timeout. */
        private void fail(List<LockQuery.CallRef> calls, Throwable error) {
            for (LockQuery.CallRef call : calls) {
                for (Waiter w : take(call)) {
                    w.result().completeExceptionally(error);
                }
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    /** A probe answered by the leader without ReadIndex; followers redirect it to the leader. */
    private static final Message LEADER_PROBE = query(new LockQuery.Status("dsync/leader-probe"));

    /**
     * Sends a linearizable read to the leader, finding the leader first if unknown, and retries on
     * another leader after a failure until {@code deadlineNanos}.
     */
    private CompletableFuture<RaftClientReply> read(Message message, long deadlineNanos) {
        CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
        readAttempt(message, deadlineNanos, result, null);
        return result;
    }

    private void readAttempt(Message message, long deadlineNanos, CompletableFuture<RaftClientReply> result,
            Throwable lastFailure) {
        if (result.isDone()) {
            return;
        }
        if (System.nanoTime() - deadlineNanos > 0) {
            result.completeExceptionally(lastFailure != null ? lastFailure
                    : new TimeoutException("no leader answered the read"));
            return;
        }
        RaftPeerId known = leader;
        // Blocking calls on the client's threads: Ratis' async reads go through a per-server ordered
        // sliding window, where one request to a dead server holds back the following ones.
        CompletableFuture.supplyAsync(() -> {
            try {
                RaftPeerId target = known;
                if (target == null) {
                    RaftClientReply probe = sendFresh(-1, c -> c.io().sendReadOnlyNonLinearizable(LEADER_PROBE));
                    if (!probe.isSuccess()) {
                        throw new CompletionException(probe.getException());
                    }
                    target = probe.getServerId();
                    leader = target;
                }
                // One reader per read in flight: a long-poll is held for the poll window, and Ratis' Netty transport
                // answers a connection's requests one after the other, so polls sharing a connection would wait for
                // each other's windows.
                RaftClient reader = borrowReader();
                boolean answered = false;
                try {
                    RaftClientReply reply = reader.io().sendReadOnly(message, target);
                    answered = true;
                    return reply;
                } finally {
                    if (answered) {
                        returnReader(reader);
                    } else {
                        closeLater(reader); // its connection may be broken: do not hand it out again
                    }
                }
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, executor).whenComplete((reply, error) -> {
            Throwable cause = error != null ? unwrap(error) : reply.isSuccess() ? null : reply.getException();
            if (cause == null) {
                result.complete(reply);
                return;
            }
            if (cause instanceof StateMachineException) {
                // A rejection by the state machine, which a retry would not change.
                result.completeExceptionally(cause);
                return;
            }
            // The target is no longer the leader, is down, or served the read as a follower (never
            // answered): find the leader again.
            LOG.debug("read via {} failed, looking for the leader again: {}", known, cause.toString());
            leader = null;
            retryDelay.execute(() -> readAttempt(message, deadlineNanos, result, cause));
        });
    }

    private static Message query(LockQuery query) {
        return Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeQuery(query)));
    }

    private static byte[] content(RaftClientReply reply) {
        return reply.getMessage().getContent().toByteArray();
    }

    /**
     * Bounds a Ratis future by {@code timeout} and maps its failures: a reply that is not a success
     * or a transport failure becomes {@link NoQuorumException}, a state machine rejection a
     * {@link LockException}.
     */
    private <T> CompletableFuture<T> bounded(CompletableFuture<T> ratis, Duration timeout, String what) {
        CompletableFuture<T> result = new CompletableFuture<>();
        ratis.whenComplete((reply, error) -> {
            Throwable cause = error == null ? null : unwrap(error);
            if (cause == null && reply instanceof RaftClientReply r && !r.isSuccess()) {
                cause = r.getException();
            }
            if (cause == null) {
                result.complete(reply);
            } else if (cause instanceof StateMachineException) {
                result.completeExceptionally(new LockException("lock server rejected the " + what + ": "
                        + cause.getMessage(), cause));
            } else {
                result.completeExceptionally(noQuorum(what, cause));
            }
        });
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS, executor).execute(() -> {
            if (!result.isDone()) {
                result.completeExceptionally(noQuorum(what, new TimeoutException("no reply within " + timeout)));
            }
        });
        return result;
    }

    private NoQuorumException noQuorum(String what, Throwable cause) {
        NoQuorumException e = new NoQuorumException(options.quorumTimeout(), "no Raft majority confirmed the " + what
                + " within the quorum timeout of " + options.quorumTimeout() + ": " + cause);
        e.initCause(cause);
        return e;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T> T join(CompletableFuture<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = unwrap(e);
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new LockException("unexpected failure: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A request on one of the retrying Ratis clients. */
    @FunctionalInterface
    private interface Call {
        RaftClientReply on(RaftClient client) throws IOException;
    }

    /**
     * Sends on the writer of a slot (or the prober, {@code slot < 0}); when that client's connection to a peer is closed for good
     * ({@link AlreadyClosedException}), replaces the client and sends again, until the quorum timeout. Resending is
     * safe: commands are idempotent by session and call id in the state machine.
     */
    private RaftClientReply sendFresh(int slot, Call call) throws IOException {
        long deadline = System.nanoTime() + options.quorumTimeout().toNanos();
        while (true) {
            RaftClient client = slot >= 0 ? writers.get(slot) : prober;
            try {
                return call.on(client);
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                if (closedConnection(e)) {
                    replace(slot, client);
                } else if (leadershipMoving(e)) {
                    // The leader is handing over (a graceful stop, a bundle update): the command is idempotent,
                    // send it again once the next leader is there.
                    sleepQuietly(RETRY_SLEEP_MILLIS);
                } else {
                    throw e;
                }
            }
        }
    }

    private static boolean leadershipMoving(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LeaderSteppingDownException || t instanceof TransferLeadershipException) {
                return true;
            }
        }
        return false;
    }

    private static void sleepQuietly(long millis) throws java.io.InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the leader was changing");
        }
    }

    private static boolean closedConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AlreadyClosedException) {
                return true;
            }
        }
        return false;
    }

    private RaftClient borrowReader() {
        RaftClient c = idleReaders.pollFirst();
        return c != null ? c : RaftClient.newBuilder().setClientId(ClientId.randomId()).setRaftGroup(group)
                .setProperties(properties(options.pollWindow().toMillis() + READ_MARGIN_MILLIS))
                .setRetryPolicy(RetryPolicies.noRetry()).build();
    }

    private void returnReader(RaftClient c) {
        if (closed || idleReaders.size() >= IDLE_READERS) {
            closeQuietly(c);
        } else {
            idleReaders.offerFirst(c);
        }
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException e) {
            // only releases connections
        }
    }

    /**
     * Closes a client whose connection broke on a side thread: Ratis 3.3.0 can take its 5 s close timeout to close a
     * connection whose channel is going inactive, which must not hold up the commands or reads that go on.
     */
    private void closeLater(RaftClient c) {
        try {
            executor.execute(() -> closeQuietly(c));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            closeQuietly(c); // this client is closing: its threads are gone
        }
    }

    /** Replaces a writer ({@code slot >= 0}) or the prober ({@code slot < 0}) whose connection was closed. */
    private synchronized void replace(int slot, RaftClient broken) {
        if ((slot >= 0 ? writers.get(slot) : prober) != broken) {
            return; // another thread replaced it already
        }
        RaftClient fresh = newClient(group, attemptMillis, options.quorumTimeout().toMillis());
        if (slot >= 0) {
            writers.set(slot, fresh);
        } else {
            prober = fresh;
        }
        closeLater(broken);
        LOG.debug("replaced a Ratis client whose connection was closed");
    }

    /**
     * Closes the Ratis clients and the client's threads; pending futures may fail with
     * {@link NoQuorumException}. Idempotent.
     */
    @Override
    public void close() {
        for (int i = 0; i < batchers.length; i++) {
            try {
                writers.get(i).close();
            } catch (IOException e) {
                // Closing a client only releases connections; nothing to report to the caller.
            }
        }
        closed = true;
        for (RaftClient r; (r = idleReaders.pollFirst()) != null;) {
            closeQuietly(r);
        }
        closeQuietly(prober);
        executor.shutdownNow();
    }
}
