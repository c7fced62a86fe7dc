package io.dsync.console.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.dsync.registry.NodeInfo;
import io.dsync.registry.NodeRegistry;

/**
 * Polls the queues for the Queues view, only while a view listens: every period, in parallel, {@code /queue/ring}
 * of every queue node (the ring shown is the first node's, by id, that answers; a node that fails is listed with its
 * reason) and {@code /metrics} of every node (each queue's send and ack meters, turned into rates by
 * {@link QueueRates}); then {@code /queue/queues/{name}} of each queue (at most {@link #MAX_QUEUES}) from the node the
 * ring came from. A ring whose nodes or primaries differ from the previous poll's is a {@link Rebalance}, kept as the
 * latest. The first listener starts the polling, the last one to leave stops it.
 *
 * <p>Threads: one poller ({@code dsync-console-queues}) and four callers ({@code dsync-console-queues-N}), ended by
 * {@link #close()}. Listeners run on the poller thread and must not block. Thread-safe.
 */
final class QueuesMonitor extends PolledMonitor<QueuesSnapshot> {

    private static final Logger LOG = LoggerFactory.getLogger(QueuesMonitor.class);
    /** Queues whose figures one poll reads; the ring shows them all. */
    static final int MAX_QUEUES = 40;
    static final String ROLE = "queue";

    private final Supplier<NodeRegistry> registry;
    private final AdminGet get;
    private final Clock clock;
    private final QueueRates rates = new QueueRates();
    /** The polls' own (ViewPolling runs one poll at a time). */
    private QueueRing previousRing;
    private Rebalance lastRebalance;
    private boolean ratesReady;

    /**
     * @param registry the node registry, or {@code null} while there is none
     * @param get calls the nodes
     * @param period time between two polls
     */
    QueuesMonitor(Supplier<NodeRegistry> registry, AdminGet get, Clock clock, Duration period) {
        super("queues", "the queues", period, QueuesSnapshot.empty(clock.instant()));
        this.registry = registry;
        this.get = get;
        this.clock = clock;
    }

    @Override
    protected QueuesSnapshot read() {
        List<NodeInfo> nodes;
        try {
            nodes = nodesWithAdminApi(registry);
        } catch (NodesUnknown e) {
            return problem(e.getMessage());
        }
        nodes.sort(Comparator.comparing(NodeInfo::id));
        List<NodeInfo> queueNodes = nodes.stream().filter(n -> n.roles().contains(ROLE)).toList();
        Map<NodeInfo, CompletableFuture<Object>> rings = new LinkedHashMap<>();
        for (NodeInfo n : queueNodes) {
            rings.put(n, call(() -> QueueJsonReader.ring(get.get(n.adminUrl() + "/queue/ring?tokens=true"))));
        }
        Map<String, CompletableFuture<Object>> metrics = new LinkedHashMap<>();
        for (NodeInfo n : nodes) {
            metrics.put(n.id(), call(() -> QueueJsonReader.counts(get.get(n.adminUrl() + "/metrics"))));
        }

        QueueRing ring = null;
        NodeInfo ringFrom = null;
        List<QueuesSnapshot.NodeAnswer> answers = new ArrayList<>();
        for (Map.Entry<NodeInfo, CompletableFuture<Object>> e : rings.entrySet()) {
            Object answer = e.getValue().join();
            if (answer instanceof QueueRing qr) {
                answers.add(new QueuesSnapshot.NodeAnswer(e.getKey().id(), null));
                if (ring == null) {
                    ring = qr;
                    ringFrom = e.getKey();
                }
            } else {
                answers.add(new QueuesSnapshot.NodeAnswer(e.getKey().id(), (String) answer));
            }
        }
        Map<String, Map<String, long[]>> counts = new HashMap<>();
        metrics.forEach((node, f) -> {
            if (f.join() instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, long[]> c = (Map<String, long[]>) m;
                counts.put(node, c);
            }
        });
        Map<String, QueueRates.Rate> rate = rates.add(clock.instant(), counts);
        // From the second poll on, a queue no node counts yet (nothing sent or acked since the nodes started) has 0.
        QueueRates.Rate none = ratesReady ? new QueueRates.Rate(0, 0) : null;
        ratesReady = true;
        if (ring == null) {
            String why = queueNodes.isEmpty() ? "no queue node is registered"
                    : "no queue node answered: " + answers.get(0).node() + ": " + answers.get(0).problem();
            return new QueuesSnapshot(clock.instant(), null, null, why, answers, List.of(), 0, lastRebalance);
        }
        if (previousRing != null) {
            Rebalance change = Rebalance.between(previousRing, ring, clock.instant());
            if (change != null) {
                lastRebalance = change;
                LOG.info("Console: the queue ring changed: {}", change.describe());
            }
        }
        previousRing = ring;

        List<String> names = ring.queues().stream().map(QueueRing.Queue::name).toList();
        List<String> read = names.subList(0, Math.min(MAX_QUEUES, names.size()));
        String base = ringFrom.adminUrl();
        Map<String, CompletableFuture<Object>> infos = new LinkedHashMap<>();
        for (String q : read) {
            infos.put(q, call(() -> QueueJsonReader.queue(get.get(base + "/queue/queues/" + AdminGet.encode(q)))));
        }
        Map<String, QueueInfo> byName = new HashMap<>();
        Map<String, String> problems = new HashMap<>();
        infos.forEach((q, f) -> {
            Object answer = f.join();
            if (answer instanceof QueueInfo i) {
                byName.put(q, i);
            } else {
                problems.put(q, (String) answer);
            }
        });
        List<QueuesSnapshot.Row> rows = new ArrayList<>();
        for (String q : read) {
            QueueInfo info = byName.get(q);
            QueueInfo dlq = info == null || info.deadLetterQueue() == null ? null : byName.get(info.deadLetterQueue());
            rows.add(new QueuesSnapshot.Row(q, info, dlq == null ? null : dlq.messages(), rate.getOrDefault(q, none),
                    problems.get(q)));
        }
        return new QueuesSnapshot(clock.instant(), ring, ringFrom.id(), null, answers, rows,
                names.size() - read.size(), lastRebalance);
    }

    private QueuesSnapshot problem(String why) {
        return new QueuesSnapshot(clock.instant(), null, null, why, List.of(), List.of(), 0, lastRebalance);
    }

    /** A value the reader made, or the problem as a String: the call never completes exceptionally. */
    private CompletableFuture<Object> call(AdminGet.Read read) {
        return AdminGet.async(read, callers());
    }
}
