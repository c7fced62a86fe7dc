package io.dsync.lock.server.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import io.dsync.lock.WaitEdge;
import io.dsync.lock.core.CrossGroupDeadlocks;
import io.dsync.lock.protocol.LockCommandCodec;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * Breaks the deadlocks that cross lock groups. Each group refuses a request that would close a cycle among its own
 * locks, but a cycle can run through several groups (a session holds a lock of group 1 and waits for one of group 2,
 * another the other way round), and no group sees it whole. Like TiKV's detector, one member gathers the wait-for
 * edges of every group and breaks cycles: the member that leads group 0, every {@code interval}.
 *
 * <p>It reads the edges from this member's own replicas (every lock node hosts every group), skipping the work while
 * fewer than two groups have waiting calls, and trusting no cycle in a scan where a replica may be stale: a follower
 * replica that has not heard from its leader within {@link #MAX_LEADER_SILENCE}, or has not yet applied what it knew
 * committed at the previous scan. A replica cut off from its leader (this member still leading group 0 with the third
 * member) would otherwise keep a stale edge in every scan, and with a current edge of another group make a cycle that
 * does not exist (found by review, 2026-12-06). A current replica still lags its leader by less than a scan, so a
 * cycle is broken only when two scans in a row find the same one: a real deadlock lasts until it is broken, a cycle
 * made of one fresh and one stale edge does not outlast the lag. The victim is chosen deterministically
 * ({@link CrossGroupDeadlocks}); breaking is a
 * {@link LockCommand.BreakDeadlock} committed in the victim's group, which fails the victim's waiting request with the
 * same {@link io.dsync.lock.DeadlockException} and cycle as a deadlock found within one group, and does nothing if that
 * wait no longer has the cycle's first edge. A deadlock across groups is thus broken within two to three intervals.
 *
 * <p>Thread-safe; {@link #close()} stops it.
 */
final class CrossGroupDetector implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CrossGroupDetector.class);

    /** Default scan interval. */
    static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    /** How long a follower replica may go without a message from its leader and still count as current. */
    static final Duration MAX_LEADER_SILENCE = Duration.ofMillis(300);

    private final RaftLockServer server;

    private final ScheduledExecutorService timer;

    /** Per group, the commit index this member knew at the previous scan: a replica has applied it by now, or lags. */
    private long[] committedBefore = new long[0];

    /** The cycle found by the previous scan, if any: broken when the next scan finds it again. */
    private Optional<CrossGroupDeadlocks.Breaking> previous = Optional.empty();

    CrossGroupDetector(RaftLockServer server, Duration interval) {
        this.server = server;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dsync-lock-deadlocks-" + server.options().selfId());
            t.setDaemon(true);
            t.setContextClassLoader(CrossGroupDetector.class.getClassLoader());
            return t;
        });
        timer.scheduleWithFixedDelay(this::scan, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scan() {
        try {
            Optional<CrossGroupDeadlocks.Breaking> found = server.isLeaderReady(0) ? find() : Optional.empty();
            if (found.isPresent() && found.equals(previous)) {
                previous = Optional.empty();
                breakCycle(found.get());
            } else {
                previous = found;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: the cross-group deadlock scan failed: {}", server.options().selfId(), e.toString(), e);
        }
    }

    private Optional<CrossGroupDeadlocks.Breaking> find() {
        List<LockRaftStateMachine> machines = server.stateMachines();
        boolean stale = stale(machines.size());
        int waiting = 0;
        for (LockRaftStateMachine m : machines) {
            waiting += m.waitingCalls() > 0 ? 1 : 0;
        }
        if (waiting < 2 || stale) {
            return Optional.empty();
        }
        List<List<WaitEdge>> edges = new ArrayList<>(machines.size());
        for (LockRaftStateMachine m : machines) {
            edges.add(m.table(1).waitFor());
        }
        return CrossGroupDeadlocks.find(edges);
    }

    /** Whether a replica of this member may be stale now; looked at every scan ({@link #stale(List, long[], long)}). */
    private boolean stale(int groups) {
        if (committedBefore.length != groups) {
            committedBefore = new long[groups];
            java.util.Arrays.fill(committedBefore, Long.MAX_VALUE); // nothing is trusted before a first look
        }
        List<Optional<RaftLockServer.ReplicaProgress>> progress = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            progress.add(server.progress(g));
        }
        return stale(progress, committedBefore, MAX_LEADER_SILENCE.toMillis());
    }

    /**
     * Whether any replica may be stale: a follower that has not heard from its leader within {@code maxSilenceMillis},
     * or has not applied what it knew committed at the previous scan ({@code committedBefore}, updated to what each
     * knows committed now; {@link Long#MAX_VALUE} for a replica not looked at before), or a replica of unknown progress.
     */
    static boolean stale(List<Optional<RaftLockServer.ReplicaProgress>> progress, long[] committedBefore,
                         long maxSilenceMillis) {
        boolean stale = false;
        for (int g = 0; g < progress.size(); g++) {
            Optional<RaftLockServer.ReplicaProgress> p = progress.get(g);
            stale |= p.isEmpty() || !p.get().leading() && (p.get().leaderSilenceMillis() >= maxSilenceMillis
                    || p.get().applied() < committedBefore[g]);
            committedBefore[g] = p.map(RaftLockServer.ReplicaProgress::committed).orElse(Long.MAX_VALUE);
        }
        return stale;
    }

    /** Commits the break in the victim's group, through whichever member leads it. */
    private void breakCycle(CrossGroupDeadlocks.Breaking b) {
        WaitEdge victim = b.victimEdge();
        // Named by its call, so that the break applied twice (a retry that reached a new leader) fails no later wait.
        long callId = server.stateMachines().get(b.group()).waitingCall(victim);
        if (callId == 0) {
            return; // the wait is gone from this replica since the scan; the next scans look again
        }
        Message message = Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeCommands(List.of(
                b.command(callId)))));
        try (RaftClient client = RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(server.currentGroup(b.group()))
                .setProperties(LockRaftGroup.clientProperties(server.options().rpcTimeout().toMillis()))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build()) {
            var reply = client.io().send(message);
            if (reply.isSuccess()) {
                LOG.info("{}: deadlock across lock groups: failed the wait of {} for '{}' (call {}, group {}) unless it "
                        + "had changed since the scan; cycle {}", server.options().selfId(), victim.waiter(),
                        victim.lockName(), callId, b.group(), b.cycle());
            } else {
                LOG.info("{}: could not break a deadlock across lock groups in group {} ({}); the next scans retry",
                        server.options().selfId(), b.group(), reply.getException());
            }
        } catch (IOException e) {
            LOG.info("{}: could not break a deadlock across lock groups in group {} ({}); the next scans retry",
                    server.options().selfId(), b.group(), e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
