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
 * fewer than two groups have waiting calls. A replica can lag its leader, so a cycle is broken only when two scans in a
 * row find the same one: a real deadlock lasts until it is broken, a cycle made of one fresh and one stale edge does
 * not outlast the lag. The victim is chosen deterministically ({@link CrossGroupDeadlocks}); breaking is a
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

    private final RaftLockServer server;

    private final ScheduledExecutorService timer;

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
        int waiting = 0;
        for (LockRaftStateMachine m : machines) {
            waiting += m.waitingCalls() > 0 ? 1 : 0;
        }
        if (waiting < 2) {
            return Optional.empty();
        }
        List<List<WaitEdge>> edges = new ArrayList<>(machines.size());
        for (LockRaftStateMachine m : machines) {
            edges.add(m.table(1).waitFor());
        }
        return CrossGroupDeadlocks.find(edges);
    }

    /** Commits the break in the victim's group, through whichever member leads it. */
    private void breakCycle(CrossGroupDeadlocks.Breaking b) {
        WaitEdge victim = b.victimEdge();
        Message message = Message.valueOf(ByteString.copyFrom(LockCommandCodec.encodeCommands(List.of(b.command()))));
        try (RaftClient client = RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(server.currentGroup(b.group()))
                .setProperties(LockRaftGroup.clientProperties(server.options().rpcTimeout().toMillis()))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build()) {
            var reply = client.io().send(message);
            if (reply.isSuccess()) {
                LOG.info("{}: deadlock across lock groups: failed the wait of {} for '{}' (group {}) unless it had "
                        + "changed since the scan; cycle {}", server.options().selfId(), victim.waiter(), victim.lockName(),
                        b.group(), b.cycle());
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
