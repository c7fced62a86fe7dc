package io.dsync.lock.client.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import io.dsync.lock.LockMode;
import io.dsync.lock.client.ClientLockService;

/**
 * The client-side lock metrics of a node, under {@value #PREFIX}:
 * <ul>
 *   <li>{@code acquire.shared}, {@code acquire.exclusive} (timers): acquisition latency by mode, call to grant;</li>
 *   <li>{@code acquire.failures} (meter): acquires that ended without a grant; {@code waiting} (counter): acquires in
 *       flight;</li>
 *   <li>{@code outage} (timer): how long this node's client found no majority, the partition recovery time as it saw
 *       it;</li>
 *   <li>{@code batch} (histogram): commands per request to the leader, how much group commit batches.</li>
 * </ul>
 * Thread-safe.
 */
final class LockClientMetrics implements ClientLockService.Listener {

    static final String PREFIX = "dsync.lock.client.";

    /** The metric names, under {@value #PREFIX}. */
    static final List<String> NAMES = List.of("acquire.shared", "acquire.exclusive", "acquire.failures", "waiting", "outage",
            "batch");

    private final MetricRegistry registry;
    private final Timer acquireShared;
    private final Timer acquireExclusive;
    private final Meter acquireFailures;
    private final Counter waiting;
    private final Timer outages;
    private final Histogram batches;

    LockClientMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.acquireShared = registry.timer(PREFIX + "acquire.shared");
        this.acquireExclusive = registry.timer(PREFIX + "acquire.exclusive");
        this.acquireFailures = registry.meter(PREFIX + "acquire.failures");
        this.waiting = registry.counter(PREFIX + "waiting");
        this.outages = registry.timer(PREFIX + "outage");
        this.batches = registry.histogram(PREFIX + "batch");
    }

    @Override
    public void acquireStarted(LockMode mode) {
        waiting.inc();
    }

    @Override
    public void acquired(LockMode mode, long nanos) {
        waiting.dec();
        (mode == LockMode.SHARED ? acquireShared : acquireExclusive).update(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void acquireFailed(LockMode mode, Throwable cause) {
        waiting.dec();
        acquireFailures.mark();
    }

    /** An outage of the lock group ended after {@code nanos}. */
    void recovered(long nanos) {
        outages.update(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request to the leader carried {@code commands} commands. */
    void batch(int commands) {
        batches.update(commands);
    }

    /** Removes the metrics from the registry. */
    void remove() {
        NAMES.forEach(n -> registry.remove(PREFIX + n));
    }
}
