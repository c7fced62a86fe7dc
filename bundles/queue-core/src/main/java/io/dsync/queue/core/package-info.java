/**
 * The deterministic core of the queue service: the delivery state of one queue partition
 * ({@link io.dsync.queue.core.PartitionState}), identified by Redis stream ids
 * ({@link io.dsync.queue.core.EntryId}).
 * <p>
 * It decides which entries to deliver, enforces per-key ordering, counts attempts, tracks visibility
 * deadlines and decides dead-lettering, following the contract documented in the {@code io.dsync.queue}
 * API package. The node that owns a partition holds one instance in memory and writes its decisions to
 * the storage; the messages themselves live in the storage only.
 * <p>
 * The package has no OSGi, Redis, network, thread or clock dependencies: time is an argument of every
 * call that depends on it, and equal call sequences give equal results and states. Its classes are not
 * thread-safe; the owner serializes calls. The queue bundle embeds this package privately (bnd
 * {@code -conditionalpackage}); it is not exported.
 */
package io.dsync.queue.core;
