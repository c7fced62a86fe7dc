/**
 * A consistent-hash ring and the placement of partitions on it, shared by the queue (partition
 * placement) and the cache (home nodes).
 * <p>
 * {@link io.dsync.ring.HashRing} is an immutable value: a membership change makes a new ring, a
 * {@link io.dsync.ring.Placement} is computed from a ring, and the {@link io.dsync.ring.RebalancePlan}
 * between two placements is their {@linkplain io.dsync.ring.Placement#diff diff}. Everything is a pure
 * function of its inputs, so every node of a cluster computes the same placement from the same
 * membership without talking to the others. {@link io.dsync.ring.RingReport} measures load balance and
 * movement ({@code docs/ring.md}).
 * <p>
 * The package has no OSGi, Redis, network, thread or clock dependencies, and is deliberately not
 * exported: the bundles that use it inline it, with the hash4j hashing packages, through bnd's
 * {@code -conditionalpackage}, so each has its own private copy and none depends on another's version.
 */
package io.dsync.ring;
