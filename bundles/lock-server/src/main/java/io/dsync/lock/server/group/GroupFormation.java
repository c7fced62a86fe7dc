package io.dsync.lock.server.group;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a lock node takes part in its cluster's lock Raft group when its member starts: plain Java over a view
 * of the registry, a probe of the running group and the node's {@link MembersFile}, so every path is unit-tested.
 *
 * <ul>
 *   <li><b>Restart</b>: the node has a members file, so it was a member before: it starts with those members (no
 *       registry needed), unless the running group no longer lists it ({@link Plan.Removed}: it was removed, and
 *       would campaign with a stale configuration if it came back with its old log).</li>
 *   <li><b>Form</b>: the first time, it waits until {@code initialMembers} lock nodes are registered and proposes the
 *       first ones by id; the first proposal stored ({@link Agreement}, in Redis) is every node's choice. (Nodes that
 *       read the registry at different moments, as when more than {@code initialMembers} start at once, could each
 *       take other first ones by id: two groups under one id. Until 2026-12-07 each node took its own.) If it is one
 *       of them and no other node runs the group yet, the group is formed with them; if the group runs already with
 *       it in it (it started a little later than the others), it starts with the running configuration.</li>
 *   <li><b>Join</b>: a node that is not one of the first ones (or any node started once the group runs, as with
 *       {@code --scale lock-manager=5}) waits until the group runs, then joins it: it starts knowing only the group
 *       and asks the leader to add it.</li>
 * </ul>
 *
 * <p>While it waits, {@link #plan()} reports what it waits for through the status consumer (for the member's
 * {@code /lock/raft} and health) and logs it at INFO every {@value #LOG_EVERY_SECONDS} s. Not thread-safe: one thread
 * plans.
 */
public final class GroupFormation {

    private static final Logger LOG = LoggerFactory.getLogger(GroupFormation.class);

    static final long LOG_EVERY_SECONDS = 10;

    /** How often the registry is read again while the node waits for lock nodes. */
    static final Duration REGISTRY_POLL = Duration.ofMillis(500);

    /** How often the running group is asked for again while the node waits to join it. */
    static final Duration GROUP_POLL = Duration.ofSeconds(1);

    /** The lock nodes the registry lists. */
    @FunctionalInterface
    public interface LockNodes {

        /**
         * @return the live lock nodes with their Raft addresses, by id
         * @throws RuntimeException when the registry cannot be read (the formation waits and asks again)
         */
        Map<String, InetSocketAddress> list();
    }

    /** Asks servers whether they run the group. */
    @FunctionalInterface
    public interface GroupProbe {

        /**
         * @param candidates servers that may run the group
         * @return the running group's members per the first server that runs it, or empty when none does
         */
        Optional<Map<String, InetSocketAddress>> runningMembers(Map<String, InetSocketAddress> candidates);
    }

    /** Makes every node form the group with the same members. */
    @FunctionalInterface
    public interface Agreement {

        /**
         * @param proposed the initial members as this node would choose them
         * @param registered the lock nodes registered now: a stored choice that names none of them is stale (a
         *     cluster of that name formed again with other nodes); the addresses of the ones it names come from here
         * @return the initial members agreed: the first proposal any node stored, this one if none did yet
         * @throws RuntimeException when the agreement cannot be reached now (the formation waits and asks again)
         */
        Map<String, InetSocketAddress> agree(Map<String, InetSocketAddress> proposed,
                                             Map<String, InetSocketAddress> registered);
    }

    /** Waits between attempts; a test passes one that does not sleep. */
    @FunctionalInterface
    public interface Pause {

        /**
         * @param duration how long
         * @throws InterruptedException if the member is stopping
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    /** What the node does. */
    public sealed interface Plan {

        /**
         * Start a voting member with these members (forming the group, or restarting in it).
         *
         * @param peers every member, this node included
         */
        record Start(Map<String, InetSocketAddress> peers) implements Plan {
        }

        /**
         * Start a member that knows only the group and ask the leader to add it.
         *
         * @param peers the running group's members plus this node
         */
        record Join(Map<String, InetSocketAddress> peers) implements Plan {
        }

        /**
         * Stay out: the running group does not list this node although it was a member.
         *
         * @param running the running group's members
         */
        record Removed(Map<String, InetSocketAddress> running) implements Plan {
        }
    }

    private final String selfId;
    private final InetSocketAddress advertised;
    private final int initialMembers;
    private final MembersFile membersFile;
    private final LockNodes lockNodes;
    private final Agreement agreement;
    private final GroupProbe probe;
    private final Pause pause;
    private final Consumer<String> status;
    private final LongSupplier nanoTime;
    private long lastLog = Long.MIN_VALUE;
    /** The agreed members last logged as another node's choice. */
    private Set<String> toldAgreed;

    /**
     * @param selfId this node's id
     * @param advertised where the others reach this node's member, unless the registry says otherwise
     * @param initialMembers how many lock nodes form the group the first time (at least 1)
     * @param membersFile this node's members file
     * @param lockNodes the registry's lock nodes
     * @param probe asks servers whether they run the group
     * @param pause waits between attempts
     * @param status told what the formation is waiting for, as an operator reads it
     * @param nanoTime the clock that spaces the log lines
     */
    public GroupFormation(String selfId, InetSocketAddress advertised, int initialMembers, MembersFile membersFile,
            LockNodes lockNodes, GroupProbe probe, Pause pause, Consumer<String> status, LongSupplier nanoTime) {
        this(selfId, advertised, initialMembers, membersFile, lockNodes, (proposed, registered) -> proposed, probe,
                pause, status, nanoTime);
    }

    /**
     * As above, with the agreement on the initial members (the other constructor lets each node take its own choice:
     * for tests, or a cluster whose lock nodes all start at once and no more than {@code initialMembers} of them).
     */
    public GroupFormation(String selfId, InetSocketAddress advertised, int initialMembers, MembersFile membersFile,
            LockNodes lockNodes, Agreement agreement, GroupProbe probe, Pause pause, Consumer<String> status,
            LongSupplier nanoTime) {
        this.agreement = Objects.requireNonNull(agreement, "agreement");
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.advertised = Objects.requireNonNull(advertised, "advertised");
        this.initialMembers = Math.max(1, initialMembers);
        this.membersFile = Objects.requireNonNull(membersFile, "membersFile");
        this.lockNodes = Objects.requireNonNull(lockNodes, "lockNodes");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.pause = Objects.requireNonNull(pause, "pause");
        this.status = Objects.requireNonNull(status, "status");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Decides, waiting as long as it takes (for lock nodes to register, or for the group to run).
     *
     * @return the plan
     * @throws InterruptedException if the member stops meanwhile
     * @throws IOException if the members file cannot be read
     */
    public Plan plan() throws InterruptedException, IOException {
        Optional<Map<String, InetSocketAddress>> known = membersFile.load();
        if (known.isPresent()) {
            Optional<Map<String, InetSocketAddress>> running = runningGroup();
            if (running.isPresent() && !running.get().containsKey(selfId)) {
                return new Plan.Removed(running.get());
            }
            return new Plan.Start(known.get());
        }
        Map<String, InetSocketAddress> initial;
        Map<String, InetSocketAddress> running;
        while (true) {
            initial = awaitInitialMembers();
            running = runningGroup().orElse(null);
            if (running != null || initial.containsKey(selfId)) {
                break;
            }
            // Not one of the agreed first ones, and nobody runs the group yet: ask again, registry and agreement
            // included (an agreement whose nodes never formed the group expires, and another is made).
            waiting("waiting for the lock group " + initial.keySet() + " to run, to join it");
            pause.sleep(GROUP_POLL);
        }
        if (running == null) {
            return new Plan.Start(initial); // one of the first members, and nobody runs the group yet: form it
        }
        if (running.containsKey(selfId)) {
            return new Plan.Start(running); // formed with this node in it, which started a little later
        }
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>(running);
        peers.put(selfId, registered().getOrDefault(selfId, advertised));
        return new Plan.Join(peers);
    }

    /** Waits until {@code initialMembers} lock nodes are registered; the first ones by id, as agreed. */
    private Map<String, InetSocketAddress> awaitInitialMembers() throws InterruptedException {
        while (true) {
            Map<String, InetSocketAddress> nodes = registered();
            if (nodes.size() >= initialMembers) {
                Map<String, InetSocketAddress> first = new LinkedHashMap<>();
                nodes.entrySet().stream().sorted(Map.Entry.comparingByKey()).limit(initialMembers)
                        .forEach(e -> first.put(e.getKey(), e.getValue()));
                try {
                    Map<String, InetSocketAddress> agreed = agreement.agree(first, nodes);
                    if (!agreed.keySet().equals(first.keySet()) && !agreed.keySet().equals(toldAgreed)) {
                        toldAgreed = agreed.keySet(); // once, not on every pass of a node that waits
                        LOG.info("Lock server: node '{}' forms the lock group with {}, which another node proposed "
                                + "first (it saw {})", selfId, agreed.keySet(), first.keySet());
                    }
                    return agreed;
                } catch (RuntimeException e) {
                    waiting("waiting to agree on the initial members of the lock group: " + e.getMessage());
                    pause.sleep(REGISTRY_POLL);
                    continue;
                }
            }
            waiting("waiting for " + initialMembers + (initialMembers == 1 ? " lock node" : " lock nodes")
                    + " in the registry, found " + nodes.keySet());
            pause.sleep(REGISTRY_POLL);
        }
    }

    /** The group's members as the other registered lock nodes report them; empty when none runs it. */
    private Optional<Map<String, InetSocketAddress>> runningGroup() {
        Map<String, InetSocketAddress> others = new LinkedHashMap<>(registered());
        others.remove(selfId);
        return others.isEmpty() ? Optional.empty() : probe.runningMembers(others);
    }

    /** The registered lock nodes; none while the registry cannot be read (said in the status). */
    private Map<String, InetSocketAddress> registered() {
        try {
            return lockNodes.list();
        } catch (RuntimeException e) {
            waiting("waiting for the registry: " + e.getMessage());
            return Map.of();
        }
    }

    private void waiting(String what) {
        status.accept(what);
        long now = nanoTime.getAsLong();
        if (lastLog == Long.MIN_VALUE || now - lastLog >= Duration.ofSeconds(LOG_EVERY_SECONDS).toNanos()) {
            LOG.info("Lock server: node '{}' is {}", selfId, what);
            lastLog = now;
        }
    }
}
