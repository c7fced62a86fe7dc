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
import io.dsync.lock.protocol.LockQuery;
import io.dsync.lock.protocol.LockRaftGroup;

/**
 * Breaks the deadlocks that cross lock groups. Each group refuses a request that would close a cycle among its own
 * locks, but a cycle can run through several groups (a session holds a lock of group 1 and waits for one of group 2,
 * another the other way round), and no group sees it whole. Like TiKV's detector, one member gathers the wait-for
 * edges of every group and breaks cycles: the member that leads group 0, every {@code interval}.
 *
 * <p>It reads the edges of each group from that group's leader: its own state machine for the groups it leads, a
 * linearizable read ({@link LockQuery.Table}) for the others, skipping the work while fewer than two of this member's
 * replicas have waiting calls. Not from its own replicas of the groups it does not lead: a replica cut off from its
 * leader (this member still leading group 0 with the third member), or lagging for long, would keep a stale edge in
 * every scan, and a stale edge with a current one of another group can make a cycle that does not exist (found by
 * review, 2026-12-06). The groups' edges are still read at different moments, so a cycle is broken only when two scans
 * in a row find the same one: a real deadlock lasts until it is broken, a cycle made of edges of different moments
 * does not. The victim is chosen deterministically ({@link CrossGroupDeadlocks}); breaking is a
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

    /** A client of a group this member does not lead, for its reads; replaced when the group's members change. */
    private record GroupClient(org.apache.ratis.protocol.RaftGroup group, RaftClient client) {
    }

    /** By group; used by the timer thread only. */
    private final java.util.Map<Integer, GroupClient> clients = new java.util.HashMap<>();

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
        for (int g = 0; g < machines.size(); g++) {
            if (server.isLeaderReady(g)) {
                edges.add(machines.get(g).table(1).waitFor());
                continue;
            }
            Optional<List<WaitEdge>> read = leaderEdges(g);
            if (read.isEmpty()) {
                return Optional.empty(); // a group not read: no cycle is trusted in this scan
            }
            edges.add(read.get());
        }
        return CrossGroupDeadlocks.find(edges);
    }

    /** The wait-for edges of a group as its leader has them (a linearizable read), or empty if it did not answer. */
    private Optional<List<WaitEdge>> leaderEdges(int group) {
        try {
            org.apache.ratis.protocol.RaftGroup current = server.currentGroup(group);
            GroupClient c = clients.get(group);
            if (c == null || !c.group().equals(current)) {
                if (c != null) {
                    c.client().close();
                }
                c = new GroupClient(current, RaftClient.newBuilder().setClientId(ClientId.randomId())
                        .setRaftGroup(current)
                        .setProperties(LockRaftGroup.clientProperties(server.options().rpcTimeout().toMillis()))
                        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(2,
                                TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
                        .build());
                clients.put(group, c);
            }
            var reply = c.client().io().sendReadOnly(Message.valueOf(ByteString.copyFrom(
                    LockCommandCodec.encodeQuery(new LockQuery.Table(1)))));
            if (!reply.isSuccess()) {
                LOG.debug("{}: group {} did not answer the deadlock scan's read ({})", server.options().selfId(), group,
                        reply.getException());
                return Optional.empty();
            }
            return Optional.of(LockCommandCodec.decodeTable(reply.getMessage().getContent().toByteArray()).waitFor());
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: group {} did not answer the deadlock scan's read ({})", server.options().selfId(), group,
                    e.toString());
            return Optional.empty();
        }
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
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.values().forEach(c -> {
            try {
                c.client().close();
            } catch (IOException e) {
                LOG.debug("{}: closing a deadlock scan client: {}", server.options().selfId(), e.toString());
            }
        });
        clients.clear();
    }
}
