package io.dsync.console.internal;

/**
 * The calls the Locks view makes to a node's lock admin API (lock-client's {@code LockHttpApi}, lock-server's
 * {@code /lock/raft}). Each call is bounded by a timeout; failures are {@link LockAdminException}s whose message is one
 * line for the user. Implementations are thread-safe.
 */
interface LockAdmin {

    /**
     * {@code GET /lock/table?max=}: linearizable, served by any node.
     *
     * @param adminUrl the node's admin API
     * @param max how many locks to list at most (1 to 10,000)
     * @return the table
     * @throws LockAdminException when the node cannot be asked or answers an error
     */
    LockTableSnapshot table(String adminUrl, int max) throws LockAdminException;

    /**
     * {@code GET /lock/raft} on a lock node; never throws.
     *
     * @param node the node's id
     * @param adminUrl the node's admin API
     * @return the member's status, or {@link RaftMemberStatus#unreachable} with the reason
     */
    RaftMemberStatus raft(String node, String adminUrl);

    /**
     * {@code DELETE /lock/sessions/{id}?force=true} with the admin token: closes any session of the lock table, on
     * whichever node it was opened, through the lock group; its holds are released and its waits cancelled.
     *
     * @param adminUrl the node's admin API
     * @param session the session id
     * @throws LockAdminException when the node refuses (no or a wrong token, an unknown session) or cannot be asked
     */
    void closeSession(String adminUrl, String session) throws LockAdminException;

    /** A call to a node's lock admin API failed; the message is one line for the user. */
    final class LockAdminException extends Exception {
        private static final long serialVersionUID = 1L;

        LockAdminException(String message) {
            super(message);
        }
    }
}
