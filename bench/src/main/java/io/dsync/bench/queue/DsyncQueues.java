package io.dsync.bench.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.dsync.queue.AckMode;
import io.dsync.queue.Delivery;
import io.dsync.queue.Message;
import io.dsync.queue.QueueConfig;
import io.dsync.queue.Subscription;
import io.dsync.queue.SubscriptionOptions;
import io.dsync.queue.client.ClientQueueService;
import io.dsync.queue.protocol.QueueRouter;
import io.dsync.queue.protocol.QueueWire;

/**
 * dsync's queue through {@link ClientQueueService} in the benchmark's JVM, as an application on a node would use it:
 * {@code send} or {@code sendAll}, and consumers that either subscribe (push, {@link AckMode#AUTO}) or loop on
 * {@code poll} and {@code ackAsync} every delivery (the API has no batch ack). Each run declares a queue of its own
 * and waits until the queue nodes own all its partitions.
 */
public final class DsyncQueues implements QueueSystem {

    /** How consumers take messages. */
    public enum Consume {
        /** {@code subscribe}, AUTO ack, up to {@code maxInFlight} unsettled deliveries per subscription. */
        PUSH,
        /** {@code poll(max, 500 ms)}, then {@code ackAsync} of each delivery, awaited together. */
        POLL
    }

    private final ClientQueueService service;
    private final QueueRouter router;
    private final Consume consume;
    private final int batch;
    private final Duration visibility;
    private final int partitions;

    /**
     * @param service the client (shared by the dsync systems of a run, as by applications on one node)
     * @param router the service's router, to ask the nodes which partitions they own
     * @param consume how consumers take messages
     * @param batch {@code maxInFlight} of a subscription, or the {@code max} of a poll
     * @param visibility the queues' visibility timeout
     * @param partitions the partitions of a queue the service declares
     */
    public DsyncQueues(ClientQueueService service, QueueRouter router, Consume consume, int batch, Duration visibility,
                       int partitions) {
        this.service = service;
        this.router = router;
        this.consume = consume;
        this.batch = batch;
        this.visibility = visibility;
        this.partitions = partitions;
    }

    @Override
    public String name() {
        return consume == Consume.PUSH ? "dsync, subscribe" : "dsync, poll+ack";
    }

    @Override
    public Run open(String queue, RunRecorder recorder) throws InterruptedException {
        QueueConfig config = service.declare(QueueConfig.of(queue).withVisibilityTimeout(visibility));
        awaitOwned(config.name());
        service.setListener(new ClientQueueService.Listener() {
            @Override
            public void delivered(List<Delivery> deliveries) {
                recorder.polled();
            }

            @Override
            public void acked() {
                recorder.acked(1);
            }
        });
        return new DsyncRun(queue, recorder);
    }

    /** Waits until every partition of the queue has an owner (the nodes claim them in their next pass). */
    private void awaitOwned(String queue) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (owned(queue) < partitions) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the queue nodes did not claim all " + partitions
                        + " partitions of queue '" + queue + "' within 60 s (they own " + owned(queue) + ")");
            }
            Thread.sleep(100);
        }
    }

    private int owned(String queue) {
        return (int) statuses().stream().flatMap(s -> s.partitions().stream())
                .filter(p -> p.queue().equals(queue)).count();
    }

    private List<QueueWire.NodeStatus> statuses() {
        List<QueueWire.NodeStatus> all = new ArrayList<>();
        for (String url : router.topology(true).urls().values()) {
            all.add(router.status(url).toCompletableFuture().join());
        }
        return all;
    }

    private final class DsyncRun implements Run {
        private final String queue;
        private final RunRecorder recorder;
        private final List<Subscription> subscriptions = new ArrayList<>();
        private final List<Thread> pollers = new ArrayList<>();
        private volatile boolean running = true;

        DsyncRun(String queue, RunRecorder recorder) {
            this.queue = queue;
            this.recorder = recorder;
        }

        @Override
        public void send(List<byte[]> payloads) {
            if (payloads.size() == 1) {
                service.send(queue, Message.of(payloads.get(0)));
                return;
            }
            List<Message> messages = new ArrayList<>(payloads.size());
            payloads.forEach(p -> messages.add(Message.of(p)));
            service.sendAll(queue, messages);
        }

        @Override
        public void startConsumers(int count) {
            for (int i = 0; i < count; i++) {
                if (consume == Consume.PUSH) {
                    SubscriptionOptions options = SubscriptionOptions.defaults().withMaxInFlight(batch)
                            .withAckMode(AckMode.AUTO);
                    subscriptions.add(service.subscribe(queue, options, d -> recorder.delivered(d.payload())));
                } else {
                    Thread t = new Thread(this::poll, "bench-dsync-poller-" + i);
                    t.setDaemon(true);
                    pollers.add(t);
                    t.start();
                }
            }
        }

        private void poll() {
            while (running) {
                try {
                    List<Delivery> got = service.poll(queue, batch, Duration.ofMillis(500));
                    List<CompletableFuture<Void>> acks = new ArrayList<>(got.size());
                    for (Delivery d : got) {
                        recorder.delivered(d.payload());
                        acks.add(service.ackAsync(d).exceptionally(e -> {
                            recorder.consumeFailed(e);
                            return null;
                        }));
                    }
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    if (running) {
                        recorder.consumeFailed(e);
                    }
                }
            }
        }

        @Override
        public long unsettled() {
            return statuses().stream().flatMap(s -> s.partitions().stream()).filter(p -> p.queue().equals(queue))
                    .mapToLong(QueueWire.PartitionStatus::messages).sum();
        }

        @Override
        public void close() throws Exception {
            running = false;
            for (Subscription s : subscriptions) {
                s.close();
                s.whenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            for (Thread t : pollers) {
                t.join(TimeUnit.SECONDS.toMillis(15));
            }
            service.setListener(new ClientQueueService.Listener() {
            });
        }
    }
}
