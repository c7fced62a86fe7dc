/**
 * The deterministic core of the Raft-replicated lock service: a state machine that turns committed
 * {@link io.dsync.lock.core.LockCommand commands} into {@link io.dsync.lock.core.ApplyResult results}.
 * <p>
 * {@link io.dsync.lock.core.LockStateMachine} owns the lock table (holders, modes, hold counts, FIFO
 * waiters), the sessions with their TTLs, the per-grant leases, the fencing-token counter, the
 * {@linkplain io.dsync.lock.core.WaitForGraph wait-for graph} used for deadlock detection and the
 * idempotency table that makes client retries safe. It implements the contract documented in the
 * {@code io.dsync.lock} API package.
 * <p>
 * The package has no OSGi, Redis, network, thread or clock dependencies: time is an input carried by
 * every log entry, so that every replica applying the same entries in the same order reaches the
 * same state and produces the same results. The Ratis adapter that owns threads and I/O lives in
 * another bundle and embeds this package privately.
 */
package io.dsync.lock.core;
