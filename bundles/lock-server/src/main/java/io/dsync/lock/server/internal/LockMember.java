package io.dsync.lock.server.internal;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

import io.dsync.lock.server.raft.RaftLockServer;

/** This node's member of the lock Raft group, as the lock server's HTTP API sees it: a service inside this bundle. */
interface LockMember {

    /** @return this node's id */
    String nodeId();

    /** @return what the member is doing, as an operator reads it: {@code running}, or what it waits for or why it failed */
    String state();

    /** @return the running Raft member, or empty while it forms, joins, or after it failed or was removed */
    Optional<RaftLockServer> server();

    /** @return the members this node started with (empty before the formation decided) */
    Map<String, InetSocketAddress> startedWith();
}
