/**
 * The {@code io.dsync.lock} API ({@link io.dsync.lock.LockService}, {@link io.dsync.lock.LockSession}) on the client
 * side, over a {@link io.dsync.lock.client.LockTransport} to the replicated lock table: session ids, call ids,
 * heartbeats, waits for queued calls, withdrawals, and the mapping of state machine outcomes to API exceptions.
 * Private to the lock client bundle.
 */
package io.dsync.lock.client;
