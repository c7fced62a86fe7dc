package io.dsync.cache.core;

import java.util.Objects;

/**
 * Tells a node where a key's home is, as the node currently sees the ring. Implemented by the adapter
 * (from the consistent-hash ring of the cache nodes and the ring's epoch) and by the simulator. It is
 * asked every time a request is sent or sent again, so that a changed ring takes effect at the next
 * retransmission. Must be deterministic for the core to be.
 */
@FunctionalInterface
public interface HomeLocator {

    /**
     * A key's home.
     *
     * @param node the node that homes the key
     * @param epoch the home epoch, at least 1: grows whenever the key's home changes
     */
    record Home(String node, long epoch) {

        /**
         * Validates the home.
         *
         * @param node the node
         * @param epoch the epoch
         * @throws NullPointerException if {@code node} is {@code null}
         * @throws IllegalArgumentException if {@code epoch} is less than 1
         */
        public Home {
            Objects.requireNonNull(node, "node");
            if (epoch < 1) {
                throw new IllegalArgumentException("epoch must be positive, was " + epoch);
            }
        }
    }

    /**
     * Returns the key's home as currently known.
     *
     * @param key the key
     * @return its home, never {@code null}
     */
    Home locate(String key);
}
