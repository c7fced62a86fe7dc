package io.dsync.testkit.history;

/**
 * A monotonic time source in nanoseconds, used to timestamp history events.
 * <p>
 * Like {@link System#nanoTime()}, only the order and the differences of the values are meaningful; values may be
 * negative. Real-time order in a {@link History} is exactly as good as its clock: all events of one history must
 * come from one clock that is monotonic across every thread that records. Tests pass a fake, for example
 * {@code new AtomicLong()::incrementAndGet}, to get small, deterministic timestamps.
 * <p>
 * Thread-safety: implementations must allow concurrent calls.
 */
@FunctionalInterface
public interface NanoClock {

    /**
     * Returns the current time.
     *
     * @return the current time in nanoseconds (or in the fake clock's ticks)
     */
    long nanoTime();

    /**
     * Returns the JVM's monotonic clock, {@link System#nanoTime()}.
     *
     * @return the system monotonic clock
     */
    static NanoClock system() {
        return System::nanoTime;
    }
}
