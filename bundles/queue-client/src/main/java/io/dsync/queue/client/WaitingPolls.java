package io.dsync.queue.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.dsync.queue.Delivery;
import io.dsync.queue.QueueService;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueWire.PollReply;
import io.dsync.queue.protocol.QueueWire.PollRequest;

/**
 * The polls of one client that wait for messages of one queue (its consumers are ahead of the producers), served by
 * one waiting poll per owner node, whoever asked: a message then costs the client one request, the poll that replaces
 * the one that brought it, instead of one waiting poll per consumer and owner and a cancel of each that brought
 * nothing. An owner's answer goes to the waiting polls in the order they started, each taking up to its maximum;
 * what none takes is kept for the next poll ({@link Host#backlog}).
 * <p>
 * The poll sent to an owner asks for as many messages as the polls waiting then want together (at most
 * {@link QueueService#MAX_BATCH_SIZE}) and waits as long as the longest of them still waits. Each
 * waiting poll ends with nothing at the end of its own wait; when none is left for {@link #IDLE_MILLIS}, the owners'
 * polls are cancelled.
 * An owner that answers nothing at once (it does not own the queue any more, or cannot be reached) is asked again after
 * {@link #EMPTY_PAUSE_MILLIS}; one that does not answer at all is asked again {@link #STRAGGLER_MILLIS} after its
 * poll's wait. Thread-safe: the state is guarded by this object's monitor, and the polls' futures are completed
 * outside it.
 */
final class WaitingPolls {

    /** An owner's poll that came back empty well before its wait is renewed after this pause. */
    static final long EMPTY_PAUSE_MILLIS = 200;
    /** How long after its wait an owner's poll that has not been answered is given up (a frozen or cut-off node). */
    static final long STRAGGLER_MILLIS = 1000;
    /**
     * How long the owners' polls stay when no poll waits any more, before they are cancelled: a consumer that handles
     * what it got and polls again within it finds them still waiting (no cancel and new poll per message).
     */
    static final long IDLE_MILLIS = 100;

    /** What the service does for its waiting polls. */
    interface Host {
        QueueRouter router();

        String newCallId();

        /** The owners of the queue now. */
        List<String> owners(QueueMeta meta);

        List<Delivery> deliveries(QueueMeta meta, PollReply reply, Instant sent);

        /**
         * Producers are ahead: an owner answered with all it was asked for, or with more than the waiting polls took
         * ({@code deliveries}, possibly none, to keep for the next poll).
         */
        void backlog(QueueMeta meta, List<Delivery> deliveries);

        /** Deliveries handed to a poll. */
        void delivered(List<Delivery> deliveries);
    }

    private record Waiter(int max, long deadlineNanos, CompletableFuture<List<Delivery>> result) {
    }

    private record Share(Waiter waiter, List<Delivery> deliveries) {
    }

    private final Host host;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Per owner node, the id of its poll in flight. */
    private final Map<String, String> inFlight = new HashMap<>();
    /** Ids of polls cancelled because nobody waited any more: their early empty answer is no reason to pause. */
    private final Set<String> cancelled = new HashSet<>();
    /** Owners asked again after a pause. */
    private final Set<String> resting = new HashSet<>();

    WaitingPolls(Host host) {
        this.host = host;
    }

    /** Adds a poll that waits up to {@code wait} (positive) for up to {@code max} messages of the queue. */
    void await(QueueMeta meta, int max, Duration wait, CompletableFuture<List<Delivery>> result) {
        Waiter waiter = new Waiter(max, System.nanoTime() + wait.toNanos(), result);
        synchronized (this) {
            waiters.add(waiter);
        }
        host.router().timer().schedule(() -> expire(waiter), wait.toMillis(), TimeUnit.MILLISECONDS);
        pollOwners(meta);
    }

    /** How many owners' polls are in flight. */
    synchronized int ownerPolls() {
        return inFlight.size();
    }

    /** Ends every waiting poll with nothing and cancels the owners' polls (the client closes). */
    void close() {
        List<Waiter> ended;
        synchronized (this) {
            ended = new ArrayList<>(waiters);
            waiters.clear();
        }
        ended.forEach(w -> w.result().complete(List.of()));
        cancelOwnerPolls();
    }

    private void expire(Waiter waiter) {
        waiter.result().complete(List.of());
        boolean idle;
        synchronized (this) {
            // Also when its caller ended it first (a cancel, an interrupt): a waiter left here past its deadline
            // would have the owners asked again and again with waits of 1 ms.
            if (!waiters.remove(waiter)) {
                return; // an owner's answer took it
            }
            idle = waiters.isEmpty();
        }
        if (idle) {
            idle();
        }
    }

    /** No poll waits: cancels the owners' polls unless one waits again within {@link #IDLE_MILLIS}. */
    private void idle() {
        host.router().timer().schedule(() -> {
            synchronized (this) {
                if (!waiters.isEmpty()) {
                    return;
                }
            }
            cancelOwnerPolls();
        }, IDLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void cancelOwnerPolls() {
        Map<String, String> polls;
        synchronized (this) {
            polls = new HashMap<>(inFlight);
            polls.values().removeAll(cancelled);
            cancelled.addAll(polls.values());
        }
        // Each cancelled poll still answers (what it brings anyway is kept for the next poll, or given back).
        polls.forEach((node, id) -> host.router().cancel(node, id));
    }

    private void pollOwners(QueueMeta meta) {
        for (String node : host.owners(meta)) {
            poll(meta, node);
        }
    }

    /** Sends a waiting poll to the owner unless it has one or nobody waits. */
    private void poll(QueueMeta meta, String node) {
        String id;
        int max = 0;
        long waitMillis;
        synchronized (this) {
            if (waiters.isEmpty() || inFlight.containsKey(node) || resting.contains(node)) {
                return;
            }
            long now = System.nanoTime();
            long longest = 0;
            for (Waiter w : waiters) {
                max = Math.min(QueueService.MAX_BATCH_SIZE, max + w.max());
                longest = Math.max(longest, w.deadlineNanos() - now);
            }
            waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(longest));
            id = host.newCallId();
            inFlight.put(node, id);
        }
        Instant sent = Instant.now();
        long started = System.nanoTime();
        int asked = max;
        ScheduledFuture<?> straggler = host.router().timer().schedule(() -> givenUp(meta, node, id),
                waitMillis + STRAGGLER_MILLIS, TimeUnit.MILLISECONDS);
        host.router().poll(node, new PollRequest(meta.name(), id, max, waitMillis)).whenComplete((reply, error) -> {
            straggler.cancel(false);
            List<Delivery> deliveries = reply == null ? List.of() : host.deliveries(meta, reply, sent);
            boolean soon = System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(waitMillis) / 2;
            answered(meta, node, id, deliveries, deliveries.isEmpty() && soon, deliveries.size() >= asked);
        });
    }

    /** An owner's poll that was not answered within its wait and {@link #STRAGGLER_MILLIS}: ask again. */
    private void givenUp(QueueMeta meta, String node, String id) {
        synchronized (this) {
            if (!inFlight.remove(node, id)) {
                return;
            }
            cancelled.remove(id);
        }
        poll(meta, node);
    }

    private void answered(QueueMeta meta, String node, String id, List<Delivery> deliveries, boolean emptyAtOnce,
                          boolean backlog) {
        List<Share> shares = new ArrayList<>();
        List<Delivery> left = new ArrayList<>();
        boolean pause;
        boolean idle;
        synchronized (this) {
            inFlight.remove(node, id);
            boolean wasCancelled = cancelled.remove(id);
            boolean ended = false;
            int i = 0;
            while (i < deliveries.size() && !waiters.isEmpty()) {
                Waiter w = waiters.poll();
                if (w.result().isDone()) {
                    ended = true; // its caller ended it: it takes nothing
                    continue;
                }
                int n = Math.min(w.max(), deliveries.size() - i);
                shares.add(new Share(w, List.copyOf(deliveries.subList(i, i + n))));
                i += n;
            }
            left.addAll(deliveries.subList(i, deliveries.size()));
            pause = emptyAtOnce && !wasCancelled && !waiters.isEmpty() && resting.add(node);
            idle = (!shares.isEmpty() || ended) && waiters.isEmpty() && !inFlight.isEmpty();
        }
        for (Share s : shares) {
            if (s.waiter().result().complete(s.deliveries())) {
                host.delivered(s.deliveries());
            } else {
                left.addAll(s.deliveries()); // its wait ended meanwhile
            }
        }
        if (!left.isEmpty() || backlog) {
            host.backlog(meta, left);
        }
        if (idle) {
            idle();
        }
        if (pause) {
            host.router().timer().schedule(() -> {
                synchronized (this) {
                    resting.remove(node);
                }
                pollOwners(meta);
            }, EMPTY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            pollOwners(meta);
        }
    }
}
