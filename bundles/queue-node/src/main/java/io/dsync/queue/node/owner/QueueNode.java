package io.dsync.queue.node.owner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.queue.core.EntryId;
import io.dsync.queue.node.owner.OwnerException.Kind;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.redis.RedisErrors;

/**
 * The partitions this node owns, and the polls that wait on them. A poll takes from the node's partitions of its
 * queue (starting at a rotating partition, so that none starves); when none has a message it waits, and is tried
 * again whenever an owner reports that messages became deliverable (a send, an expired visibility, a requeue), until
 * its wait ends or its client cancels it. A poll whose wait ends or that is cancelled while it takes messages is
 * answered with what it takes (the client keeps such late deliveries for its next poll): giving them back would cost
 * three more Redis writes per message. Deliveries that reach a poll answered otherwise (the node closing) go back at
 * once, without counting as an attempt.
 */
public final class QueueNode implements PartitionOwner.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(QueueNode.class);
    /** The most a poll's answer carries (payloads, keys and headers): half of what node messaging takes in one body. */
    static final long ANSWER_BYTES = 16L << 20;

    private final Map<String, Map<Integer, PartitionOwner>> owners = new ConcurrentHashMap<>();
    private final Map<String, Set<Waiter>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Waiter> byId = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final AtomicInteger rotation = new AtomicInteger();
    private volatile Consumer<PartitionOwner> onLost = o -> { };
    private volatile Consumer<PartitionOwner> onDeadLettered = o -> { };
    private volatile boolean closed;
    private final BodyBudget bodies = new BodyBudget(BodyBudget.NODE_DEFAULT);

    public QueueNode(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** The memory this node's owners share for the bodies of the messages they stored. */
    public BodyBudget bodies() {
        return bodies;
    }

    /** Who hears that an owner stopped (the ownership loop, to claim again after a Redis failure). */
    public void onLost(Consumer<PartitionOwner> listener) {
        this.onLost = listener;
    }

    /** Who hears that a message was dead-lettered (metrics). */
    public void onDeadLettered(Consumer<PartitionOwner> listener) {
        this.onDeadLettered = listener;
    }

    @Override
    public void deadLettered(PartitionOwner owner) {
        onDeadLettered.accept(owner);
    }

    public void add(PartitionOwner owner) {
        PartitionOwner previous = owners.computeIfAbsent(owner.queue(), q -> new ConcurrentHashMap<>())
                .put(owner.partition(), owner);
        if (previous != null && previous != owner) {
            previous.close();
        }
        owner.start();
        ready(owner);
    }

    /** Stops owning a partition (it moved to another node). */
    public void remove(String queue, int partition) {
        Map<Integer, PartitionOwner> ofQueue = owners.get(queue);
        PartitionOwner owner = ofQueue == null ? null : ofQueue.remove(partition);
        if (owner != null) {
            owner.close();
        }
    }

    /** The owner of a partition on this node, or {@link Kind#NOT_OWNER}. */
    public PartitionOwner owner(String queue, int partition) {
        Map<Integer, PartitionOwner> ofQueue = owners.get(queue);
        PartitionOwner owner = ofQueue == null ? null : ofQueue.get(partition);
        if (owner == null || owner.isClosed()) {
            throw new OwnerException(Kind.NOT_OWNER, "this node does not own partition " + partition + " of queue '"
                    + queue + "'");
        }
        return owner;
    }

    public boolean owns(String queue, int partition) {
        Map<Integer, PartitionOwner> ofQueue = owners.get(queue);
        PartitionOwner owner = ofQueue == null ? null : ofQueue.get(partition);
        return owner != null && !owner.isClosed();
    }

    /** Every owner on this node. */
    public List<PartitionOwner> all() {
        List<PartitionOwner> all = new ArrayList<>();
        owners.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** Stops every owner at once and answers every waiting poll with nothing: {@link #close(Duration)} without a drain. */
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * Gives every partition up, finishing what was accepted: the owners drain ({@link PartitionOwner#drain()}: no
     * more deliveries, the writes already accepted go on), polls with no take in progress are answered with nothing
     * at once, and polls whose take is being written get its deliveries, which a poll answered empty would have left
     * invisible until their deadline. After {@code drain} at most, the owners close (what is still queued fails as
     * not-owner, which clients retry at the partition's next owner) and every poll still open is answered. Polls that
     * arrive afterwards are answered with nothing. Blocks the caller for up to {@code drain}.
     */
    public void close(Duration drain) {
        closed = true;
        List<PartitionOwner> all = all();
        List<CompletableFuture<Void>> drains = new ArrayList<>(all.size());
        for (PartitionOwner o : all) {
            drains.add(o.drain().toCompletableFuture());
        }
        waiters().forEach(Waiter::end);
        if (!drain.isZero() && !drains.isEmpty()) {
            try {
                CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                        .get(drain.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.info("Queue node: writes to Redis still out after {} ms; giving the partitions up anyway (their "
                        + "callers retry at the next owners)", drain.toMillis());
            } catch (ExecutionException e) {
                // A drain only completes normally.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        all.forEach(PartitionOwner::close);
        owners.clear();
        waiters().forEach(w -> w.finish(List.of()));
    }

    private List<Waiter> waiters() {
        List<Waiter> all = new ArrayList<>();
        waiting.values().forEach(all::addAll);
        return all;
    }

    @Override
    public void ready(PartitionOwner owner) {
        Set<Waiter> ws = waiting.get(owner.queue());
        if (ws != null) {
            for (Waiter w : ws) {
                w.attempt();
            }
        }
    }

    @Override
    public PartitionOwner.Taker reserve(PartitionOwner owner) {
        Set<Waiter> ws = closed ? null : waiting.get(owner.queue());
        if (ws != null) {
            for (Waiter w : ws) {
                if (w.reserve()) {
                    return w;
                }
            }
        }
        return null;
    }

    @Override
    public void lost(PartitionOwner owner, Throwable cause) {
        Map<Integer, PartitionOwner> ofQueue = owners.get(owner.queue());
        if (ofQueue != null) {
            ofQueue.remove(owner.partition(), owner);
        }
        if (cause instanceof io.dsync.queue.node.store.PartitionStore.Fenced) {
            LOG.info("Queue {} partition {}: another node took it over, or the queue is being deleted (epoch {} is "
                    + "over)", owner.queue(), owner.partition(), owner.epoch());
        } else {
            LOG.warn("Queue {} partition {}: a write to Redis failed ({}); the partition will be claimed and reloaded "
                    + "when Redis answers", owner.queue(), owner.partition(), RedisErrors.describe(cause));
        }
        onLost.accept(owner);
    }

    /**
     * Up to {@code max} deliveries from this node's partitions of {@code queue}, waiting up to {@code waitMs} for a
     * first one.
     */
    public CompletionStage<List<InDelivery>> poll(String queue, String pollId, int max, long waitMs) {
        if (closed) {
            return CompletableFuture.completedFuture(List.of());
        }
        Waiter w = new Waiter(queue, pollId, max);
        if (pollId != null && byId.putIfAbsent(pollId, w) != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("poll id " + pollId + " is in use"));
        }
        waiting.computeIfAbsent(queue, q -> ConcurrentHashMap.newKeySet()).add(w);
        // Take first, then start the wait: a poll that does not wait still gets what its first take brings.
        w.attempt();
        if (!w.result.isDone()) {
            try {
                w.timeout = timer.schedule(w::end, Math.max(0, waitMs), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                w.end(); // the node stopped meanwhile: no wait
                return w.result;
            }
            if (w.result.isDone()) {
                w.timeout.cancel(false);
            }
        }
        return w.result;
    }

    /** Ends a waiting poll now: with nothing, or with what it is taking if it is. */
    public void cancel(String pollId) {
        Waiter w = byId.get(pollId);
        if (w != null) {
            w.end();
        }
    }

    private List<PartitionOwner> readyOwners(String queue) {
        Map<Integer, PartitionOwner> ofQueue = owners.get(queue);
        if (ofQueue == null || ofQueue.isEmpty()) {
            return List.of();
        }
        List<PartitionOwner> list = new ArrayList<>(ofQueue.values());
        int start = Math.floorMod(rotation.getAndIncrement(), list.size());
        List<PartitionOwner> rotated = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            PartitionOwner o = list.get((start + i) % list.size());
            if (o.hasReady()) {
                rotated.add(o);
            }
        }
        return rotated;
    }

    /**
     * A poll: tried whenever something may be ready, until it has deliveries or its wait is over. A send may reserve
     * it while it is idle ({@link #reserve}) and deliver to it in the write that stores the messages.
     */
    private final class Waiter implements PartitionOwner.Taker {
        final String queue;
        final String pollId;
        final int max;
        final CompletableFuture<List<InDelivery>> result = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeout;
        private boolean taking;
        private boolean again;
        /** The wait is over or the poll was cancelled while it was taking: answer with what the take brings. */
        private boolean ending;

        Waiter(String queue, String pollId, int max) {
            this.queue = queue;
            this.pollId = pollId;
            this.max = max;
        }

        void attempt() {
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                if (taking) {
                    again = true;
                    return;
                }
                taking = true;
                again = false;
            }
            take(readyOwners(queue), 0, new ArrayList<>());
        }

        private void take(List<PartitionOwner> from, int index, List<InDelivery> got) {
            if (got.size() >= max || index >= from.size()) {
                taken(got);
                return;
            }
            PartitionOwner owner = from.get(index);
            owner.take(max - got.size()).whenComplete((deliveries, e) -> {
                if (deliveries != null && !fit(got, deliveries)) {
                    taken(got); // full: the rest waits for the next poll
                    return;
                }
                take(from, index + 1, got);
            });
        }

        /**
         * Adds deliveries to an answer while it stays within {@link #ANSWER_BYTES} (the first always fits: one message
         * is at most 16 MiB); gives back, without counting an attempt, those that do not fit, so that an answer never
         * outgrows what node messaging carries (a poll of many large messages would lose them all until their
         * deadline). Returns whether all fitted.
         */
        private boolean fit(List<InDelivery> got, List<InDelivery> deliveries) {
            long bytes = 0;
            for (InDelivery d : got) {
                bytes += size(d);
            }
            List<InDelivery> over = new ArrayList<>();
            for (InDelivery d : deliveries) {
                long size = size(d);
                if (!got.isEmpty() && (!over.isEmpty() || bytes + size > ANSWER_BYTES)) {
                    over.add(d);
                } else {
                    got.add(d);
                    bytes += size;
                }
            }
            giveBack(over);
            return over.isEmpty();
        }

        /** Reserves the poll for a send if it is idle (not taking, not answered): as a take of its own would. */
        synchronized boolean reserve() {
            if (result.isDone() || taking) {
                return false;
            }
            taking = true;
            again = false;
            return true;
        }

        @Override
        public int max() {
            return max;
        }

        /** The wait is over, or the client cancelled the poll. */
        void end() {
            synchronized (this) {
                if (taking) {
                    ending = true;
                    return;
                }
            }
            finish(List.of());
        }

        @Override
        public void taken(List<InDelivery> got) {
            boolean retry;
            boolean end;
            synchronized (this) {
                taking = false;
                end = ending;
                retry = got.isEmpty() && again && !end && !result.isDone();
            }
            if (!got.isEmpty() || end) {
                if (!finish(got)) {
                    giveBack(got);
                }
            } else if (retry) {
                attempt();
            }
        }

        /** Answers the poll; false if it was answered already. */
        boolean finish(List<InDelivery> deliveries) {
            if (!result.complete(deliveries)) {
                return false;
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            Set<Waiter> ws = waiting.get(queue);
            if (ws != null) {
                ws.remove(this);
            }
            if (pollId != null) {
                byId.remove(pollId, this);
            }
            return true;
        }

        /** What a delivery adds to an answer, about. */
        private static long size(InDelivery d) {
            long n = 64L + d.payload().length + (d.key() == null ? 0 : 2L * d.key().length()) + d.id().length();
            if (d.headers() != null) {
                for (Map.Entry<String, String> h : d.headers().entrySet()) {
                    n += 2L * (h.getKey().length() + h.getValue().length());
                }
            }
            return n;
        }

        private void giveBack(Collection<InDelivery> deliveries) {
            for (InDelivery d : deliveries) {
                Map<Integer, PartitionOwner> ofQueue = owners.get(queue);
                MessageIds.Parsed id = MessageIds.parse(new io.dsync.queue.MessageId(d.id()), Integer.MAX_VALUE);
                PartitionOwner owner = ofQueue == null ? null : ofQueue.get(id.partition());
                if (owner != null) {
                    owner.settle(null, EntryId.parse(id.entry()), d.attempt(), Action.RELEASE, 0);
                }
            }
        }
    }
}
