package io.dsync.lock.client.internal;

import io.dsync.lock.protocol.LockTableView;

/** The lock table as the lock group reports it (linearizable): a service inside this bundle only. */
public interface LockTableSource {

    /**
     * @param maxLocks how many locks to list at most
     * @return the view, read through the leader
     * @throws io.dsync.lock.NoQuorumException when no majority answers within the quorum timeout
     */
    LockTableView table(int maxLocks);
}
