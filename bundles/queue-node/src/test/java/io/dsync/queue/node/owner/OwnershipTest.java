package io.dsync.queue.node.owner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

import io.dsync.queue.QueueConfig;
import io.dsync.queue.node.TestRedis;
import io.dsync.queue.node.store.PartitionStore;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.queue.protocol.QueueWire.OutMessage;
import io.dsync.registry.NodeInfo;

/**
 * Ownership passes of several nodes over one real Redis, with a registry the test controls: every partition has
 * exactly one owner, the primary of the ring; a node that leaves the registry loses its partitions to the others
 * (after the grace period), its late writes are fenced, and the messages it stored are all there for the successor.
 */
class OwnershipTest {

    static final RedissonClient client = TestRedis.client();
    static ScheduledExecutorService timer;

    @BeforeAll
    static void start() {
        timer = Executors.newScheduledThreadPool(2);
    }

    @AfterAll
    static void stop() {
        timer.shutdownNow();
    }

    /** One simulated queue node: its ownership passes and its owners. */
    static final class Node {
        final String id;
        final QueueNode node = new QueueNode(timer);
        final Ownership ownership;

        Node(String test, String id, List<NodeInfo> registry, AtomicLong clock, long grace) {
            this.id = id;
            Function<String[], String> keys = parts -> "dsync:" + test + ":" + String.join(":", parts);
            QueueCatalog catalog = new QueueCatalog(client, "dsync:" + test + ":queues");
            this.ownership = new Ownership(id, () -> List.copyOf(registry), catalog, new PartitionStore(client), keys,
                    node, timer, (q, c, k, p, h) -> CompletableFuture.completedFuture(null), clock::get, grace);
        }

        int owned(String queue) {
            return (int) node.all().stream().filter(o -> o.queue().equals(queue)).count();
        }
    }

    static NodeInfo info(String id) {
        return new NodeInfo(id, "i-" + id, "c", List.of(QueueTopology.ROLE), "127.0.0.1", Map.of("admin", 1000 + id.hashCode() % 1000, "messaging", 2000 + id.hashCode() % 1000),
                List.of(), null, null, "t");
    }

    static void pass(List<Node> nodes) {
        nodes.forEach(n -> n.ownership.run());
    }

    @Test
    void everyPartitionHasOneOwnerAndMovesWhenItsOwnerLeaves() {
        String test = "own";
        new QueueCatalog(client, "dsync:" + test + ":queues").declare(QueueConfig.of("q"), 16).toCompletableFuture().join();
        List<NodeInfo> registry = new CopyOnWriteArrayList<>(List.of(info("a"), info("b"), info("c")));
        AtomicLong clock = new AtomicLong(1_000_000);
        List<Node> nodes = List.of(new Node(test, "a", registry, clock, 2_000), new Node(test, "b", registry, clock, 2_000),
                new Node(test, "c", registry, clock, 2_000));
        pass(nodes);
        assertThat(nodes.stream().mapToInt(n -> n.owned("q")).sum()).isEqualTo(16);
        QueueTopology topology = nodes.get(0).ownership.topology();
        for (int p = 0; p < 16; p++) {
            String primary = topology.primary("q", 16, p);
            for (Node n : nodes) {
                assertThat(n.node.owns("q", p)).as("partition %d on %s", p, n.id).isEqualTo(n.id.equals(primary));
            }
        }

        // c stores a message in one of its partitions, then stops heartbeating.
        Node c = nodes.get(2);
        PartitionOwner ofC = c.node.all().get(0);
        List<String> ids = ofC.send("call", List.of(new OutMessage("k", "m".getBytes(StandardCharsets.UTF_8), Map.of())))
                .toCompletableFuture().join();
        registry.remove(info("c"));
        pass(nodes.subList(0, 2));
        assertThat(nodes.get(0).owned("q") + nodes.get(1).owned("q")).as("within the grace period nothing moves")
                .isEqualTo(16 - c.owned("q"));
        clock.addAndGet(2_001);
        pass(nodes.subList(0, 2));
        assertThat(nodes.get(0).owned("q") + nodes.get(1).owned("q")).as("after it, the survivors own everything").isEqualTo(16);
        PartitionOwner successor = nodes.get(0).node.owns("q", ofC.partition())
                ? nodes.get(0).node.owner("q", ofC.partition()) : nodes.get(1).node.owner("q", ofC.partition());
        assertThat(successor.stats().size()).as("the message %s moved with its partition", ids).isEqualTo(1);
        assertThat(successor.epoch()).isGreaterThan(ofC.epoch());

        // c wakes up: its next write is fenced, and as it is not in the registry it claims nothing.
        assertThat(ofC.send("late", List.of(new OutMessage(null, "x".getBytes(StandardCharsets.UTF_8), Map.of())))
                .toCompletableFuture().handle((v, e) -> e)).succeedsWithin(java.time.Duration.ofSeconds(5))
                .isNotNull();
        c.ownership.run();
        assertThat(c.owned("q")).isZero();

        // c comes back: the ring gives its partitions back, and the others let them go.
        registry.add(info("c"));
        pass(nodes);
        pass(nodes);
        assertThat(nodes.stream().mapToInt(n -> n.owned("q")).sum()).isEqualTo(16);
        assertThat(c.owned("q")).isPositive();
        nodes.forEach(n -> n.node.close());
    }

    @Test
    void onlyClaimsAfterAMembershipChangeCountAsTakeovers() {
        String test = "takeover";
        QueueCatalog catalog = new QueueCatalog(client, "dsync:" + test + ":queues");
        catalog.declare(QueueConfig.of("q"), 4).toCompletableFuture().join();
        List<NodeInfo> registry = new ArrayList<>(List.of(info("a")));
        Node a = new Node(test, "a", registry, new AtomicLong(), 0);
        List<Long> takeovers = new CopyOnWriteArrayList<>();
        a.ownership.setListener(new Ownership.Listener() {
            @Override
            public void claimed(String queue, int partition, long afterChangeNanos, int messages) {
                takeovers.add(afterChangeNanos);
            }
        });
        a.ownership.run();
        assertThat(takeovers).hasSize(4).allMatch(t -> t >= 0);
        takeovers.clear();
        // A queue declared later: its partitions are claimed, but nothing changed in the ring. Before, each claim
        // counted as a takeover as long as the time since the last membership change (days, in a live cluster).
        catalog.declare(QueueConfig.of("later"), 4).toCompletableFuture().join();
        a.ownership.run();
        assertThat(takeovers).hasSize(4).allMatch(t -> t == -1);
        a.node.close();
    }

    @Test
    void aNodeNotInTheRegistryOwnsNothing() {
        String test = "absent";
        new QueueCatalog(client, "dsync:" + test + ":queues").declare(QueueConfig.of("q"), 4).toCompletableFuture().join();
        List<NodeInfo> registry = new ArrayList<>(List.of(info("a")));
        Node b = new Node(test, "b", registry, new AtomicLong(), 0);
        b.ownership.run();
        assertThat(b.owned("q")).isZero();
        Node a = new Node(test, "a", registry, new AtomicLong(), 0);
        a.ownership.run();
        assertThat(a.owned("q")).isEqualTo(4);
        a.node.close();
    }
}
