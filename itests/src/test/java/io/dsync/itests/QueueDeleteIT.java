package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.Delivery;
import io.dsync.queue.Message;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.registry.NodeDirectory;

/**
 * {@code dsync queue delete} on a queue that is being sent to and consumed, on two queue nodes: the sender and the
 * subscription (a queue client in this JVM, as on another node) end with {@link QueueNotFoundException} and nothing
 * else, the queue's messages leave Redis, a queue beside it is untouched, and the queue declared again starts empty.
 */
class QueueDeleteIT extends ClusterTest {

    private static final String TOKEN = "delete-token";

    @Test
    void deletingAQueueUnderLoadEndsItsClientsCleanlyAndDropsItsMessages() throws Exception {
        cluster = LocalCluster.builder(Nodes.home(), dir).cluster("qdelete").adminToken(TOKEN)
                .nodes("queue", 2, "queue").start();
        String node = "http://127.0.0.1:" + cluster.node("queue-1").adminPort();
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress());
        RedissonClient redis = Redisson.create(config);
        NettyMessaging messaging = NettyMessaging.client("delete-it");
        ExecutorService handlers = Executors.newCachedThreadPool();
        NodeDirectory directory = new NodeDirectory(redis, cluster.name());
        ClientQueueService queues = new ClientQueueService(new QueueCatalog(redis, "dsync:qdelete:queues"),
                new QueueRouter(directory::listResponsive, messaging, Duration.ofSeconds(8)), 8, "delete-it", handlers);
        try {
            queues.declare(QueueConfig.of("doomed"));
            queues.declare(QueueConfig.of("kept"));
            await("every partition owned").atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                    assertThat(Cli.run("queue", "stats", "doomed", "--node", node).out()).doesNotContain("(none)"));
            queues.send("kept", new Message("k", "stays".getBytes(StandardCharsets.UTF_8), Map.of()));

            Map<String, Integer> failures = new ConcurrentHashMap<>();
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = new Thread(() -> {
                for (int i = 0; sending.get(); i++) {
                    try {
                        queues.send("doomed", new Message("key-" + (i % 16), ("m" + i).getBytes(StandardCharsets.UTF_8),
                                Map.of()));
                        sent.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                        if (e instanceof QueueNotFoundException) {
                            return;
                        }
                    }
                }
            }, "delete-it-sender");
            sender.start();
            AtomicInteger handled = new AtomicInteger();
            Subscription subscription = queues.subscribe("doomed", SubscriptionOptions.defaults().withMaxInFlight(8),
                    d -> {
                        handled.incrementAndGet();
                        Thread.sleep(20); // slower than the sender: the queue holds messages when it is deleted
                    });
            await("messages sent and handled").atMost(Duration.ofSeconds(20))
                    .until(() -> sent.get() > 200 && handled.get() > 20);

            Cli refused = Cli.run("queue", "delete", "doomed", "--node", node);
            assertThat(refused.exitCode()).as("without the admin token").isEqualTo(2);
            assertThat(refused.err()).contains("--token");
            Cli deleted = Cli.run("queue", "delete", "doomed", "--token", TOKEN, "--node", node);
            assertThat(deleted.exitCode()).as(deleted.err()).isZero();
            assertThat(deleted.out()).containsPattern("queue doomed deleted: 8 partitions, [1-9]\\d* messages dropped");

            sender.join(Duration.ofSeconds(20).toMillis());
            sending.set(false);
            assertThat(sender.isAlive()).as("the sender found the queue gone").isFalse();
            assertThat(failures).as("what the sender's failed calls threw").containsOnlyKeys("QueueNotFoundException");
            assertThat(subscription.whenTerminated().toCompletableFuture()).failsWithin(Duration.ofSeconds(15))
                    .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(QueueNotFoundException.class);
            assertThat(redis.getKeys().getKeysStreamByPattern("dsync:qdelete:q:{doomed/*}:s").toList())
                    .as("no partition stream left").isEmpty();
            Cli gone = Cli.run("queue", "stats", "doomed", "--node", node);
            assertThat(gone.exitCode()).isEqualTo(4);

            List<Delivery> kept = queues.poll("kept", 10, Duration.ofSeconds(5));
            assertThat(kept).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("stays");

            // Declared again: a new, empty queue (every node's ownership pass sees the new incarnation).
            queues.declare(QueueConfig.of("doomed"));
            queues.send("doomed", new Message("key-1", "reborn".getBytes(StandardCharsets.UTF_8), Map.of()));
            List<Delivery> reborn = queues.poll("doomed", 100, Duration.ofSeconds(10));
            assertThat(reborn).extracting(d -> new String(d.payload(), StandardCharsets.UTF_8)).containsExactly("reborn");
        } finally {
            queues.close();
            messaging.close();
            handlers.shutdownNow();
            redis.shutdown();
        }
        for (ClusterNode n : cluster.nodes()) {
            Path log = n.dataDir().resolve("node.log");
            assertThat(Files.readAllLines(log)).as("%s logs no ERROR for a deletion", n.id())
                    .noneMatch(line -> line.contains(" ERROR "));
        }
    }
}
