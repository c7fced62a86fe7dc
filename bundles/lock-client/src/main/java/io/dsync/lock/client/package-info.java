/**
 * Implementation of the {@code io.dsync.lock} API ({@link io.dsync.lock.LockService},
 * {@link io.dsync.lock.LockSession}) on top of the Raft transport
 * {@link io.dsync.lock.server.raft.RaftLockClient}: session ids, call ids, heartbeats, long-polls of
 * waiting requests and the mapping of state machine outcomes to API exceptions.
 */
package io.dsync.lock.server.client;
