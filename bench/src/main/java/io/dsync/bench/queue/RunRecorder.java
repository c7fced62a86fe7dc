package io.dsync.bench.queue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one run of a workload observed, fed by the producer threads and by the system's consumers. Sends and acks
 * count towards throughput when they complete inside the measurement window; latencies are recorded for sends that
 * started in it and deliveries that arrived in it. Everything is also entered in a {@link DeliveryLedger}, for the
 * loss check after the run. Thread-safe.
 */
public final class RunRecorder {

    private final DeliveryLedger ledger;
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long end = Long.MAX_VALUE;

    final LongAdder produced = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    final LongAdder redeliveries = new LongAdder();
    final LongAdder polls = new LongAdder();
    final LongAdder sendErrors = new LongAdder();
    final LongAdder consumeErrors = new LongAdder();
    final LatencySamples sendLatency = new LatencySamples();
    final LatencySamples endToEnd = new LatencySamples();
    private final AtomicBoolean firstSendError = new AtomicBoolean();
    private final AtomicBoolean firstConsumeError = new AtomicBoolean();
    private final String system;

    RunRecorder(String system, int producers) {
        this.system = system;
        this.ledger = new DeliveryLedger(producers);
    }

    void window(long measureFromNanos, long endNanos) {
        this.measureFrom = measureFromNanos;
        this.end = endNanos;
    }

    long end() {
        return end;
    }

    DeliveryLedger ledger() {
        return ledger;
    }

    private boolean measured(long t) {
        return t >= measureFrom && t < end;
    }

    /** A producer's send of {@code count} messages returned successfully. */
    void sent(int producer, int firstSequence, int count, long startNanos, long doneNanos) {
        ledger.sent(producer, firstSequence, count);
        if (measured(startNanos)) {
            sendLatency.record(doneNanos - startNanos);
        }
        if (measured(doneNanos)) {
            produced.add(count);
        }
    }

    void sendFailed(Throwable e) {
        sendErrors.increment();
        if (firstSendError.compareAndSet(false, true)) {
            System.err.printf("%n  first send error of %s: %s%n", system, e);
        }
    }

    /** A consumer got a message (from a poll, or in a push handler). */
    public void delivered(byte[] payload) {
        long now = System.nanoTime();
        deliveries.increment();
        if (!ledger.delivered(Payloads.producer(payload), Payloads.sequence(payload))) {
            redeliveries.increment();
        }
        if (measured(now)) {
            endToEnd.record(now - Payloads.sendNanos(payload));
        }
    }

    /** One answered poll (or stream read) that brought messages. */
    public void polled() {
        polls.increment();
    }

    /** {@code count} deliveries were acknowledged (the ack call returned). */
    public void acked(int count) {
        if (measured(System.nanoTime())) {
            acked.add(count);
        }
    }

    /** A poll or an ack failed. */
    public void consumeFailed(Throwable e) {
        consumeErrors.increment();
        if (firstConsumeError.compareAndSet(false, true)) {
            System.err.printf("%n  first consumer error of %s: %s%n", system, e);
        }
    }
}
