package io.dsync.testkit.history;

import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records the operations of many concurrent clients into a {@link History}.
 * <p>
 * A client calls {@link #invoke(String, Operation)} <em>before</em> it sends a request, and completes the returned
 * {@link Pending} <em>after</em> it learned the outcome: {@link Pending#ok(String) ok} if the operation took effect,
 * {@link Pending#fail(String) fail} if it definitely did not, {@link Pending#info(String) info} if the outcome is
 * unknown (timeout, connection lost). Leaving a call pending is the same as {@code info}. Each event is timestamped
 * with the recorder's {@link NanoClock} at the moment of the call, so the recorded interval always contains the real
 * one; this is what makes real-time checks sound.
 * <p>
 * Thread-safety: all methods may be called concurrently from any number of threads. Recording is lock-free (an
 * {@link AtomicLong} for ids, a {@link ConcurrentLinkedQueue} for events); the timestamp order is restored when a
 * {@link #history() snapshot} is taken. A {@link Pending} may be completed from another thread than the one that
 * invoked it, but only once.
 */
public final class HistoryRecorder {

    private final NanoClock clock;
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

    /** Creates a recorder on the {@linkplain NanoClock#system() system clock}. */
    public HistoryRecorder() {
        this(NanoClock.system());
    }

    /**
     * Creates a recorder on the given clock.
     *
     * @param clock the clock; must be monotonic across threads
     */
    public HistoryRecorder(NanoClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records the invocation of an operation.
     *
     * @param process the client performing the operation
     * @param operation the operation
     * @return the handle to record the completion with
     * @throws NullPointerException if an argument is {@code null}
     */
    public Pending invoke(String process, Operation operation) {
        Event invocation = new Event(clock.nanoTime(), process, EventType.INVOKE, ids.incrementAndGet(), operation,
                null);
        events.add(invocation);
        return new Pending(invocation);
    }

    /**
     * Takes a snapshot of everything recorded so far. Calls completed after the snapshot appear pending in it.
     *
     * @return the history
     */
    public History history() {
        // The queue is FIFO and weakly consistent: a completion in the snapshot implies its invocation is in it.
        return History.of(new ArrayList<>(events));
    }

    /**
     * An invocation waiting for its completion. Exactly one of {@link #ok}, {@link #fail} or {@link #info} may be
     * called, once, from any thread.
     */
    public final class Pending {

        private final Event invocation;
        private final AtomicBoolean completed = new AtomicBoolean();

        private Pending(Event invocation) {
            this.invocation = invocation;
        }

        /** @return the recorded invocation */
        public Event invocation() {
            return invocation;
        }

        /**
         * Records that the operation took effect with the given result.
         *
         * @param result the result (value read, token, ...), or {@code null}
         * @throws IllegalStateException if already completed
         */
        public void ok(String result) {
            complete(EventType.OK, result);
        }

        /**
         * Records that the operation took effect and has no result.
         *
         * @throws IllegalStateException if already completed
         */
        public void ok() {
            complete(EventType.OK, null);
        }

        /**
         * Records that the operation definitely did not take effect.
         *
         * @param reason why, or {@code null}
         * @throws IllegalStateException if already completed
         */
        public void fail(String reason) {
            complete(EventType.FAIL, reason);
        }

        /**
         * Records that the outcome is unknown: the operation may take effect, even later.
         *
         * @param reason why, or {@code null}
         * @throws IllegalStateException if already completed
         */
        public void info(String reason) {
            complete(EventType.INFO, reason);
        }

        private void complete(EventType type, String value) {
            if (!completed.compareAndSet(false, true)) {
                throw new IllegalStateException("#" + invocation.opId() + " is already completed");
            }
            events.add(new Event(clock.nanoTime(), invocation.process(), type, invocation.opId(),
                    invocation.operation(), value));
        }
    }
}
