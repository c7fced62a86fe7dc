package io.dsync.lock.server.internal;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import io.dsync.lock.LockMode;
import io.dsync.lock.core.Effect;
import io.dsync.lock.server.raft.LockRaftStateMachine;
import io.dsync.lock.protocol.LockTableView;

/**
 * The lock member's metrics, fed by what its replica applies and by its view of the leader:
 *
 * <ul>
 *   <li>{@code dsync.lock.grants} (meter; and {@code .shared}, {@code .exclusive}): grants applied, reentrant ones
 *       and queued requests granted later included;</li>
 *   <li>{@code dsync.lock.deadlocks} (meter): requests failed because they would have closed a wait-for cycle;</li>
 *   <li>{@code dsync.lock.expiries.lease}, {@code dsync.lock.expiries.session} (meters): grants taken back because
 *       their lease or their session expired;</li>
 *   <li>{@code dsync.lock.raft.leaderChanges} (counter): leaders this member learned of;</li>
 *   <li>{@code dsync.lock.raft.election} (timer): how long this member knew no leader, per period without one.</li>
 * </ul>
 *
 * Every replica applies the same entries, so the grant, deadlock and expiry rates agree across lock nodes; after a
 * restart a replica counts again the entries it replays.
 */
final class LockServerMetrics implements LockRaftStateMachine.Events {

    static final String PREFIX = "dsync.lock.";
    static final List<String> NAMES = List.of("grants", "grants.shared", "grants.exclusive", "deadlocks",
            "expiries.lease", "expiries.session", "raft.leaderChanges", "raft.election");

    private final MetricRegistry registry;
    private final Meter grants;
    private final Meter shared;
    private final Meter exclusive;
    private final Meter deadlocks;
    private final Meter leaseExpiries;
    private final Meter sessionExpiries;
    private final Counter leaderChanges;
    private final Timer election;
    /** When this member last noticed it knew no leader, or -1 while it knows one. */
    private long leaderlessSince = -1;

    LockServerMetrics(MetricRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        grants = registry.meter(PREFIX + "grants");
        shared = registry.meter(PREFIX + "grants.shared");
        exclusive = registry.meter(PREFIX + "grants.exclusive");
        deadlocks = registry.meter(PREFIX + "deadlocks");
        leaseExpiries = registry.meter(PREFIX + "expiries.lease");
        sessionExpiries = registry.meter(PREFIX + "expiries.session");
        leaderChanges = registry.counter(PREFIX + "raft.leaderChanges");
        election = registry.timer(PREFIX + "raft.election");
    }

    @Override
    public void granted(LockMode mode) {
        grants.mark();
        (mode == LockMode.SHARED ? shared : exclusive).mark();
    }

    @Override
    public void deadlock(LockTableView.Deadlock deadlock) {
        deadlocks.mark();
    }

    @Override
    public void expired(Effect.EndCause cause) {
        (cause == Effect.EndCause.LEASE_EXPIRED ? leaseExpiries : sessionExpiries).mark();
    }

    @Override
    public void leaderChanged(String leaderId) {
        if (leaderId != null) {
            leaderChanges.inc();
        }
    }

    /**
     * Called periodically with whether this member knows a leader now; closes a leaderless period when one is known
     * again.
     */
    synchronized void sampleLeader(boolean known, long nowNanos) {
        if (!known && leaderlessSince < 0) {
            leaderlessSince = nowNanos;
        } else if (known && leaderlessSince >= 0) {
            election.update(nowNanos - leaderlessSince, TimeUnit.NANOSECONDS);
            leaderlessSince = -1;
        }
    }

    void remove() {
        NAMES.forEach(n -> registry.remove(PREFIX + n));
    }
}
