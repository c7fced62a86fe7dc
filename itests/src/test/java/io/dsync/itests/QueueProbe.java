package io.dsync.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.awaitility.core.ConditionTimeoutException;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.api.stream.StreamMessageId;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

import io.dsync.devkit.ClusterNode;
import io.dsync.devkit.LocalCluster;
import io.dsync.messaging.netty.NettyMessaging;
import io.dsync.queue.Delivery;
import io.dsync.queue.Message;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.MessageIds;
import io.dsync.queue.protocol.Partitioner;
import io.dsync.queue.protocol.QueueCatalog;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueTopology;
import io.dsync.registry.NodeDirectory;
import io.dsync.ring.Placement;
import io.dsync.testkit.check.CheckResult;
import io.dsync.testkit.check.QueueChecker;
import io.dsync.testkit.check.QueueOps;
import io.dsync.testkit.history.HistoryRecorder;

/**
 * Sends without pause to one partition owned by each queue node (a thread per node, through a
 * {@code ClientQueueService} of its own, on a queue of its own so that the workload's checker does not see its
 * messages), sends through one node's queue HTTP API, and receives and acknowledges everything. Every call is
 * recorded twice: in a history for the queue checker, and as a sample (which node's partition, when, whether it
 * succeeded) for the gaps.
 */
final class QueueProbe implements AutoCloseable {
    static final String QUEUE = "hotswap-probe";
    private static final int PARTITIONS = 8;
    /** How long the end of a run waits without any message arriving before it declares the rest missing. */
    private static final Duration STALL = Duration.ofSeconds(20);
    private static final Duration MAX_DRAIN = Duration.ofSeconds(180);

    /** One call of the probe: a send or an ack to a partition of {@code node}, or a send through its HTTP API. */
    record Sample(String kind, String node, long invoked, long completed, String error) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final LocalCluster cluster;
    private final String token;
    private final RedissonClient redis;
    private final NettyMessaging messaging;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final ClientQueueService queues;
    private final QueueTopology topology;
    private final Placement placement;
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    /** Each message sent successfully, by its key. */
    private final Map<String, String> sent = new ConcurrentHashMap<>();
    private final Set<String> received = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private final AtomicBoolean receiving = new AtomicBoolean(true);
    private final List<Thread> senders = new ArrayList<>();
    private Thread receiver;

    QueueProbe(LocalCluster cluster, String token) {
        this.token = token;
        this.cluster = cluster;
        Config config = new Config();
        config.useSingleServer().setAddress(cluster.redisAddress());
        config.setCodec(StringCodec.INSTANCE);
        this.redis = Redisson.create(config);
        NodeDirectory directory = new NodeDirectory(redis, cluster.name());
        this.messaging = NettyMessaging.client("hot-swap-probe");
        this.queues = new ClientQueueService(new QueueCatalog(redis, "dsync:" + cluster.name() + ":queues"),
                new QueueRouter(directory::listResponsive, messaging, Duration.ofSeconds(8)), PARTITIONS, "hot-swap-probe",
                handlers);
        queues.declare(QueueConfig.of(QUEUE).withVisibilityTimeout(Duration.ofSeconds(2)).withMaxDeliveries(1000));
        QueueTopology topology = QueueTopology.of(directory.list());
        assertThat(topology.urls()).as("queue nodes in the registry").hasSize(cluster.nodes().size());
        this.placement = topology.placement(QUEUE, PARTITIONS);
        this.topology = topology;
    }

    /** The node the ring makes primary of a partition of a queue with the probe's partition count. */
    String primary(String queue, int partition) {
        return topology.placement(queue, PARTITIONS).primary(partition);
    }

    /** Starts a sender per queue node, one through {@code httpNode}'s queue HTTP API unless null, and the receiver. */
    void start(String httpNode) {
        for (ClusterNode n : cluster.nodes()) {
            String key = keyOwnedBy(n.id());
            senders.add(thread("probe-send-" + n.id(), () -> {
                long seq = 0;
                while (sending.get()) {
                    String id = "p-" + n.id() + "-" + ++seq;
                    HistoryRecorder.Pending call = recorder.invoke("send-" + n.id(), QueueOps.send(key, id));
                    long t0 = System.nanoTime();
                    try {
                        queues.send(QUEUE, new Message(key, id.getBytes(StandardCharsets.UTF_8), Map.of()));
                        call.ok();
                        sent.put(id, key);
                        samples.add(new Sample("send", n.id(), t0, System.nanoTime(), null));
                    } catch (RuntimeException e) {
                        call.info(e.toString());
                        samples.add(new Sample("send", n.id(), t0, System.nanoTime(), e.toString()));
                    }
                    pause();
                }
            }));
        }
        if (httpNode != null) {
            sendThroughHttp(httpNode);
        }
        receiver = thread("probe-receive", () -> {
            while (receiving.get()) {
                HistoryRecorder.Pending poll = recorder.invoke("receiver", QueueOps.deliver());
                List<Delivery> got;
                try {
                    got = queues.poll(QUEUE, 20, Duration.ofMillis(200));
                    poll.ok(QueueOps.delivered(got.stream()
                            .map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toArray(String[]::new)));
                } catch (RuntimeException e) {
                    poll.info(e.toString());
                    continue;
                } catch (InterruptedException e) {
                    poll.info("interrupted");
                    return;
                }
                for (Delivery d : got) {
                    String id = new String(d.payload(), StandardCharsets.UTF_8);
                    received.add(id);
                    String owner = placement.primary(MessageIds.parse(d.id(), PARTITIONS).partition());
                    HistoryRecorder.Pending ack = recorder.invoke("receiver", QueueOps.ack(id));
                    long t0 = System.nanoTime();
                    try {
                        queues.ack(d);
                        ack.ok();
                        samples.add(new Sample("ack", owner, t0, System.nanoTime(), null));
                    } catch (RuntimeException e) {
                        ack.info(e.toString());
                        samples.add(new Sample("ack", owner, t0, System.nanoTime(), e.toString()));
                    }
                }
            }
        });
    }

    /** Sends through the queue HTTP API of {@code httpNode} (its queue client), a message at a time. */
    private void sendThroughHttp(String httpNode) {
        String httpKey = "http-" + httpNode;
        ClusterNode through = cluster.node(httpNode);
        senders.add(thread("probe-http-" + httpNode, () -> {
            long seq = 0;
            while (sending.get()) {
                String id = "h-" + httpNode + "-" + ++seq;
                HistoryRecorder.Pending call = recorder.invoke("http-" + httpNode, QueueOps.send(httpKey, id));
                long t0 = System.nanoTime();
                String error = null;
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(through.url(
                                    "/queue/queues/" + QUEUE + "/messages")))
                            .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + httpKey + "\",\"payload\":\"" + id + "\"}"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        call.ok();
                        sent.put(id, httpKey);
                    } else if (r.statusCode() == 404 && !r.body().contains("unknown-queue")) {
                        // No servlet at that path: the API is not there, the request went nowhere.
                        error = "HTTP 404 (no queue API)";
                        call.fail(error);
                    } else {
                        error = "HTTP " + r.statusCode() + " " + r.body();
                        call.info(error);
                    }
                } catch (IOException e) {
                    error = e.toString();
                    call.info(error);
                } catch (InterruptedException e) {
                    call.info("interrupted");
                    return;
                }
                samples.add(new Sample("http", httpNode, t0, System.nanoTime(), error));
                pause();
            }
        }));
    }

    /** A key whose partition of the probe's queue the node is primary for. */
    private String keyOwnedBy(String node) {
        for (int i = 0; ; i++) {
            String key = "k-" + node + "-" + i;
            if (node.equals(placement.primary(Partitioner.partition(key, null, PARTITIONS)))) {
                return key;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20); // the probe's send rate, about 50/s per sender: it simulates a steady producer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Stops sending, receives until every message sent is received, and checks the history. The receiver takes at
     * most one message per key at a time (same-key order) and acknowledges each before the next poll, so on a busy
     * machine it may fall behind the senders and have a backlog to work off here: the wait lasts as long as messages
     * keep arriving, and fails once none has arrived for {@link #STALL} (or after {@link #MAX_DRAIN} in all).
     */
    CheckResult finish() throws InterruptedException {
        sending.set(false);
        for (Thread t : senders) {
            t.join(30_000);
        }
        long started = System.nanoTime();
        int outstanding = missingCount();
        try {
            int[] seen = {received.size()};
            long[] progress = {System.nanoTime()};
            await("the probe receives everything it sent").atMost(MAX_DRAIN).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (received.containsAll(sent.keySet())) {
                            return true;
                        }
                        if (received.size() > seen[0]) {
                            seen[0] = received.size();
                            progress[0] = System.nanoTime();
                        }
                        if (System.nanoTime() - progress[0] > STALL.toNanos()) {
                            throw new AssertionError("the probe received nothing for " + STALL.toSeconds()
                                    + " s and misses messages it sent: " + missing());
                        }
                        return false;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the probe did not receive everything it sent within " + MAX_DRAIN.toSeconds()
                    + " s of the end: " + missing(), e);
        } finally {
            receiving.set(false);
            receiver.join(30_000);
        }
        System.out.printf("[hot-swap] probe: %d message(s) outstanding when the senders stopped, all received %d ms "
                + "later%n", outstanding, (System.nanoTime() - started) / 1_000_000);
        CheckResult result = QueueChecker.atLeastOnce().withPerKeyOrder().check(recorder.history());
        System.out.println("[hot-swap] probe: " + result.report());
        return result;
    }

    private int missingCount() {
        return (int) sent.keySet().stream().filter(id -> !received.contains(id)).count();
    }

    /**
     * The messages sent but not received, by partition, with what Redis holds of each: whether its stream still has
     * the entry and its delivery record ({@code <attempts>:<invisibleUntilMs>}), and the partition's owner and epoch.
     * Tells a message that never reached Redis from one that is stored but no owner delivers.
     */
    private String missing() {
        Map<Integer, List<String>> byPartition = new TreeMap<>();
        sent.forEach((id, key) -> {
            if (!received.contains(id)) {
                byPartition.computeIfAbsent(Partitioner.partition(key, null, PARTITIONS), p -> new ArrayList<>()).add(id);
            }
        });
        StringBuilder out = new StringBuilder();
        byPartition.forEach((partition, ids) -> {
            String prefix = "dsync:" + cluster.name() + ":q:{" + QUEUE + "/" + partition + "}:";
            Map<String, String> meta = redis.<String, String>getMap(prefix + "meta", StringCodec.INSTANCE).readAllMap();
            Map<String, String> attempts = redis.<String, String>getMap(prefix + "att", StringCodec.INSTANCE).readAllMap();
            Map<String, String> stored = new TreeMap<>();
            redis.<String, String>getStream(prefix + "s", StringCodec.INSTANCE)
                    .range(StreamMessageId.MIN, StreamMessageId.MAX)
                    .forEach((entry, fields) -> stored.put(fields.get("p"), entry + " " + attempts.get(entry.toString())));
            out.append(String.format("%npartition %d (primary %s, meta %s, %d entries in its stream): %d missing",
                    partition, placement.primary(partition), meta, stored.size(), ids.size()));
            ids.stream().sorted().limit(10).forEach(id -> out.append("\n  ").append(id).append(": ")
                    .append(stored.getOrDefault(id, "not in the stream")));
        });
        return out.toString();
    }

    /**
     * The longest time between {@code from} and {@code to} without a successful call of a kind to a node's
     * partition (counted from the last success before {@code from}): how long that partition was unavailable.
     */
    long gap(String kind, String node, long from, long to) {
        List<Long> ok = new ArrayList<>(samples.stream()
                .filter(s -> s.kind().equals(kind) && s.node().equals(node) && s.error() == null)
                .map(Sample::completed).toList());
        ok.sort(Comparator.naturalOrder());
        long previous = ok.stream().filter(t -> t <= from).reduce((a, b) -> b).orElse(from);
        long gap = 0;
        for (long t : ok) {
            if (t > from && t <= to) {
                gap = Math.max(gap, t - previous);
                previous = t;
            }
        }
        return Math.max(gap, ok.stream().anyMatch(t -> t > to) ? 0 : to - previous);
    }

    /** The slowest call of a kind to a node's partition invoked between {@code from} and {@code to}. */
    long slowest(String kind, String node, long from, long to) {
        return samples.stream().filter(s -> s.kind().equals(kind) && s.node().equals(node)
                        && s.invoked() >= from - TimeUnit.SECONDS.toNanos(1) && s.invoked() <= to)
                .mapToLong(s -> s.completed() - s.invoked()).max().orElse(0);
    }

    long failed(String kind, String node) {
        return samples.stream().filter(s -> s.kind().equals(kind) && s.node().equals(node) && s.error() != null).count();
    }

    List<String> errors(String kind, String node) {
        return samples.stream().filter(s -> s.kind().equals(kind) && s.node().equals(node) && s.error() != null)
                .map(Sample::error).limit(5).toList();
    }

    /** Whether a call of a kind to a node's partition invoked after {@code after} succeeded. */
    boolean firstSuccessAfter(String kind, String node, long after) {
        return samples.stream().anyMatch(s -> s.kind().equals(kind) && s.node().equals(node) && s.error() == null
                && s.invoked() >= after);
    }

    @Override
    public void close() {
        sending.set(false);
        receiving.set(false);
        queues.close();
        messaging.close();
        handlers.shutdownNow();
        redis.shutdown();
    }
}
