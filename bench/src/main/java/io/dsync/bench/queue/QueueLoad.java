package io.dsync.bench.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.redisson.api.RedissonClient;

/**
 * Runs one workload on one system: {@code producers} threads send 1 KB messages (alone or in batches) as fast as
 * their calls return, while {@code consumers} take and acknowledge them; after a warm-up, throughput and latencies are
 * measured for a fixed window. Then the producers stop and the run waits until every message sent successfully has
 * been delivered and the system holds nothing unacknowledged, so that a lost message shows and the next run starts
 * from an idle system. Not thread-safe: one run at a time.
 */
public final class QueueLoad {

    private final int producers;
    private final int consumers;
    private final int messageBytes;
    private final CpuMeter cpu;
    private final RedisCommandStats redis;
    private final Duration stall;

    /**
     * @param producers producer threads
     * @param consumers consumer threads (or subscriptions)
     * @param messageBytes payload size
     * @param processes process ids by group, for the CPU readings
     * @param redis Redis' command counts
     * @param stall how long delivery may make no progress before missing messages count as lost (longer than the
     *     visibility timeout, so that deliveries whose ack was lost come back first)
     */
    public QueueLoad(int producers, int consumers, int messageBytes, Map<String, List<Long>> processes,
                     RedissonClient redis, Duration stall) {
        if (messageBytes < Payloads.HEADER_BYTES) {
            throw new IllegalArgumentException("messages must have at least " + Payloads.HEADER_BYTES + " bytes");
        }
        this.producers = producers;
        this.consumers = consumers;
        this.messageBytes = messageBytes;
        this.cpu = new CpuMeter(processes);
        this.redis = new RedisCommandStats(redis);
        this.stall = stall;
    }

    /**
     * @param queue a queue name not used before
     * @param batch messages per send call (1: {@code send}, more: {@code sendAll} or a pipeline)
     * @param drainLimit how long to wait for the backlog after the window, at most
     */
    public QueueResult run(QueueSystem system, String queue, int batch, int warmupSeconds, int measuredSeconds,
                           Duration drainLimit) throws Exception {
        RunRecorder recorder = new RunRecorder(system.name(), producers);
        try (QueueSystem.Run run = system.open(queue, recorder)) {
            run.startConsumers(consumers);
            CountDownLatch ready = new CountDownLatch(producers);
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < producers; i++) {
                int id = i;
                Thread t = new Thread(() -> produce(run, recorder, id, batch, ready, go, failure), "bench-producer-" + i);
                threads.add(t);
                t.start();
            }
            ready.await();
            long measureFrom = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
            long end = measureFrom + TimeUnit.SECONDS.toNanos(measuredSeconds);
            recorder.window(measureFrom, end);
            go.countDown();

            sleepUntil(measureFrom);
            Map<String, Duration> cpuBefore = cpu.read();
            Map<String, Long> redisBefore = redis.read();
            sleepUntil(end);
            Map<String, Duration> cpuAfter = cpu.read();
            Map<String, Long> redisAfter = redis.read();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException(system.name() + " failed: " + failure.get(), failure.get());
            }

            boolean stalled = drain(recorder.ledger(), drainLimit);
            long undelivered = recorder.ledger().undelivered();
            long unsettled = undelivered == 0 ? awaitSettled(run) : run.unsettled();
            long minCalls = Math.max(1, (recorder.produced.sum() + recorder.acked.sum()) / 1000);
            return new QueueResult(system.name(), batch, measuredSeconds, recorder.produced.sum(), recorder.acked.sum(),
                    recorder.sendLatency.summary(), recorder.endToEnd.summary(), recorder.deliveries.sum(),
                    recorder.redeliveries.sum(), recorder.polls.sum(), recorder.sendErrors.sum(),
                    recorder.consumeErrors.sum(), undelivered, stalled, unsettled,
                    CpuMeter.cores(cpuBefore, cpuAfter, measuredSeconds),
                    RedisCommandStats.between(redisBefore, redisAfter, minCalls));
        }
    }

    private void produce(QueueSystem.Run run, RunRecorder recorder, int id, int batch, CountDownLatch ready,
                         CountDownLatch go, AtomicReference<Throwable> failure) {
        int sequence = 0;
        try {
            ready.countDown();
            go.await();
            long end = recorder.end();
            while (true) {
                List<byte[]> payloads = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    payloads.add(Payloads.create(messageBytes, id, sequence + i));
                }
                long start = System.nanoTime();
                if (start >= end) {
                    return;
                }
                payloads.forEach(p -> Payloads.stamp(p, start));
                try {
                    run.send(payloads);
                    recorder.sent(id, sequence, batch, start, System.nanoTime());
                } catch (Exception e) {
                    recorder.sendFailed(e);
                    // A refusal can come back at once: do not spin on it.
                    Thread.sleep(10);
                }
                sequence += batch;
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /**
     * Waits until every message sent successfully has been delivered; true if it gave up because delivery stopped
     * making progress (for longer than the stall time), false if everything arrived or the limit was reached.
     */
    private boolean drain(DeliveryLedger ledger, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long missing = ledger.undelivered();
        long progressAt = System.nanoTime();
        while (missing > 0) {
            Thread.sleep(200);
            long now = System.nanoTime();
            long still = ledger.undelivered();
            if (still < missing) {
                progressAt = now;
            }
            missing = still;
            if (missing > 0 && now - progressAt > stall.toNanos()) {
                return true;
            }
            if (missing > 0 && now > deadline) {
                return false;
            }
        }
        return false;
    }

    /** Waits (up to the stall time) until the system holds nothing unacknowledged; answers what it still holds. */
    private long awaitSettled(QueueSystem.Run run) throws Exception {
        long deadline = System.nanoTime() + stall.toNanos();
        long unsettled = run.unsettled();
        while (unsettled > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            unsettled = run.unsettled();
        }
        return unsettled;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
