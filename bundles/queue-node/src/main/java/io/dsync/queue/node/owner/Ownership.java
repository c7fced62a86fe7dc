package io.dsync.queue.node.owner;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.node.store.PartitionStore.StoredEntry;
import io.dsync.queue.protocol.PartitionClaims;
import io.dsync.queue.protocol.PartitionKeys;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueMeta;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.redis.RedisErrors;
import io.dsync.registry.NodeInfo;
import io.dsync.ring.Placement;

/**
 * Decides which partitions this node owns, one pass at a time (the node runs a pass a few times a second): it reads
 * the queue nodes from the registry and the declared queues from the catalog, computes each queue's placement
 * ({@link QueueTopology}), claims the partitions it is primary for and does not own yet (a new epoch in Redis, then
 * the partition's entries loaded into a {@link PartitionOwner}), and gives up those it owns but is no longer primary
 * for. The new primary's claim fences the old owner, so at no moment do two nodes deliver one partition: the old one's
 * next write fails, and it stops.
 * <p>
 * A queue node that disappears from the registry is kept in the ring for a grace period (a node restarting quickly
 * keeps its partitions); this node itself must be in the registry to own anything, so a node that was paused past its
 * registry entry's life gives up everything when it wakes. Not thread-safe: one thread runs the passes.
 */
public final class Ownership {

    private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

    private final String self;
    private final Supplier<List<NodeInfo>> registry;
    private final QueueCatalog catalog;
    private final PartitionStore store;
    private final Function<String[], String> keys;
    private final QueueNode node;
    private final ScheduledExecutorService timer;
    private final DeadLetterSink deadLetters;
    private final LongSupplier clock;
    private final long graceMillis;
    private final Map<String, QueueTopology.Endpoint> endpoints = new HashMap<>();
    private final Map<String, Long> lastSeen = new HashMap<>();
    private volatile QueueTopology topology = QueueTopology.empty();
    private boolean registryDown;
    private final Set<String> failing = new HashSet<>();
    private volatile Listener listener = new Listener() {
    };
    /** When this node first saw the current membership: a takeover is measured from there. */
    private long membershipChangedNanos = System.nanoTime();
    /** Claims are takeovers until a pass after the last membership change claimed everything it had to. */
    private boolean takeoverOpen = true;

    /** What the ownership passes do, for metrics. */
    public interface Listener {
        /**
         * A partition is owned by this node now.
         *
         * @param afterChangeNanos from the pass that saw the membership change to the claimed, loaded partition; -1
         *     when the claim follows no membership change (a queue declared later): not a takeover
         * @param messages messages loaded
         */
        default void claimed(String queue, int partition, long afterChangeNanos, int messages) {
        }

        /** A partition moved away from this node (the ring gives it to another). */
        default void released(String queue, int partition) {
        }
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    public Ownership(String self, Supplier<List<NodeInfo>> registry, QueueCatalog catalog, PartitionStore store,
                     Function<String[], String> keys, QueueNode node, ScheduledExecutorService timer,
                     DeadLetterSink deadLetters, LongSupplier clock, long graceMillis) {
        this.self = self;
        this.registry = registry;
        this.catalog = catalog;
        this.store = store;
        this.keys = keys;
        this.node = node;
        this.timer = timer;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.graceMillis = graceMillis;
    }

    /** The queue nodes as this node sees them (with the grace period applied). */
    public QueueTopology topology() {
        return topology;
    }

    /** One pass: read membership and queues, claim and give up partitions. Never throws. */
    public void run() {
        List<NodeInfo> nodes;
        List<QueueMeta> queues;
        try {
            nodes = registry.get();
            queues = catalog.list();
            if (registryDown) {
                LOG.info("Queue ownership: the registry answers again");
                registryDown = false;
            }
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // the node is stopping (its loop was shut down during the read), not the registry failing
            }
            // Without the registry this node cannot know the ring: keep what it owns; Redis fences it if needed.
            if (!registryDown) {
                LOG.info("Queue ownership: cannot read the registry ({}); keeping the current partitions", e.toString());
                registryDown = true;
            }
            return;
        }
        QueueTopology now = membership(nodes);
        if (!now.sameAs(topology)) {
            LOG.info("Queue ring: {} queue node(s) {}", now.urls().size(), now.urls().keySet());
            membershipChangedNanos = System.nanoTime();
            takeoverOpen = true;
        }
        topology = now;
        Set<String> declared = new HashSet<>();
        for (QueueMeta queue : queues) {
            declared.add(queue.name());
            Placement placement = now.isEmpty() || now.url(self) == null ? null
                    : now.placement(queue.name(), queue.partitions());
            for (int p = 0; p < queue.partitions(); p++) {
                boolean primary = placement != null && self.equals(placement.primary(p));
                boolean owns = node.owns(queue.name(), p);
                if (primary && !owns) {
                    claim(queue, p);
                } else if (!primary && owns) {
                    LOG.info("Queue {} partition {}: moves to {}", queue.name(), p,
                            placement == null ? "another node" : placement.primary(p));
                    node.remove(queue.name(), p);
                    listener.released(queue.name(), p);
                }
            }
        }
        for (PartitionOwner owner : node.all()) {
            if (!declared.contains(owner.queue())) {
                LOG.info("Queue {} partition {}: given up, the queue was deleted", owner.queue(), owner.partition());
                node.remove(owner.queue(), owner.partition());
            }
        }
        failing.removeIf(name -> !declared.contains(name.substring(0, name.lastIndexOf('/'))));
        if (failing.isEmpty()) {
            takeoverOpen = false; // what the change gave this node is claimed: later claims are no takeovers
        }
    }

    private QueueTopology membership(List<NodeInfo> nodes) {
        long now = clock.getAsLong();
        Set<String> present = new HashSet<>();
        for (NodeInfo n : nodes) {
            QueueTopology.Endpoint endpoint = QueueTopology.endpoint(n);
            if (endpoint != null) {
                present.add(n.id());
                endpoints.put(n.id(), endpoint);
                lastSeen.put(n.id(), now);
            }
        }
        // The grace period keeps a vanished node in the ring a little longer, but never this node itself: if this
        // node is not in the registry, it must not own anything.
        lastSeen.entrySet().removeIf(e -> !present.contains(e.getKey())
                && (e.getKey().equals(self) || now - e.getValue() > graceMillis));
        endpoints.keySet().retainAll(lastSeen.keySet());
        return QueueTopology.ofEndpoints(endpoints);
    }

    private void claim(QueueMeta queue, int partition) {
        String name = queue.name() + "/" + partition;
        PartitionKeys k = PartitionKeys.of(keys, queue.name(), partition);
        long started = System.nanoTime();
        try {
            long epoch = store.claim(k, self, queue.incarnation()).toCompletableFuture().join();
            if (epoch == PartitionClaims.REFUSED) {
                // This pass's catalog is already out of date: the queue was deleted (or deleted and declared again).
                if (failing.add(name)) {
                    LOG.info("Queue {} partition {}: not claimed, the queue was deleted since this node read the "
                            + "catalog", queue.name(), partition);
                }
                return;
            }
            PartitionStore.Loaded loaded = store.load(k);
            List<StoredEntry> entries = loaded.entries();
            PartitionOwner owner = new PartitionOwner(queue, partition, k, epoch, loaded, store, clock, timer,
                    deadLetters, node, node.bodies());
            node.add(owner);
            failing.remove(name);
            listener.claimed(queue.name(), partition, takeoverOpen ? System.nanoTime() - membershipChangedNanos : -1,
                    entries.size());
            LOG.info("Queue {} partition {}: owned by this node (epoch {}, {} message(s), {} ms)", queue.name(),
                    partition, epoch, entries.size(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            if (failing.add(name)) {
                LOG.info("Queue {} partition {}: cannot claim it yet ({}); will try again", queue.name(), partition,
                        RedisErrors.describe(e));
            }
        }
    }
}
