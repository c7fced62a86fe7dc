package io.dsync.lock.client.raft;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import io.dsync.lock.LockStatus;
import io.dsync.lock.NoQuorumException;
import io.dsync.lock.SessionId;
import io.dsync.lock.client.LockTransport;
import io.dsync.lock.core.LockCommand;
import io.dsync.lock.core.Outcome;
import io.dsync.lock.protocol.LockRaftGroup;
import io.dsync.lock.protocol.LockTableView;
import io.dsync.lock.protocol.PollReply;
import io.dsync.lock.protocol.RunningLockGroups;

/**
 * The {@link LockTransport} over all the lock Raft groups of a cluster: one {@link RaftLockClient} per group, and the
 * routing between them.
 * <ul>
 *   <li>A command on a lock goes to the lock's group ({@link LockRaftGroup#groupOf}); so does its status.</li>
 *   <li>A session lives in every group: opening, keeping alive, settling and closing it go to all of them at once
 *       (its calls on different groups share one call id counter, so one settle mark covers them all), and the
 *       answer is the most conservative one (the earliest expiry; a rejection from any group, such as an expired
 *       session, wins).</li>
 *   <li>A queued call is remembered with its group until its final outcome is known, so that waiting for it and
 *       withdrawing it ({@link LockCommand.CancelWait}, which names no lock) reach the right group.</li>
 *   <li>The lock table is the union of every group's.</li>
 * </ul>
 * With one group it only forwards to that group's client. The group count comes from the servers
 * ({@link #connect}), never from the client's own configuration: two clients that counted differently would put one lock
 * in two groups.
 *
 * <p>Thread-safe.
 */
public final class ShardedLockClient implements LockTransport, AutoCloseable {

    private final RaftLockClient[] groups;

    /** The group of each call answered {@link Outcome.Queued}, until its final outcome is known. */
    private final Map<CallKey, Integer> queued = new ConcurrentHashMap<>();

    private record CallKey(SessionId session, long callId) {
    }

    /**
     * Creates the clients of {@code groups} groups. No connection is made before the first request.
     *
     * @param clusterName the cluster name
     * @param peers the lock nodes, id to Raft endpoint
     * @param groups how many groups the cluster has, 1 to {@link LockRaftGroup#MAX_GROUPS}
     * @param options the timeouts and connections of each group's client
     * @throws IllegalArgumentException if {@code groups} is out of range
     */
    public ShardedLockClient(String clusterName, Map<String, InetSocketAddress> peers, int groups,
            RaftLockClient.Options options) {
        if (groups < 1 || groups > LockRaftGroup.MAX_GROUPS) {
            throw new IllegalArgumentException("groups must be 1 to " + LockRaftGroup.MAX_GROUPS + ", was " + groups);
        }
        this.groups = new RaftLockClient[groups];
        for (int i = 0; i < groups; i++) {
            this.groups[i] = new RaftLockClient(LockRaftGroup.group(clusterName, i, peers), options);
        }
    }

    /**
     * Asks the lock nodes how many groups the cluster has, then creates the clients.
     *
     * @param clusterName the cluster name
     * @param peers the lock nodes, id to Raft endpoint
     * @param options the timeouts and connections of each group's client
     * @return the client
     * @throws NoQuorumException if no lock node answered within 1 s each
     */
    public static ShardedLockClient connect(String clusterName, Map<String, InetSocketAddress> peers,
            RaftLockClient.Options options) {
        RunningLockGroups running = RunningLockGroups.probe(clusterName, peers, Duration.ofSeconds(1))
                .orElseThrow(() -> new NoQuorumException(Duration.ofSeconds(peers.size()),
                        "no lock node of " + peers.keySet() + " answered which lock groups cluster '" + clusterName
                                + "' has"));
        return new ShardedLockClient(clusterName, peers, running.groups(), options);
    }

    /**
     * Returns how many groups this client routes to.
     *
     * @return 1 or more
     */
    public int groupCount() {
        return groups.length;
    }

    @Override
    public Duration quorumTimeout() {
        return groups[0].quorumTimeout();
    }

    /**
     * Sets what is told the length of each outage that a group's client saw (see {@link RaftLockClient#onRecovery}).
     *
     * @param onRecovery receives the outage in nanoseconds; must be fast and not throw
     */
    public void onRecovery(LongConsumer onRecovery) {
        for (RaftLockClient c : groups) {
            c.onRecovery(onRecovery);
        }
    }

    /**
     * Sets what is told the size of each batch that a group's client sent (see {@link RaftLockClient#onBatch}).
     *
     * @param onBatch receives the command count; must be fast and not throw
     */
    public void onBatch(IntConsumer onBatch) {
        for (RaftLockClient c : groups) {
            c.onBatch(onBatch);
        }
    }

    private int groupOf(String lockName) {
        return LockRaftGroup.groupOf(lockName, groups.length);
    }

    // ---------------------------------------------------------------- commands

    @Override
    public CompletableFuture<Outcome> submit(LockCommand command) {
        Objects.requireNonNull(command, "command");
        if (groups.length == 1) {
            return groups[0].submit(command);
        }
        if (command instanceof LockCommand.Acquire a) {
            return remembered(a.sessionId(), a.callId(), groupOf(a.lockName()), command);
        } else if (command instanceof LockCommand.Upgrade u) {
            return remembered(u.sessionId(), u.callId(), groupOf(u.lockName()), command);
        } else if (command instanceof LockCommand.Release r) {
            return groups[groupOf(r.lockName())].submit(command);
        } else if (command instanceof LockCommand.Renew r) {
            return groups[groupOf(r.lockName())].submit(command);
        } else if (command instanceof LockCommand.Downgrade d) {
            return groups[groupOf(d.lockName())].submit(command);
        } else if (command instanceof LockCommand.BreakDeadlock b) {
            return groups[groupOf(b.lockName())].submit(command);
        } else if (command instanceof LockCommand.CancelWait c) {
            return cancel(c);
        } else if (command instanceof LockCommand.CloseSession c) {
            queued.keySet().removeIf(k -> k.session().equals(c.sessionId()));
            return everywhere(command);
        } else if (command instanceof LockCommand.OpenSession || command instanceof LockCommand.KeepAlive
                || command instanceof LockCommand.Settle) {
            return everywhere(command);
        }
        return groups[0].submit(command);
    }

    /** Submits an acquire or upgrade and remembers its group while it waits. */
    private CompletableFuture<Outcome> remembered(SessionId session, long callId, int group, LockCommand command) {
        return groups[group].submit(command).thenApply(outcome -> {
            if (outcome instanceof Outcome.Queued) {
                queued.put(new CallKey(session, callId), group);
            }
            return outcome;
        });
    }

    /** Withdraws a call from its group; from every group when the call is not remembered (the client was remade). */
    private CompletableFuture<Outcome> cancel(LockCommand.CancelWait c) {
        Integer group = queued.remove(new CallKey(c.sessionId(), c.callId()));
        if (group != null) {
            return groups[group].submit(c);
        }
        return all(c).thenApply(outcomes -> {
            for (Outcome o : outcomes) {
                if (!(o instanceof Outcome.Rejected)) {
                    return o;
                }
            }
            return outcomes.get(0);
        });
    }

    /** A session command for every group; the most conservative answer (see the class comment). */
    private CompletableFuture<Outcome> everywhere(LockCommand command) {
        return all(command).thenApply(ShardedLockClient::conservative);
    }

    static Outcome conservative(List<Outcome> outcomes) {
        Outcome answer = outcomes.get(0);
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Rejected) {
                return o;
            }
            if (o instanceof Outcome.SessionLive live && answer instanceof Outcome.SessionLive earliest
                    && live.expiresAtMillis() < earliest.expiresAtMillis()) {
                answer = o;
            }
        }
        return answer;
    }

    private CompletableFuture<List<Outcome>> all(LockCommand command) {
        List<CompletableFuture<Outcome>> futures = new ArrayList<>(groups.length);
        for (RaftLockClient c : groups) {
            futures.add(c.submit(command));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    // ---------------------------------------------------------------- reads and polls

    @Override
    public CompletableFuture<PollReply> awaitOutcome(SessionId sessionId, long callId, Duration timeout) {
        if (groups.length == 1) {
            return groups[0].awaitOutcome(sessionId, callId, timeout);
        }
        CallKey key = new CallKey(sessionId, callId);
        Integer group = queued.get(key);
        if (group == null) {
            // Not queued through this client: re-submitting the call (which the session does on Unknown) finds it.
            return CompletableFuture.completedFuture(new PollReply.Unknown());
        }
        return groups[group].awaitOutcome(sessionId, callId, timeout).thenApply(reply -> {
            if (!(reply instanceof PollReply.StillWaiting)) {
                queued.remove(key, group);
            }
            return reply;
        });
    }

    @Override
    public CompletableFuture<LockStatus> status(String lockName) {
        return groups[groupOf(lockName)].status(lockName);
    }

    @Override
    public CompletableFuture<LockTableView> table(int maxLocks) {
        if (groups.length == 1) {
            return groups[0].table(maxLocks);
        }
        List<CompletableFuture<LockTableView>> futures = new ArrayList<>(groups.length);
        for (RaftLockClient c : groups) {
            futures.add(c.table(maxLocks));
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> LockTableView.union(futures.stream().map(CompletableFuture::join).toList(), maxLocks));
    }

    /** Closes every group's client. Idempotent. */
    @Override
    public void close() {
        for (RaftLockClient c : groups) {
            c.close();
        }
    }
}
