package io.dsync.queue.node.owner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Meter;

import io.dsync.queue.Message;
import io.dsync.queue.core.EntryId;
import io.dsync.queue.core.PartitionState;
import io.dsync.queue.core.PartitionState.DeadLetter;
import io.dsync.queue.core.PartitionState.Grant;
import io.dsync.queue.core.PartitionState.Settlement;
import io.dsync.queue.node.owner.OwnerException.Kind;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.node.store.PartitionStore.Batch;
import io.dsync.queue.node.store.PartitionStore.Fenced;
import io.dsync.queue.node.store.PartitionStore.StoredEntry;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueWire.Action;
import io.dsync.queue.protocol.QueueWire.InDelivery;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.queue.protocol.QueueWire.SettleReply;
import io.dsync.redis.RedisErrors;

/**
 * The owner of one partition on this node, for one epoch: the delivery state ({@link PartitionState}, plain Java) in
 * memory, Redis behind it.
 * <p>
 * Writes go through one pipeline: calls that arrive while a batch is in Redis are gathered into the next batch, one
 * fenced script per batch, so the partition's writes reach Redis in the order the state made them, and many small
 * calls cost one round trip. The state changes first (a take, an ack) and the call's answer waits for its batch; if
 * a batch fails, what Redis holds is not known any more, so the owner gives the partition up ({@link Listener#lost}):
 * a fenced batch means another node owns it; any other failure makes the node claim it again and reload it from Redis
 * once Redis answers. Either way no caller is told that something happened which Redis does not hold.
 * <p>
 * Thread-safe: the state is guarded by this object's monitor; Redis answers are handled on Redisson's threads and
 * callers' futures completed outside the monitor.
 */
public final class PartitionOwner {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionOwner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    /** Most operations in one script: bounds the time one script holds Redis. */
    static final int MAX_BATCH_OPS = 512;

    /** What the node learns from its owners. */
    public interface Listener {
        /** Messages may be deliverable now: wake the waiting polls of the queue. */
        void ready(PartitionOwner owner);

        /** The owner stopped: fenced (another node owns the partition) or its storage failed. */
        void lost(PartitionOwner owner, Throwable cause);

        /** A message left the partition for its dead-letter queue (or was deleted, the queue having none). */
        default void deadLettered(PartitionOwner owner) {
        }

        /**
         * A poll that waits for messages of the owner's queue and is idle, reserved for a send: the owner stores the
         * send's messages together with their first delivery to it, instead of storing them and then the delivery
         * in a second write. The poll is the send's until {@link Taker#taken} (with what it got, possibly
         * nothing). {@code null} if no poll waits.
         */
        default Taker reserve(PartitionOwner owner) {
            return null;
        }
    }

    /** A waiting poll reserved by {@link Listener#reserve}. */
    public interface Taker {
        /** How many deliveries it takes at most. */
        int max();

        /** Ends the reservation with the deliveries made to it (none if the send delivered nothing or failed). */
        void taken(List<InDelivery> deliveries);
    }

    private final QueueMeta meta;
    private final int partition;
    private final PartitionKeys keys;
    private final Meter sentRate;
    private final Meter deliveredRate;
    private final Meter ackedRate;
    private final long epoch;
    private final PartitionStore store;
    private final PartitionState state;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;
    private final DeadLetterSink deadLetters;
    private final Listener listener;

    /** The bodies of the messages this owner stored, for their deliveries. */
    private final StoredBodies bodies;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Set<EntryId> deadLettering = new HashSet<>();
    private final Set<EntryId> deadLetterFailed = new HashSet<>();
    /**
     * The newest entry the state has seen, or the stream's last id at the load: every entry up to it was loaded or
     * is gone.
     */
    private EntryId last;
    /** The keys of the messages that the batch being composed stores (see {@link #flush()}). */
    private final Set<String> batchKeys = new HashSet<>();
    /** Set when Redis answered a new entry an id not above {@link #last}: Redis lost writes; reload. */
    private String behind;
    /** First-delivery records written with a message and then deleted because the state refused the delivery. */
    private long recordsUndone;
    private boolean writing;
    private boolean closed;
    /** Set by {@link #drain()}: no more deliveries or timer work, the writes already accepted go on. */
    private boolean draining;
    /** Completes once draining and nothing is queued or in Redis any more (or closed). */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private long tickAt = Long.MAX_VALUE;
    private ScheduledFuture<?> tick;

    /** One operation waiting for its batch: how it writes, how many answers it reads, what it does with them. */
    private interface Pending {
        void write(Batch batch);

        int answers();

        /** Handles the operation's answers (under the monitor); returns what to run after the monitor is left. */
        Runnable done(List<byte[]> answers);

        void fail(RuntimeException e);
    }

    public PartitionOwner(QueueMeta meta, int partition, PartitionKeys keys, long epoch, PartitionStore.Loaded loaded,
                          PartitionStore store, LongSupplier clock, ScheduledExecutorService timer,
                          DeadLetterSink deadLetters, Listener listener, BodyBudget budget) {
        this.meta = meta;
        this.partition = partition;
        this.keys = keys;
        this.epoch = epoch;
        this.store = store;
        this.clock = clock;
        // On the owner's clock, as everything else here (tests move it).
        Clock ticks = new Clock() {
            @Override
            public long getTick() {
                return clock.getAsLong() * 1_000_000;
            }
        };
        this.sentRate = new Meter(ticks);
        this.deliveredRate = new Meter(ticks);
        this.ackedRate = new Meter(ticks);
        this.timer = timer;
        this.deadLetters = deadLetters;
        this.listener = listener;
        this.bodies = new StoredBodies(budget);
        this.state = new PartitionState(meta.maxDeliveries());
        for (StoredEntry e : loaded.entries()) {
            last = EntryId.parse(e.id());
            state.restore(last, e.key(), e.attempts(), e.invisibleUntil());
        }
        // Entries stored and deleted before this owner's claim are above the last one loaded: a retried send answered
        // their ids must not bring them back.
        if (loaded.lastId() != null && (last == null || EntryId.parse(loaded.lastId()).compareTo(last) > 0)) {
            last = EntryId.parse(loaded.lastId());
        }
    }

    public QueueMeta meta() {
        return meta;
    }

    public String queue() {
        return meta.name();
    }

    public int partition() {
        return partition;
    }

    public long epoch() {
        return epoch;
    }

    /** Starts the timer of deadlines and dead letters; call once, after the owner is registered. */
    public void start() {
        later(0);
    }

    /** Runs the tick after a delay; nothing once the node's timer has stopped (the node is stopping). */
    private ScheduledFuture<?> later(long delayMillis) {
        try {
            return timer.schedule(this::tick, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Stops: waiting operations fail as {@link Kind#NOT_OWNER}; nothing more is written. A batch already in Redis
     * still completes its calls (or fails them, if it was fenced).
     */
    public void close() {
        List<Pending> failed;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            failed = new ArrayList<>(pending);
            pending.clear();
            bodies.clear();
            if (tick != null) {
                tick.cancel(false);
            }
        }
        OwnerException e = notOwner();
        failed.forEach(p -> p.fail(e));
        drained.complete(null);
    }

    /**
     * Starts giving the partition up without dropping work: from now on it delivers nothing (a take answers none, the
     * partition reports nothing ready) and its timer stops (deadlines and dead letters are the next owner's, which
     * reads them from Redis), while the writes already accepted, and those still arriving (a send or a settlement of
     * a request being handled, a release of a delivery its poll no longer wanted), go to Redis as before, so their
     * callers get real answers instead of a retry. Call {@link #close()} afterwards.
     *
     * @return completes when nothing is queued or in Redis any more
     */
    public CompletionStage<Void> drain() {
        boolean idle;
        synchronized (this) {
            draining = true;
            if (tick != null) {
                tick.cancel(false);
                tick = null;
                tickAt = Long.MAX_VALUE;
            }
            idle = closed || (!writing && pending.isEmpty());
        }
        if (idle) {
            drained.complete(null);
        }
        return drained;
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    public synchronized PartitionState.Stats stats() {
        return state.stats(clock.getAsLong());
    }

    /**
     * Messages per second stored, delivered and acknowledged here, each a one-minute moving average since this owner
     * claimed the partition (counted when the state decides, before Redis confirms).
     */
    public record Rates(double sent, double delivered, double acked) {
    }

    public Rates rates() {
        return new Rates(sentRate.getOneMinuteRate(), deliveredRate.getOneMinuteRate(), ackedRate.getOneMinuteRate());
    }

    /** How many first-delivery records were written for messages the state then refused (and deleted again). */
    synchronized long recordsUndone() {
        return recordsUndone;
    }

    public synchronized boolean hasReady() {
        return !closed && !draining && state.hasReady(clock.getAsLong());
    }

    // ------------------------------------------------------------------ sends

    /**
     * Stores messages, atomically, in order; a call id seen before answers the ids of its first success.
     *
     * @return the message ids
     */
    public CompletionStage<List<String>> send(String callId, List<OutMessage> messages) {
        List<byte[][]> encoded = new ArrayList<>(messages.size());
        for (OutMessage m : messages) {
            encoded.add(new byte[][] {bytes(m.key() == null ? "" : m.key()), m.payload(), headers(m.headers())});
        }
        // A poll waits (nothing was ready for it): the messages go to it in the write that stores them.
        Taker taker = listener.reserve(this);
        // The keys that have an entry here now. Such an entry acknowledged before this send's batch is written leaves
        // the state at once, but its delete may go to Redis in a later batch (more than MAX_BATCH_OPS writes queued):
        // a first delivery of the new message would then be stored before the delete, and should that later batch
        // fail, the next owner would load two deliveries of one key at once.
        Set<String> busy = taker == null ? Set.of() : busyKeys(messages);
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        enqueue(new Pending() {
            /** Per message, the delivery record written with it, or null; null for none at all. */
            private List<String> records;
            private long deadline;

            @Override
            public void write(Batch batch) {
                records = taker == null || draining ? null : firstDeliveries(messages, taker.max());
                if (records == null) {
                    batch.add(callId, encoded);
                } else {
                    batch.addDelivering(callId, encoded, records);
                }
                for (OutMessage m : messages) {
                    if (m.key() != null) {
                        batchKeys.add(m.key());
                    }
                }
            }

            /**
             * Which messages go to the poll: up to its max, each the only one of its key in the partition, this
             * batch's earlier sends included (the state would refuse it, and a record written for nothing would count
             * as a delivery at the next owner). Under the monitor.
             */
            private List<String> firstDeliveries(List<OutMessage> messages, int max) {
                deadline = clock.getAsLong() + meta.visibilityTimeoutMs();
                String record = 1 + ":" + deadline;
                List<String> chosen = new ArrayList<>(messages.size());
                Set<String> keys = new HashSet<>();
                int left = max;
                for (OutMessage m : messages) {
                    boolean first = left > 0 && (m.key() == null || !busy.contains(m.key())
                            && state.keyFree(m.key()) && !batchKeys.contains(m.key()) && keys.add(m.key()));
                    chosen.add(first ? record : null);
                    left -= first ? 1 : 0;
                }
                return left == max ? null : chosen;
            }

            @Override
            public int answers() {
                return 1;
            }

            @Override
            public Runnable done(List<byte[]> answers) {
                String joined = PartitionStore.string(answers.get(0));
                // A call seen before answers its first ids: entries this owner stored (Redisson sent the script
                // twice, or the client retried) or an earlier owner did (loaded, or gone since): known unless newer.
                boolean replay = joined.startsWith("=");
                if (replay) {
                    joined = joined.substring(1);
                }
                List<String> ids = new ArrayList<>(messages.size());
                List<InDelivery> delivered = new ArrayList<>();
                List<EntryId> undelivered = new ArrayList<>();
                boolean readyNow = false;
                int appended = 0;
                for (String entry : joined.split(",")) {
                    EntryId id = EntryId.parse(entry);
                    int index = ids.size();
                    if (!replay && last != null && id.compareTo(last) <= 0 && behind == null) {
                        behind = "Redis gave the new entry " + id + " of partition " + partition + " of queue '"
                                + queue() + "' an id not above " + last + ", which this owner holds: Redis lost "
                                + "writes (a restart or failover)";
                    }
                    if (last == null || id.compareTo(last) > 0) {
                        appended++;
                        OutMessage m = index < messages.size() ? messages.get(index) : null;
                        state.append(id, m == null ? null : m.key());
                        if (m != null && !closed) {
                            bodies.keep(id, m);
                        }
                        last = id;
                        String record = records == null || index >= records.size() ? null : records.get(index);
                        Grant g = record == null ? null : state.deliverAppended(id, deadline);
                        if (g != null) {
                            delivered.add(new InDelivery(MessageIds.of(partition, entry).value(), g.key(), m.payload(),
                                    m.headers() == null ? Map.of() : m.headers(), g.attempt(), id.millis(), deadline));
                        } else {
                            readyNow = true;
                            if (record != null) {
                                // Stored with a first delivery that the state refused (an older message of its
                                // key arrived meanwhile): forget the record, or a new owner would count it.
                                undelivered.add(id);
                            }
                        }
                    }
                    ids.add(MessageIds.of(partition, entry).value());
                }
                sentRate.mark(appended);
                if (!delivered.isEmpty()) {
                    deliveredRate.mark(delivered.size());
                    scheduleTick();
                }
                if (!undelivered.isEmpty()) {
                    // Not expected since a batch's earlier keys count as taken: written by the next batch
                    // (completed() flushes it), and counted.
                    recordsUndone += undelivered.size();
                    pending.add(forget(undelivered));
                }
                boolean wake = readyNow;
                return () -> {
                    result.complete(ids);
                    if (taker != null) {
                        taker.taken(delivered);
                    }
                    if (wake) {
                        listener.ready(PartitionOwner.this);
                    }
                };
            }

            @Override
            public void fail(RuntimeException e) {
                result.completeExceptionally(e);
                if (taker != null) {
                    taker.taken(List.of());
                }
            }
        });
        return result;
    }

    /** Deletes the delivery records of entries that were not delivered after all. */
    private static Pending forget(List<EntryId> entries) {
        return new Pending() {
            @Override
            public void write(Batch batch) {
                entries.forEach(e -> batch.attempts(e.toString(), 0, 0));
            }

            @Override
            public int answers() {
                return 0;
            }

            @Override
            public Runnable done(List<byte[]> answers) {
                return () -> { };
            }

            @Override
            public void fail(RuntimeException e) {
                // The partition is given up with the batch; its next owner counts one delivery too many at most.
            }
        };
    }

    // ------------------------------------------------------------------ deliveries

    /**
     * Delivers up to {@code max} messages that are ready now; completes with none at once if there is none.
     */
    public CompletionStage<List<InDelivery>> take(int max) {
        List<Grant> grants;
        List<StoredBodies.Body> known = new ArrayList<>();
        int unknown = 0;
        synchronized (this) {
            if (closed || draining) {
                return CompletableFuture.completedFuture(List.of());
            }
            grants = state.take(max, clock.getAsLong(), meta.visibilityTimeoutMs());
            if (grants.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            deliveredRate.mark(grants.size());
            for (Grant g : grants) {
                StoredBodies.Body b = bodies.get(g.entry());
                known.add(b);
                unknown += b == null ? 1 : 0;
            }
            scheduleTick();
            // Queued before the monitor is left, so that Redis gets the writes in the order the state made them.
            return deliver(grants, known, unknown);
        }
    }

    private CompletionStage<List<InDelivery>> deliver(List<Grant> grants, List<StoredBodies.Body> known, int fetched) {
        CompletableFuture<List<InDelivery>> result = new CompletableFuture<>();
        enqueue(new Pending() {
            @Override
            public void write(Batch batch) {
                for (int i = 0; i < grants.size(); i++) {
                    Grant g = grants.get(i);
                    if (known.get(i) == null) {
                        batch.take(g.entry().toString(), g.attempt(), g.visibleUntil());
                    } else {
                        // The body is here: only the delivery record is written.
                        batch.attempts(g.entry().toString(), g.attempt(), g.visibleUntil());
                    }
                }
            }

            @Override
            public int answers() {
                return 4 * fetched;
            }

            @Override
            public Runnable done(List<byte[]> answers) {
                List<InDelivery> deliveries = new ArrayList<>(grants.size());
                int at = 0;
                for (int i = 0; i < grants.size(); i++) {
                    Grant g = grants.get(i);
                    String id = MessageIds.of(partition, g.entry().toString()).value();
                    StoredBodies.Body b = known.get(i);
                    if (b != null) {
                        deliveries.add(new InDelivery(id, g.key(), b.payload(), b.headers(), g.attempt(),
                                g.entry().millis(), g.visibleUntil()));
                        continue;
                    }
                    if (!"1".equals(PartitionStore.string(answers.get(at)))) {
                        // Gone from the stream although the state had it: nothing to deliver; forget it.
                        LOG.warn("Queue {} partition {}: entry {} is missing from Redis; dropped from the delivery state",
                                queue(), partition, g.entry());
                        state.remove(g.entry());
                    } else {
                        deliveries.add(new InDelivery(id, g.key(), answers.get(at + 2), parseHeaders(answers.get(at + 3)),
                                g.attempt(), g.entry().millis(), g.visibleUntil()));
                    }
                    at += 4;
                }
                return () -> result.complete(deliveries);
            }

            @Override
            public void fail(RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ settling

    /**
     * Acts on one delivery.
     *
     * @param callId the client's call id: a retried ack of an acked message succeeds
     * @param entry the delivery's stream entry
     * @param attempt the delivery's attempt
     * @param action what to do
     * @param millis the requeue delay, or the extension counted from now
     */
    public synchronized CompletionStage<SettleReply> settle(String callId, EntryId entry, int attempt, Action action,
            long millis) {
        // Under the monitor to the end, so that Redis gets the writes in the order the state made them (the reload after
        // a failed batch must not find a later delivery of the next entry of a key before this ack's delete).
        if (closed) {
            return CompletableFuture.failedFuture(notOwner());
        }
        long now = clock.getAsLong();
        Settlement outcome = switch (action) {
            case ACK -> state.ack(entry, attempt);
            case REQUEUE -> state.nack(entry, attempt, false, millis, now);
            case DEAD_LETTER -> state.nack(entry, attempt, true, 0, now);
            case EXTEND -> state.extend(entry, attempt, now + millis, now);
            case RELEASE -> state.release(entry, attempt);
        };
        if (outcome == Settlement.ACKED) {
            ackedRate.mark();
            bodies.forget(entry);
            dueDeadLetters();
        }
        scheduleTick();
        SettleReply done = new SettleReply(action == Action.EXTEND ? now + millis : 0, now);
        // An ack may have unblocked the next entry of its key, a requeue or release made the entry ready again: wake the
        // polls waiting on this node once it is written, as a send does.
        return switch (outcome) {
            case ACKED -> write(b -> b.delete(callId, entry.toString()), 1, done, true);
            case REQUEUED -> write(b -> b.attempts(entry.toString(), attempt, now + millis), 0, done, true);
            case EXTENDED -> write(b -> b.attempts(entry.toString(), attempt, now + millis), 0, done, false);
            case RELEASED -> write(b -> b.attempts(entry.toString(), attempt - 1, 0), 0, done, true);
            case DEAD_LETTER_DUE -> {
                // Recorded as visible with its attempts: if this node dies before the move, the next owner
                // delivers it again or, past maxDeliveries, dead-letters it.
                later(0);
                yield write(b -> b.attempts(entry.toString(), attempt, now), 0, done, false);
            }
            case UNKNOWN -> action == Action.ACK && callId != null
                    // The message is gone: if this very call removed it before (a retry), the ack succeeded.
                    ? seen(callId, done, stale(entry, attempt, "was acknowledged or dead-lettered already"))
                    : CompletableFuture.failedFuture(stale(entry, attempt, "was acknowledged or dead-lettered already"));
            case STALE -> CompletableFuture.failedFuture(
                    stale(entry, attempt, "was delivered again since, or never delivered"));
        };
    }

    /** The keys of these messages that an entry of the partition has now. */
    private synchronized Set<String> busyKeys(List<OutMessage> messages) {
        Set<String> busy = new HashSet<>();
        for (OutMessage m : messages) {
            if (!state.keyFree(m.key())) {
                busy.add(m.key());
            }
        }
        return busy;
    }

    private CompletionStage<SettleReply> write(java.util.function.Consumer<Batch> op, int answers, SettleReply reply,
            boolean wake) {
        CompletableFuture<SettleReply> result = new CompletableFuture<>();
        enqueue(new Pending() {
            @Override
            public void write(Batch batch) {
                op.accept(batch);
            }

            @Override
            public int answers() {
                return answers;
            }

            @Override
            public Runnable done(List<byte[]> values) {
                boolean ready = wake && !closed && !draining && state.hasReady(clock.getAsLong());
                return () -> {
                    result.complete(reply);
                    if (ready) {
                        listener.ready(PartitionOwner.this);
                    }
                };
            }

            @Override
            public void fail(RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private CompletionStage<SettleReply> seen(String callId, SettleReply reply, OwnerException otherwise) {
        CompletableFuture<SettleReply> result = new CompletableFuture<>();
        enqueue(new Pending() {
            @Override
            public void write(Batch batch) {
                batch.seen(callId);
            }

            @Override
            public int answers() {
                return 1;
            }

            @Override
            public Runnable done(List<byte[]> values) {
                boolean seen = "1".equals(PartitionStore.string(values.get(0)));
                return () -> {
                    if (seen) {
                        result.complete(reply);
                    } else {
                        result.completeExceptionally(otherwise);
                    }
                };
            }

            @Override
            public void fail(RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private OwnerException stale(EntryId entry, int attempt, String why) {
        return new OwnerException(Kind.STALE, "delivery " + attempt + " of message "
                + MessageIds.of(partition, entry.toString()) + " in queue '" + queue() + "' is not current: the message " + why);
    }

    private OwnerException notOwner() {
        return new OwnerException(Kind.NOT_OWNER, "this node no longer owns partition " + partition + " of queue '"
                + queue() + "'");
    }

    // ------------------------------------------------------------------ timer: deadlines and dead letters

    /** Schedules the tick at the state's next deadline, unless one is due earlier already. Under the monitor. */
    private void scheduleTick() {
        long next = state.nextDeadline();
        if (closed || draining || next >= tickAt) {
            return;
        }
        if (tick != null) {
            tick.cancel(false);
        }
        tickAt = next;
        long delay = Math.max(0, next - clock.getAsLong());
        tick = later(delay + 1);
    }

    /**
     * A tick soon if entries are due to be dead-lettered: an ack or a removal lets the next entry of its key go, which
     * may be due at once (loaded with its deliveries used up) while no deadline is pending. Under the monitor.
     */
    private void dueDeadLetters() {
        // Not while a move is under way or failed: its end, or its retry a second later, looks again (a tick per ack
        // would retry a failing move at the rate of acks).
        if (state.hasDeadLetters() && !draining && deadLettering.isEmpty() && deadLetterFailed.isEmpty()) {
            later(0);
        }
    }

    /** Moves due dead letters out and wakes the pollers when deadlines made messages visible again. */
    void tick() {
        List<DeadLetter> due;
        boolean ready;
        synchronized (this) {
            tickAt = Long.MAX_VALUE;
            tick = null;
            if (closed || draining) {
                return;
            }
            long now = clock.getAsLong();
            due = new ArrayList<>();
            for (DeadLetter d : state.deadLetters(now)) {
                if (deadLettering.add(d.entry())) {
                    due.add(d);
                }
            }
            ready = state.hasReady(now);
            scheduleTick();
        }
        due.forEach(this::deadLetter);
        if (ready) {
            listener.ready(this);
        }
    }

    private void deadLetter(DeadLetter d) {
        String entry = d.entry().toString();
        String id = MessageIds.of(partition, entry).value();
        CompletableFuture<List<byte[]>> fetched = new CompletableFuture<>();
        enqueue(new Pending() {
            @Override
            public void write(Batch batch) {
                batch.get(entry);
            }

            @Override
            public int answers() {
                return 4;
            }

            @Override
            public Runnable done(List<byte[]> values) {
                return () -> fetched.complete(values);
            }

            @Override
            public void fail(RuntimeException e) {
                fetched.completeExceptionally(e);
            }
        });
        fetched.thenCompose(values -> {
            if (!"1".equals(PartitionStore.string(values.get(0))) || meta.deadLetterQueue() == null) {
                if (meta.deadLetterQueue() == null) {
                    LOG.info("Queue {}: message {} deleted after {} deliveries ({}); the queue has no dead-letter queue",
                            queue(), id, d.attempts(), d.reason());
                }
                return CompletableFuture.completedFuture(null);
            }
            Map<String, String> headers = new LinkedHashMap<>(parseHeaders(values.get(3)));
            headers.put(Message.HEADER_ORIGINAL_QUEUE, queue());
            headers.put(Message.HEADER_DEAD_LETTER_REASON, d.reason() == PartitionState.Reason.NACKED
                    ? "rejected by a consumer" : "not acknowledged after " + d.attempts() + " deliveries");
            headers.put(Message.HEADER_DELIVERY_COUNT, Integer.toString(d.attempts()));
            String key = PartitionStore.string(values.get(1));
            return deadLetters.send(meta.deadLetterQueue(), "dl/" + queue() + "/" + id, key.isEmpty() ? null : key,
                    values.get(2), headers);
        }).thenCompose(ignored -> write(b -> b.delete(null, entry), 1, null, false)).whenComplete((ok, e) -> {
            boolean ready;
            boolean firstFailure = false;
            synchronized (this) {
                deadLettering.remove(d.entry());
                if (e == null) {
                    state.remove(d.entry());
                    bodies.forget(d.entry());
                    deadLetterFailed.remove(d.entry());
                    dueDeadLetters();
                } else {
                    firstFailure = deadLetterFailed.add(d.entry());
                }
                ready = state.hasReady(clock.getAsLong());
            }
            if (e == null) {
                listener.deadLettered(this);
                if (ready) {
                    listener.ready(this);
                }
                return;
            }
            // Said once per message at INFO (the dead-letter queue's owner may be moving); the retries at DEBUG.
            if (firstFailure) {
                LOG.info("Queue {}: could not move message {} to the dead-letter queue yet ({}); trying again every second",
                        queue(), id, e.toString());
            } else {
                LOG.debug("Queue {}: dead-lettering message {} failed again: {}", queue(), id, e.toString());
            }
            later(1000);
        });
    }

    // ------------------------------------------------------------------ the write pipeline

    private void enqueue(Pending op) {
        synchronized (this) {
            if (!closed) {
                pending.add(op);
                if (!writing) {
                    flush();
                }
                return;
            }
        }
        op.fail(notOwner());
    }

    /** Sends the waiting operations as one batch. Under the monitor. */
    private void flush() {
        List<Pending> ops = new ArrayList<>();
        Batch batch = new Batch();
        batchKeys.clear();
        while (!pending.isEmpty() && ops.size() < MAX_BATCH_OPS) {
            Pending op = pending.poll();
            op.write(batch);
            ops.add(op);
        }
        writing = true;
        CompletionStage<List<byte[]>> reply;
        try {
            reply = store.apply(keys, epoch, clock.getAsLong(), batch);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((answers, error) -> {
            if (Thread.holdsLock(this)) {
                // Done before it was attached (Redisson refused the call at once): completed() answers callers and
                // wakes polls, which must not run under this owner's monitor (they take other owners' monitors).
                CompletableFuture.runAsync(() -> completed(ops, answers, error));
            } else {
                completed(ops, answers, error);
            }
        });
    }

    private void completed(List<Pending> ops, List<byte[]> answers, Throwable error) {
        List<Runnable> after = new ArrayList<>();
        List<Pending> failed = List.of();
        List<Pending> unwritten = List.of();
        Throwable cause = error instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                ? ce.getCause() : error;
        Throwable reload = null;
        boolean lost = false;
        boolean idle;
        synchronized (this) {
            writing = false;
            if (cause == null) {
                int at = 0;
                for (Pending op : ops) {
                    try {
                        after.add(op.done(answers.subList(at, at + op.answers())));
                    } catch (RuntimeException e) {
                        LOG.error("Queue {} partition {}: could not handle Redis' answer", queue(), partition, e);
                        after.add(() -> op.fail(new OwnerException(Kind.UNAVAILABLE, e.toString())));
                    }
                    at += op.answers();
                }
                if (behind != null && !closed) {
                    // The batch's calls are answered (what they stored is in Redis); the rest waits for a reload.
                    reload = new IllegalStateException(behind);
                    lost = true;
                    failed = giveUp();
                } else if (!pending.isEmpty() && !closed) {
                    flush();
                }
            } else {
                lost = !closed;
                failed = new ArrayList<>(ops);
                unwritten = giveUp();
            }
            idle = closed || (draining && !writing && pending.isEmpty());
        }
        after.forEach(Runnable::run);
        if (reload != null) {
            OwnerException e = notOwner();
            failed.forEach(op -> op.fail(e));
            listener.lost(this, reload);
        } else if (cause != null) {
            // A fenced batch may still have taken effect: Redisson sends a script again when its answer does not come
            // in time, so the first run can have written it before another node's claim fenced the second. Its calls
            // are answered "outcome unknown": a retried send or ack finds its call id at the next owner, and a release
            // is not sent again (applied twice, it would take back the next consumer's delivery). Calls that were
            // still waiting for a batch did not reach Redis: not the owner any more.
            OwnerException e = cause instanceof Fenced
                    ? new OwnerException(Kind.UNAVAILABLE, "partition " + partition + " of queue '" + queue()
                            + "' was taken over by another node while a write of it was in flight; the outcome is unknown")
                    : new OwnerException(Kind.UNAVAILABLE, "Redis failed while partition " + partition + " of queue '"
                            + queue() + "' was written (" + RedisErrors.describe(cause) + "); the outcome is unknown");
            OwnerException notWritten = cause instanceof Fenced ? notOwner() : e;
            failed.forEach(op -> op.fail(e));
            unwritten.forEach(op -> op.fail(notWritten));
            if (lost) {
                listener.lost(this, cause);
            }
        }
        if (idle) {
            drained.complete(null);
        }
    }

    /** Closes the owner after a failed batch; returns the operations that waited. Under the monitor. */
    private List<Pending> giveUp() {
        closed = true;
        List<Pending> waited = new ArrayList<>(pending);
        pending.clear();
        bodies.clear();
        if (tick != null) {
            tick.cancel(false);
        }
        return waited;
    }

    // ------------------------------------------------------------------ encoding

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] headers(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return new byte[0];
        }
        try {
            return JSON.writeValueAsBytes(headers);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parseHeaders(byte[] json) {
        if (json == null || json.length == 0) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, HEADERS);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable headers in Redis", e);
        }
    }
}
