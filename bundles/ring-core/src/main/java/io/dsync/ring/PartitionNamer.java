package io.dsync.ring;

import java.util.Objects;

/**
 * Names the partitions of one placed thing (a queue, a cache region). The name of a partition fixes its
 * position on the ring: {@code HashRing.hash(name(p))}, so two things with the same partition count but
 * different names are spread differently, and every node that uses the same namer computes the same
 * positions.
 * <p>
 * Implementations must be pure functions of the partition number and never return {@code null}.
 */
@FunctionalInterface
public interface PartitionNamer {

    /**
     * The name of a partition.
     *
     * @param partition the partition number, from 0 to the partition count less one
     * @return its name, never {@code null}
     */
    String name(int partition);

    /**
     * The namer {@code p -> base + "/" + p}, e.g. {@code orders/0}, {@code orders/1}, ...
     *
     * @param base the name of the thing that is partitioned, e.g. a queue name
     * @return the namer
     */
    static PartitionNamer numbered(String base) {
        Objects.requireNonNull(base, "base");
        return p -> base + "/" + p;
    }
}
