package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.client.codec.StringCodec;

import io.dsync.devkit.LocalCluster;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.Delivery;
import io.dsync.queue.InvalidQueueRequestException;
import io.dsync.queue.Message;
import io.dsync.queue.MessageTooLargeException;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.QueueNotFoundException;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.registry.NodeDirectory;
import io.dsync.testkit.check.QueueChecker;
import io.dsync.testkit.check.QueueOps;
import io.dsync.testkit.scenario.Scenario;
import io.dsync.testkit.scenario.ScenarioReport;

/**
 * The queue workload of the multi-process queue scenarios, judged by the queue checker (nothing acknowledged as sent
 * is lost, nothing invented, same-key messages in order). Clients use the real {@link ClientQueueService} in this JVM,
 * routing over the ring of the cluster's queue node processes. For the first 65% of the run clients send (keyed from
 * a few keys, and unkeyed) and consume; then they only consume, so that every message sent is delivered before the
 * history is judged (the queue's visibility timeout is 2 s, so deliveries whose ack was lost come back in time).
 */
final class QueueWorkload {

    static final String QUEUE = "scenario";

    private QueueWorkload() {
    }

    static ScenarioReport run(LocalCluster cluster, String reportName, String title, Duration run,
                              UnaryOperator<Scenario.Builder> faults) throws Exception {
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress());
        return run(cluster, config, reportName, title, run, faults);
    }

    /**
     * The workload with the test's clients reaching Redis as {@code redisConfig} says (a Redis Cluster or a Sentinel set-up
     * the nodes are configured for in their {@code etc/io.dsync.redis.cfg}).
     */
    static ScenarioReport run(LocalCluster cluster, Config redisConfig, String reportName, String title, Duration run,
                              UnaryOperator<Scenario.Builder> faults) throws Exception {
        return run(cluster, redisConfig, reportName, title, run, 65, faults);
    }

    /** The workload client's router (closed by its queue service), telling {@code outages} each outage it saw. */
    private static QueueRouter router(NodeDirectory directory, NettyMessaging messaging, List<Long> outages) {
        QueueRouter router = new QueueRouter(directory::listResponsive, messaging, Duration.ofSeconds(8));
        router.onRecovery(outages::add);
        return router;
    }

    /**
     * The workload with clients sending for the first {@code sendingPercent}% of the run instead of 65% (a scenario
     * whose last fault comes late, and that must see sends succeed after it), consuming only for the rest.
     */
    static ScenarioReport run(LocalCluster cluster, Config redisConfig, String reportName, String title, Duration run,
                              int sendingPercent, UnaryOperator<Scenario.Builder> faults) throws Exception {
        return run(cluster, redisConfig, reportName, title, run, sendingPercent, new AtomicLong(), faults);
    }

    /**
     * As above; {@code sendingUntil} ({@link System#nanoTime()}; set to the end of the sending share here) may be moved
     * later by a fault, so that sends come after a fault that took longer than planned.
     */
    static ScenarioReport run(LocalCluster cluster, Config redisConfig, String reportName, String title, Duration run,
                              int sendingPercent, AtomicLong sendingUntil, UnaryOperator<Scenario.Builder> faults)
            throws Exception {
        redisConfig.setCodec(StringCodec.INSTANCE);
        RedissonClient redis = Redisson.create(redisConfig);
        NodeDirectory directory = new NodeDirectory(redis, cluster.name());
        var handlers = Executors.newCachedThreadPool();
        List<Long> outages = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (NettyMessaging messaging = NettyMessaging.client("workload");
             ClientQueueService queues = new ClientQueueService(
                new QueueCatalog(redis, "dsync:" + cluster.name() + ":queues"), router(directory, messaging, outages),
                8, reportName, handlers)) {
            queues.declare(QueueConfig.of(QUEUE).withVisibilityTimeout(Duration.ofSeconds(2)).withMaxDeliveries(1000));
            AtomicLong sequence = new AtomicLong();
            sendingUntil.set(System.nanoTime() + run.multipliedBy(sendingPercent).dividedBy(100).toNanos());
            Scenario.Builder scenario = Scenario.builder(title)
                    .clients(6)
                    .duration(run)
                    .definiteFailures(e -> e instanceof QueueNotFoundException || e instanceof InvalidQueueRequestException
                            || e instanceof MessageTooLargeException)
                    .recoveryTypes(QueueOps.SEND, QueueOps.ACK)
                    .workload(c -> {
                        boolean sending = System.nanoTime() < sendingUntil.get() && c.random().nextInt(100) < 55;
                        if (sending) {
                            String key = c.random().nextInt(4) == 0 ? null : "k" + c.random().nextInt(5);
                            String id = c.process() + "-" + sequence.incrementAndGet();
                            c.call(QueueOps.send(key, id), () -> {
                                queues.send(QUEUE, new Message(key, id.getBytes(StandardCharsets.UTF_8), Map.of()));
                                return null;
                            });
                            return;
                        }
                        List<Delivery> got = new ArrayList<>();
                        c.call(QueueOps.deliver(), () -> {
                            got.addAll(queues.poll(QUEUE, 5, Duration.ofMillis(500)));
                            return QueueOps.delivered(got.stream()
                                    .map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toArray(String[]::new));
                        });
                        for (Delivery d : got) {
                            c.call(QueueOps.ack(new String(d.payload(), StandardCharsets.UTF_8)), () -> {
                                queues.ack(d);
                                return null;
                            });
                        }
                    })
                    .checker(QueueChecker.atLeastOnce().withPerKeyOrder());
            ScenarioReport report = faults.apply(scenario).run();
            Files.createDirectories(Nodes.reports());
            Files.writeString(Nodes.reports().resolve(reportName + ".txt"), report.summary() + "\n" + report.history().dump());
            System.out.println(report.summary());
            System.out.printf("[%s] partition recovery times seen by the workload's queue client (ms): %s%n", reportName,
                    outages.stream().map(n -> n / 1_000_000).toList());
            assertThat(report.valid()).as(report.summary()).isTrue();
            assertThat(report.outcomes()[0]).as("successful operations").isGreaterThan(100);
            return report;
        } finally {
            handlers.shutdownNow();
            redis.shutdown();
        }
    }
}
