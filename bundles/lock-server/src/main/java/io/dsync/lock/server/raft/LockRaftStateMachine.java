package io.dsync.lock.server.raft;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.lock.LockMode;
import io.dsync.lock.LockStatus;
import io.dsync.lock.SessionId;
import io.dsync.lock.WaitEdge;
import io.dsync.lock.WaitForCycle;
import io.dsync.lock.core.ApplyResult;
import io.dsync.lock.core.Effect;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.LockStateMachine;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.core.RejectReason;
import io.dsync.lock.protocol.LockCommandCodec;
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollAnswer;
import io.dsync.lock.protocol.PollReply;

/**
 * The Ratis state machine of the lock service: replicates {@link LockStateMachine} through the Raft
 * log.
 *
 * <h2>Log entries and time</h2>
 * A client sends a {@link LockCommandCodec#encodeCommands(List) command message or a batch}. In
 * {@link #startTransaction} the leader validates it and prefixes it with its time
 * ({@link LockCommandCodec#entryHeader(long)}): the log's clock carried on by its monotonic clock since it took over
 * ({@link LeaderClock}), so that no offset between the members' wall clocks, nor a step of one, shortens a lease; {@link #applyTransaction} on every replica decodes
 * the entry and calls {@link LockStateMachine#apply(long, long, LockCommand)} for each of its commands, in
 * order, with the entry's Raft index and that leader time. Session, lease and wait expiries are therefore decided by the log,
 * never by a replica's clock. While this server is the ready leader it checks every tick interval whether to
 * propose a {@link LockCommand.Tick}, so that expiries advance without client traffic: only when its clock has
 * reached the core's next deadline ({@link LockStateMachine#nextDeadlineMillis()}: a wait timeout, lease or session
 * TTL, before which a tick would change nothing), or, while sessions are live, when no entry was committed for
 * {@link #CONTINUITY_MILLIS} (see there). A group with no session commits nothing and writes nothing while idle. A
 * tick is skipped while the previous one is still uncommitted, so ticks never pile up without a quorum. The reply to
 * a message is the list of its commands' {@link Outcome}s
 * ({@link LockCommandCodec#encodeOutcomes(List)}).
 *
 * <h2>Queries</h2>
 * {@link #query} answers {@link LockQuery}s. The server must run with
 * {@code RaftServerConfigKeys.Read.Option.LINEARIZABLE}, so that Ratis calls it on the leader only
 * after confirming leadership and applying every entry committed before the query.
 * {@link LockQuery.AwaitOutcomes} is a client's long-poll for all its calls answered {@link Outcome.Queued}: it
 * is answered at once with the calls whose final outcome the core remembers ({@link LockStateMachine#completedCall},
 * or that it does not know), and otherwise held ({@link HeldPolls}) until an applied entry resolves one of them
 * (grant, timeout, deadlock, cancellation, session end; the answer lists every call of the poll resolved by that
 * entry), the poll window elapses, a newer poll of the same client replaces it (both answered with
 * {@link PollAnswer#NOTHING_YET}), or this server stops being the leader or closes ({@link PollAnswer#NOT_LEADER}).
 * Ratis' Netty server answers a request on the event loop thread that read it, blocked until the answer; one held
 * poll per client, rather than one per waiting call, keeps many waiters from occupying every loop. The held polls
 * are the only state of this adapter that the log does not decide, besides the list of recent deadlocks
 * ({@link #table(int)}): a diagnostic of the entries this replica applied since it started.
 *
 * <h2>Snapshots</h2>
 * {@link #takeSnapshot()} writes one file per snapshot through {@link SimpleStateMachineStorage}
 * (named after the last applied term and index, with an MD5 file beside it) holding exactly
 * {@link LockStateMachine#snapshot()}, whose format (and the older ones it still reads) the core defines.
 * {@link #initialize} and {@link #reinitialize()} load the latest one.
 *
 * <h2>Thread safety</h2>
 * Ratis calls {@code applyTransaction} and {@code takeSnapshot} from one thread, and
 * {@code startTransaction}, {@code query} and the notifications from others; the core and the
 * held polls are guarded by one private monitor. Held poll futures are completed outside it.
 * The instance owns one daemon timer thread, started by {@link #initialize} and stopped by
 * {@link #close()}. One instance serves one Raft group member and cannot be reused.
 */
public class LockRaftStateMachine extends BaseStateMachine {

    /**
     * A log clock gap longer than this is an outage (no leader, no majority, or every member down): it does not count
     * against sessions (see {@link LockStateMachine#LockStateMachine(LockStateMachine.Limits, long)}). Above
     * {@link #CONTINUITY_MILLIS}, the longest a leader with live sessions leaves between entries; a constant because
     * every replica must apply the same rule.
     */
    public static final long OUTAGE_GAP_MILLIS = 2_000;

    /**
     * While sessions are live, the longest the leader lets the log clock stand still: three quarters of
     * {@link #OUTAGE_GAP_MILLIS}. Every replica treats a longer gap between entries as an outage that does not count
     * against sessions, so without an entry now and then an idle leader's gaps would keep every session alive for
     * ever; the margin covers a tick's scheduling delay. Members of earlier versions apply that same rule, so a
     * group of mixed versions (a rolling upgrade) agrees on every expiry.
     */
    public static final long CONTINUITY_MILLIS = OUTAGE_GAP_MILLIS * 3 / 4;

    /** Default interval at which the leader checks whether to propose a {@link LockCommand.Tick}. */
    public static final Duration DEFAULT_TICK_INTERVAL = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(LockRaftStateMachine.class);

    private static final Message TICK = Message.valueOf(
            ByteString.copyFrom(LockCommandCodec.encodeCommand(new LockCommand.Tick())));

    private static final Message NOTHING_YET = answerMessage(PollAnswer.NOTHING_YET);

    private static final Message NOT_LEADER = answerMessage(PollAnswer.NOT_LEADER);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

    private final LockStateMachine.Limits limits;

    /** The time stamped into the entries this member proposes while it leads. */
    private final LeaderClock clock;

    private final Duration tickInterval;

    /** Guards {@link #core}, {@link #polls}, {@link #deadlocks} and {@link #closed}. */
    private final Object mutex = new Object();

    private LockStateMachine core;

    private final HeldPolls polls = new HeldPolls();

    /** The latest deadlocks broken here, oldest first, bounded by {@link LockTableView#RECENT_DEADLOCKS}. */
    private final ArrayDeque<LockTableView.Deadlock> deadlocks = new ArrayDeque<>();

    private volatile String label = "the lock group";

    private volatile Events events = new Events() {
    };

    /**
     * What this replica applies, for metrics: called on the applying thread, after the state changed, for every
     * entry this replica applies (after a restart, also for the entries it replays). Implementations must be fast and
     * must not throw.
     */
    public interface Events {
        /** A lock was granted (also a reentrant grant, and a queued request granted later). */
        default void granted(LockMode mode) {
        }

        /** A request failed because it would have closed a cycle in the wait-for graph. */
        default void deadlock(LockTableView.Deadlock deadlock) {
        }

        /** A grant's lease expired, or its session's did: the lock was taken back. */
        default void expired(Effect.EndCause cause) {
        }

        /** This member learned of a new leader ({@code null}: none known). */
        default void leaderChanged(String leaderId) {
        }
    }

    private boolean closed;

    private final ClientId tickClientId = ClientId.randomId();

    private final AtomicLong tickCallIds = new AtomicLong();

    private final AtomicBoolean tickInFlight = new AtomicBoolean();

    private ScheduledExecutorService timer;

    private ScheduledFuture<?> ticking;

    /**
     * Creates a state machine with {@link LockStateMachine.Limits#DEFAULT}, the system clock and
     * {@link #DEFAULT_TICK_INTERVAL}.
     */
    public LockRaftStateMachine() {
        this(LockStateMachine.Limits.DEFAULT, System::currentTimeMillis, DEFAULT_TICK_INTERVAL);
    }

    /**
     * Creates a state machine.
     *
     * @param limits the core's memory bounds, equal on all replicas
     * @param wallClock the wall clock, epoch ms: where a leader's stamps start when the log's clock is more than
     *     {@link #OUTAGE_GAP_MILLIS} behind it; otherwise they carry on the log's clock ({@link LeaderClock})
     * @param tickInterval the interval of tick proposals, positive
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code tickInterval} is not positive
     */
    public LockRaftStateMachine(LockStateMachine.Limits limits, LongSupplier wallClock, Duration tickInterval) {
        this(limits, wallClock, System::nanoTime, tickInterval);
    }

    /** As above, with the monotonic clock (ns) that carries a leader's stamps on. */
    LockRaftStateMachine(LockStateMachine.Limits limits, LongSupplier wallClock, LongSupplier nanoClock,
                         Duration tickInterval) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = new LeaderClock(wallClock, nanoClock, OUTAGE_GAP_MILLIS);
        this.tickInterval = Objects.requireNonNull(tickInterval, "tickInterval");
        if (tickInterval.isNegative() || tickInterval.isZero()) {
            throw new IllegalArgumentException("tickInterval must be positive, was " + tickInterval);
        }
        this.core = new LockStateMachine(limits, OUTAGE_GAP_MILLIS);
    }

    // ---------------------------------------------------------------- life cycle and snapshots

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            synchronized (mutex) {
                timer = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "dsync-lock-tick-" + server.getId());
                    t.setDaemon(true);
                    return t;
                });
            }
            load(storage.getLatestSnapshot());
        }, IOException.class);
    }

    /**
     * Called by Ratis before it installs a snapshot from the leader (a member whose log ends before the leader's
     * purged log starts: one that was down or cut off while the others took a snapshot). Ratis reloads only a paused
     * machine: before this was implemented, the member's division shut down at the install and the member stayed out
     * of the group until restarted, which then failed the same way.
     */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        // Called after a snapshot was installed from the leader: the state is replaced wholesale.
        failPolls();
        load(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last;
        byte[] bytes;
        synchronized (mutex) {
            last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) {
                return RaftLog.INVALID_LOG_INDEX;
            }
            bytes = core.snapshot();
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel))) {
            out.write(bytes);
            out.flush();
            channel.force(true);
        }
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        LOG.info("{}: snapshot of the lock state at {} written ({} bytes)", getId(), last, bytes.length);
        return last.getIndex();
    }

    @Override
    public void close() throws IOException {
        ScheduledExecutorService t;
        synchronized (mutex) {
            closed = true;
            t = timer;
        }
        stopTicking();
        failPolls();
        if (t != null) {
            t.shutdownNow();
        }
        super.close();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (!file.exists()) {
            LOG.warn("{}: latest snapshot {} does not exist, starting from the log", getId(), file);
            return;
        }
        MD5Hash expected = snapshot.getFile().getFileDigest();
        if (expected == null) {
            expected = MD5FileUtil.readStoredMd5ForFile(file);
        }
        MD5Hash actual = MD5FileUtil.computeMd5ForFile(file);
        if (expected != null && !expected.equals(actual)) {
            throw new IOException("snapshot " + file + " is corrupt: MD5 " + actual + " instead of " + expected);
        }
        TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file);
        LockStateMachine restored = new LockStateMachine(limits, OUTAGE_GAP_MILLIS);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()))) {
            restored.restore(in);
        }
        synchronized (mutex) {
            core = restored;
        }
        setLastAppliedTermIndex(last);
        LOG.info("{}: lock state loaded from snapshot {}", getId(), last);
    }

    // ---------------------------------------------------------------- the log

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString command = request.getMessage().getContent();
        TransactionContext.Builder trx = TransactionContext.newBuilder().setStateMachine(this)
                .setClientRequest(request);
        try {
            // Reject garbage before it reaches the log; the bytes themselves are logged unchanged.
            LockCommandCodec.decodeCommands(command.toByteArray());
        } catch (IllegalArgumentException e) {
            TransactionContext failed = trx.build();
            failed.setException(new IOException("rejected lock command: " + e.getMessage(), e));
            return failed;
        }
        ByteString entry = ByteString.copyFrom(LockCommandCodec.entryHeader(clock.now())).concat(command);
        return trx.setLogData(entry).build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        List<Outcome> outcomes = new ArrayList<>();
        HeldPolls.Answers answers = new HeldPolls.Answers();
        synchronized (mutex) {
            LockCommandCodec.LogEntry decoded = null;
            try {
                decoded = LockCommandCodec.decodeEntry(entry.getStateMachineLogEntry().getLogData().newInput());
            } catch (IllegalArgumentException e) {
                // Only an incompatible writer can cause this; every replica answers it identically.
                LOG.error("{}: undecodable log entry {}: {}", getId(), index, e.getMessage());
            }
            if (decoded == null) {
                outcomes.add(Outcome.Rejected.of(RejectReason.INVALID, "undecodable log entry " + index));
            } else {
                // The commands of a batch share the entry's index and time; the core issues them increasing tokens.
                for (LockCommand command : decoded.commands()) {
                    ApplyResult result = core.apply(index, decoded.leaderTimeMillis(), command);
                    outcomes.add(result.outcome());
                    track(index, decoded.leaderTimeMillis(), command, result, answers);
                }
            }
            updateLastAppliedTermIndex(entry.getTerm(), index);
            clock.applied();
        }
        answers.complete();
        return CompletableFuture.completedFuture(Message.valueOf(
                ByteString.copyFrom(LockCommandCodec.encodeOutcomes(outcomes))));
    }

    /** Reports what an applied command did and answers the held polls of the calls it resolved. Holds mutex. */
    private void track(long index, long logTime, LockCommand command, ApplyResult result, HeldPolls.Answers answers) {
        Outcome outcome = result.outcome();
        observe(index, logTime, command, outcome);
        if (command instanceof LockCommand.CancelWait c && outcome instanceof Outcome.Cancelled) {
            // A withdrawn wait is answered directly, not reported as an effect.
            polls.resolve(new LockQuery.CallRef(c.sessionId(), c.callId()), outcome, answers);
        }
        for (Effect effect : result.effects()) {
            if (effect instanceof Effect.WaitCompleted w) {
                polls.resolve(new LockQuery.CallRef(w.sessionId(), w.callId()), w.outcome(), answers);
                observe(index, logTime, null, w.outcome());
                if (command instanceof LockCommand.BreakDeadlock b && w.outcome() instanceof Outcome.Rejected r
                        && r.cycle().isPresent()) {
                    // A deadlock across groups, broken here by the detector's entry (CrossGroupDetector).
                    deadlock(index, logTime, b.victim(), r.cycle().get());
                }
            } else if (effect instanceof Effect.GrantEnded g && g.cause() != Effect.EndCause.SESSION_CLOSED) {
                events.expired(g.cause());
            }
        }
    }

    /** Reports grants and deadlocks of an outcome (a command's own, or a queued call's). Holds mutex. */
    private void observe(long index, long logTime, LockCommand command, Outcome outcome) {
        if (outcome instanceof Outcome.Granted g) {
            events.granted(g.grant().mode());
        } else if (command != null && outcome instanceof Outcome.Rejected r && r.cycle().isPresent()) {
            SessionId victim = command instanceof LockCommand.Acquire a ? a.sessionId()
                    : command instanceof LockCommand.Upgrade u ? u.sessionId() : null;
            if (victim != null) {
                deadlock(index, logTime, victim, r.cycle().get());
            }
        }
    }

    private void deadlock(long index, long logTime, SessionId victim, WaitForCycle cycle) {
        String lock = cycle.edges().stream().filter(e -> e.waiter().equals(victim)).findFirst()
                .orElse(cycle.edges().get(0)).lockName();
        LockTableView.Deadlock d = new LockTableView.Deadlock(index, Instant.ofEpochMilli(logTime), lock, victim, cycle);
        deadlocks.addLast(d);
        while (deadlocks.size() > LockTableView.RECENT_DEADLOCKS) {
            deadlocks.removeFirst();
        }
        events.deadlock(d);
    }

    /**
     * Names the group in this member's log lines (default {@code "the lock group"}).
     *
     * @param label e.g. {@code "lock group 2"}
     */
    public void setLabel(String label) {
        this.label = Objects.requireNonNull(label, "label");
    }

    /**
     * Sets the receiver of this replica's events (grants, deadlocks, expiries, leader changes).
     *
     * @param events the receiver
     */
    public void setEvents(Events events) {
        this.events = Objects.requireNonNull(events, "events");
    }

    /**
     * Returns this replica's view of the lock table, as applied here (no consistency guarantee; clients read
     * through {@link LockQuery.Table}).
     *
     * @param maxLocks how many locks to list at most
     * @return the view
     */
    public LockTableView table(int maxLocks) {
        synchronized (mutex) {
            List<LockStatus> all = core.locks();
            long clock = core.clockMillis();
            return new LockTableView(getLastAppliedTermIndex().getIndex(),
                    Instant.ofEpochMilli(clock == Long.MIN_VALUE ? 0 : clock), core.sessions().size(),
                    all.size(), all.subList(0, Math.min(maxLocks, all.size())), core.waitForGraph().edges(),
                    List.copyOf(deadlocks));
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public CompletableFuture<Message> query(Message request) {
        LockQuery query;
        try {
            query = LockCommandCodec.decodeQuery(request.getContent().toByteArray());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (query instanceof LockQuery.Status q) {
            try {
                synchronized (mutex) {
                    return CompletableFuture.completedFuture(Message.valueOf(
                            ByteString.copyFrom(LockCommandCodec.encodeStatus(core.status(q.lockName())))));
                }
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        if (query instanceof LockQuery.Table q) {
            return CompletableFuture.completedFuture(Message.valueOf(
                    ByteString.copyFrom(LockCommandCodec.encodeTable(table(q.maxLocks())))));
        }
        return awaitOutcomes((LockQuery.AwaitOutcomes) query);
    }

    private CompletableFuture<Message> awaitOutcomes(LockQuery.AwaitOutcomes q) {
        LOG.debug("{}: long-poll of {} #{} for {} calls", getId(), q.pollerId(), q.sequence(), q.calls().size());
        List<PollAnswer.CallReply> ready = new ArrayList<>();
        HeldPolls.Answers replaced = new HeldPolls.Answers();
        HeldPolls.Poll poll = null;
        synchronized (mutex) {
            if (closed) {
                return CompletableFuture.completedFuture(NOT_LEADER);
            }
            if (polls.isOvertaken(q)) {
                return CompletableFuture.completedFuture(NOTHING_YET);
            }
            for (LockQuery.CallRef call : q.calls()) {
                Outcome done = core.completedCall(call.sessionId(), call.callId()).orElse(null);
                if (done != null) {
                    ready.add(new PollAnswer.CallReply(call, new PollReply.Resolved(done)));
                } else if (!core.isWaiting(call.sessionId(), call.callId())) {
                    ready.add(new PollAnswer.CallReply(call, new PollReply.Unknown()));
                }
            }
            if (ready.isEmpty()) {
                poll = polls.hold(q, replaced);
            } else {
                polls.dropPoller(q.pollerId(), replaced);
            }
        }
        replaced.complete();
        if (poll == null) {
            return CompletableFuture.completedFuture(answerMessage(new PollAnswer(false, ready)));
        }
        HeldPolls.Poll held = poll;
        held.answer.completeOnTimeout(PollAnswer.NOTHING_YET, q.windowMillis(), TimeUnit.MILLISECONDS);
        held.answer.whenComplete((a, e) -> {
            synchronized (mutex) {
                polls.forget(held);
            }
        });
        return held.answer.thenApply(LockRaftStateMachine::answerMessage);
    }

    /**
     * Returns the status of a lock from this replica's applied state, without any consistency
     * guarantee (for diagnostics and tests; clients read through {@link LockQuery.Status}).
     *
     * @param lockName the lock name
     * @return the status as applied here
     */
    public LockStatus localStatus(String lockName) {
        synchronized (mutex) {
            return core.status(lockName);
        }
    }

    /**
     * Returns the number of long-polls currently held (at most one per client).
     *
     * @return the number of held polls
     */
    public int heldPolls() {
        synchronized (mutex) {
            return polls.size();
        }
    }

    /**
     * Returns the number of calls the held long-polls wait for.
     *
     * @return the calls of the held polls
     */
    public int heldPollCalls() {
        synchronized (mutex) {
            return polls.calls();
        }
    }

    /**
     * @param edge a wait-for edge of this group
     * @return the waiting call that has it ({@link LockStateMachine#waitingCall}), 0 if none
     */
    public long waitingCall(WaitEdge edge) {
        synchronized (mutex) {
            return core.waitingCall(edge);
        }
    }

    /**
     * Returns the number of calls waiting in this replica's table (acquires and upgrades answered {@code Queued}).
     *
     * @return the number of waiting calls
     */
    public int waitingCalls() {
        synchronized (mutex) {
            return core.waitingCalls();
        }
    }

    private void failPolls() {
        List<HeldPolls.Poll> held;
        synchronized (mutex) {
            held = polls.clear();
        }
        for (HeldPolls.Poll poll : held) {
            poll.answer.complete(PollAnswer.NOT_LEADER);
        }
    }

    private static Message answerMessage(PollAnswer answer) {
        return Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodePollAnswer(answer)));
    }

    // ---------------------------------------------------------------- leadership and ticks

    @Override
    public void notifyLeaderReady() {
        synchronized (mutex) {
            clock.lead(core.clockMillis()); // every entry before this term is applied: the log's clock is current
        }
        startTicking();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        // Ratis logs elections at INFO by the dozen lines (etc/logback.xml keeps it at WARN): one line per change here.
        RaftPeerId self = groupMemberId.getPeerId();
        if (newLeaderId == null) {
            LOG.debug("{}: {} has no leader it knows of", self, label);
        } else if (newLeaderId.equals(self)) {
            LOG.info("{}: leads {}", self, label);
        } else {
            LOG.info("{}: follows {} in {}", self, newLeaderId, label);
        }
        events.leaderChanged(newLeaderId == null ? null : newLeaderId.toString());
        if (!groupMemberId.getPeerId().equals(newLeaderId)) {
            stopTicking();
            failPolls();
        }
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        stopTicking();
        failPolls();
    }

    private void startTicking() {
        synchronized (mutex) {
            if (closed || timer == null || ticking != null) {
                return;
            }
            long period = tickInterval.toMillis();
            ticking = timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void stopTicking() {
        clock.follow();
        synchronized (mutex) {
            if (ticking != null) {
                ticking.cancel(false);
                ticking = null;
            }
        }
    }

    /**
     * Whether a tick would expire something now, or keep the log clock from standing still for longer than
     * {@link #CONTINUITY_MILLIS} while sessions are live.
     */
    private boolean tickDue(long now) {
        synchronized (mutex) {
            long clock = core.clockMillis();
            if (now <= clock) {
                return false; // a tick's time would not move the clock (this leader's clock is behind the log's)
            }
            return core.nextDeadlineMillis() <= now || core.hasSessions() && now - clock >= CONTINUITY_MILLIS;
        }
    }

    private void tick() {
        if (!tickDue(clock.now()) || !tickInFlight.compareAndSet(false, true)) {
            return;
        }
        try {
            RaftServer server = getServer().getNow(null);
            if (server == null) {
                tickInFlight.set(false);
                return;
            }
            RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(tickClientId)
                    .setServerId(server.getId()).setGroupId(getGroupId()).setCallId(tickCallIds.incrementAndGet())
                    .setMessage(TICK).setType(RaftClientRequest.writeRequestType()).build();
            server.submitClientRequestAsync(request).whenComplete((reply, error) -> {
                tickInFlight.set(false);
                if (error != null) {
                    LOG.debug("{}: tick failed: {}", getId(), error.toString());
                }
            });
        } catch (IOException | RuntimeException e) {
            tickInFlight.set(false);
            LOG.debug("{}: tick not submitted: {}", getId(), e.toString());
        }
    }
}
