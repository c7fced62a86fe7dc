package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;
import io.dsync.registry.RegistryUnavailableException;

/**
 * Polls the lock group for the Locks view, only while a view listens: every period, {@code /lock/table} from one
 * node (lock nodes first, by id, then the others; the next one when a node fails) and {@code /lock/raft} of every
 * lock node in parallel. The first listener starts the polling, the last one to leave stops it.
 *
 * <p>Threads: one poller ({@code dsync-console-locks}) and a few callers ({@code dsync-console-locks-N}), ended by
 * {@link #close()}. Listeners run on the poller thread and must not block. Thread-safe.
 */
final class LocksMonitor extends PolledMonitor<LocksSnapshot> {

    /** How many nodes one poll asks for the table before it gives up. */
    private static final int TABLE_TRIES = 3;

    private final Supplier<NodeRegistry> registry;
    private final LockAdmin admin;
    private final Clock clock;
    private final int max;

    /**
     * @param registry the node registry, or {@code null} while there is none
     * @param admin calls the nodes
     * @param period time between two polls
     * @param max how many locks to ask for (1 to 10,000)
     */
    LocksMonitor(Supplier<NodeRegistry> registry, LockAdmin admin, Clock clock, Duration period, int max) {
        super("locks", "the lock group", period, LocksSnapshot.empty(clock.instant(), max));
        this.registry = registry;
        this.admin = admin;
        this.clock = clock;
        this.max = max;
    }

    @Override
    protected LocksSnapshot read() {
        List<NodeInfo> nodes;
        try {
            nodes = nodesWithAdminApi(registry);
        } catch (NodesUnknown e) {
            return new LocksSnapshot(clock.instant(), null, e.getMessage(), null, max, List.of());
        }
        nodes.sort(Comparator.comparing((NodeInfo n) -> !n.roles().contains("lock")).thenComparing(NodeInfo::id));
        List<NodeInfo> lockNodes = nodes.stream().filter(n -> n.roles().contains("lock")).toList();
        List<CompletableFuture<RaftMemberStatus>> raft = lockNodes.stream()
                .map(n -> CompletableFuture.supplyAsync(() -> admin.raft(n.id(), n.adminUrl()), callers())).toList();

        LockTableSnapshot table = null;
        String problem = nodes.isEmpty() ? "no node with an admin API is registered" : null;
        String from = null;
        for (int i = 0; i < Math.min(TABLE_TRIES, nodes.size()) && table == null; i++) {
            NodeInfo n = nodes.get(i);
            try {
                table = admin.table(n.adminUrl(), max);
                from = n.id();
                problem = null;
            } catch (LockAdmin.LockAdminException e) {
                problem = n.id() + ": " + e.getMessage();
            }
        }
        List<RaftMemberStatus> members = raft.stream().map(CompletableFuture::join).toList();
        return new LocksSnapshot(clock.instant(), table, problem, from, max, members);
    }

    /**
     * Closes a session through a node's lock admin API: the node the table came from, else the first that can.
     *
     * @param session the session id
     * @return the node that closed it
     * @throws LockAdmin.LockAdminException when no node could
     */
    String closeSession(String session) throws LockAdmin.LockAdminException {
        NodeRegistry r = registry.get();
        if (r == null) {
            throw new LockAdmin.LockAdminException("the node registry is not running on the console node");
        }
        List<NodeInfo> nodes;
        try {
            nodes = new ArrayList<>(r.nodes());
        } catch (RegistryUnavailableException e) {
            throw new LockAdmin.LockAdminException("cannot list the nodes: " + e.getMessage());
        }
        nodes.removeIf(n -> n.adminUrl() == null);
        String preferred = latest().tableFrom();
        nodes.sort(Comparator.comparing((NodeInfo n) -> !n.id().equals(preferred))
                .thenComparing(n -> !n.roles().contains("lock")).thenComparing(NodeInfo::id));
        if (nodes.isEmpty()) {
            throw new LockAdmin.LockAdminException("no node with an admin API is registered");
        }
        // One node only: a refusal (unknown session, wrong token) would be the same on every node, and a close that
        // timed out may have been committed.
        admin.closeSession(nodes.get(0).adminUrl(), session);
        return nodes.get(0).id();
    }

    /**
     * Runs a call to the nodes off the UI thread, on the monitor's callers (an admin action must not hold the UI's
     * session lock while the lock group commits).
     *
     * @return the call's result
     */
    <T> CompletableFuture<T> callAsync(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, callers());
    }
}
