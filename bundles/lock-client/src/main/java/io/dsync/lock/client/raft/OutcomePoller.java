package io.dsync.lock.client.raft;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.dsync.lock.LockException;
import io.dsync.lock.client.Outcomes;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;

/**
 * Long-polls the leader for all the calls a client waits for, with one poll ({@link LockQuery.AwaitOutcomes}) rather
 * than one per call: the leader holds a poll on one of its threads, so one poll per client keeps many waiters from
 * occupying them all. A call that starts waiting while a poll is held goes out in a second poll that replaces the
 * first on the leader (a higher sequence number); so at most two polls are in flight and the leader holds one. After
 * each answer, the callers of the answered calls are told, those past their deadline are told
 * {@link PollReply.StillWaiting}, and the others are polled again at once; after a "not the leader" answer, again
 * after the retry delay, through whichever server leads then.
 *
 * <p>Thread-safe; callers are completed on the threads that complete the polls (or the caller's, when its deadline
 * has passed already).
 */
final class OutcomePoller {

    /** Sends one poll; the future fails when no leader answered it within the quorum timeout. */
    @FunctionalInterface
    interface Sender {

        /**
         * Sends a poll to the leader.
         *
         * @param query the poll
         * @return the leader's answer
         */
        CompletableFuture<PollAnswer> poll(LockQuery.AwaitOutcomes query);
    }

    /** The most polls in flight: one held, one replacing it with more calls. */
    static final int MAX_IN_FLIGHT = 2;

    /** A caller waiting for the outcome of a call, until its deadline. */
    private record Waiter(LockQuery.CallRef call, long deadlineNanos, CompletableFuture<PollReply> result) {
    }

    private final String id;

    private final Sender sender;

    private final Duration window;

    private final Executor retryDelay;

    /** Sequence number of the latest poll sent; guarded by this. */
    private long sequence;

    /** Waiting callers by call; guarded by this. */
    private final Map<LockQuery.CallRef, List<Waiter>> waiters = new LinkedHashMap<>();

    /** Polls in flight; guarded by this. */
    private int inFlight;

    /** Whether calls started waiting since the latest poll was sent; guarded by this. */
    private boolean added;

    private volatile boolean closed;

    /**
     * Creates a poller.
     *
     * @param id the poller's id, unique per client (1 to 64 characters)
     * @param sender sends a poll
     * @param window how long the leader may hold one poll
     * @param retryDelay runs a re-poll after a "not the leader" answer, after a pause
     */
    OutcomePoller(String id, Sender sender, Duration window, Executor retryDelay) {
        this.id = Objects.requireNonNull(id, "id");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.window = Objects.requireNonNull(window, "window");
        this.retryDelay = Objects.requireNonNull(retryDelay, "retryDelay");
    }

    /**
     * Waits for the final outcome of a call.
     *
     * @param call the call
     * @param timeout how long to wait
     * @return {@link PollReply.Resolved}, {@link PollReply.Unknown}, or {@link PollReply.StillWaiting} after the
     *     timeout; fails as the poll that carried the call failed
     */
    CompletableFuture<PollReply> await(LockQuery.CallRef call, Duration timeout) {
        CompletableFuture<PollReply> result = new CompletableFuture<>();
        Waiter w = new Waiter(call, System.nanoTime() + timeout.toNanos(), result);
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            waiters.computeIfAbsent(w.call(), c -> new ArrayList<>()).add(w);
            added = true;
        }
        pollIfNeeded();
        return result;
    }

    /**
     * Stops polling and fails every caller still waiting with a {@link LockException} (the client is closed; a
     * poll in flight is not waited for), as it fails every later {@link #await}.
     */
    void close() {
        List<Waiter> left = new ArrayList<>();
        synchronized (this) {
            closed = true;
            waiters.values().forEach(left::addAll);
            waiters.clear();
        }
        LockException closedException = closedException();
        left.forEach(w -> w.result().completeExceptionally(closedException));
    }

    private static LockException closedException() {
        return new LockException("the lock client is closed");
    }

    /** Sends a poll when there are waiters and none is in flight, or calls were added and a second may go. */
    private void pollIfNeeded() {
        List<Waiter> expired = new ArrayList<>();
        LockQuery.AwaitOutcomes query = null;
        synchronized (this) {
            long now = System.nanoTime();
            long earliest = Long.MAX_VALUE;
            for (Iterator<List<Waiter>> it = waiters.values().iterator(); it.hasNext();) {
                List<Waiter> ws = it.next();
                for (Iterator<Waiter> wi = ws.iterator(); wi.hasNext();) {
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
            boolean send = !waiters.isEmpty() && !closed && (inFlight == 0 || (added && inFlight < MAX_IN_FLIGHT));
            if (send) {
                long windowMillis = Math.max(1, Math.min(window.toMillis(), TimeUnit.NANOSECONDS.toMillis(earliest)));
                List<LockQuery.CallRef> calls = new ArrayList<>(waiters.keySet());
                if (calls.size() > LockQuery.AwaitOutcomes.MAX_CALLS) {
                    calls = calls.subList(0, LockQuery.AwaitOutcomes.MAX_CALLS);
                }
                query = new LockQuery.AwaitOutcomes(id, ++sequence, calls, windowMillis);
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
        sender.poll(query).whenComplete((answer, error) -> {
            synchronized (this) {
                inFlight--;
            }
            if (error != null) {
                fail(query.calls(), Outcomes.unwrap(error));
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
