package io.dsync.lock.core;

/**
 * Key of a hold in the lease deadline index: lock name, then session id.
 *
 * @param lockName the lock name
 * @param session the session id value
 */
record HoldKey(String lockName, String session) implements Comparable<HoldKey> {

    @Override
    public int compareTo(HoldKey o) {
        int c = lockName.compareTo(o.lockName);
        return c != 0 ? c : session.compareTo(o.session);
    }
}
