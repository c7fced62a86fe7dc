package io.dsync.console.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views that follow one of the console's monitors: each gets every new value; one that fails is logged and the
 * others still get it. Thread-safe.
 */
final class Listeners<T> {

    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

    private final String what;
    private final List<Consumer<T>> listeners = new CopyOnWriteArrayList<>();

    /** @param what what the listeners take, for the log ("the cluster snapshot") */
    Listeners(String what) {
        this.what = what;
    }

    void add(Consumer<T> listener) {
        listeners.add(listener);
    }

    void remove(Consumer<T> listener) {
        listeners.remove(listener);
    }

    boolean isEmpty() {
        return listeners.isEmpty();
    }

    void clear() {
        listeners.clear();
    }

    /** Hands {@code value} to every listener, on the caller's thread. */
    void publish(T value) {
        for (Consumer<T> l : listeners) {
            try {
                l.accept(value);
            } catch (RuntimeException e) {
                LOG.warn("Console: a view failed to take {}: {}", what, e.toString());
            }
        }
    }
}
