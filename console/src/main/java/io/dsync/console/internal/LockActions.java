package io.dsync.console.internal;

/**
 * The Locks view's admin action, force-release: closes a lock session through the lock group, so that its holds are
 * released and its waits cancelled. The role is checked here, on the server, at the action, whatever the browser
 * showed or sent; every attempt, refused or not, is audit-logged ({@code io.dsync.console.audit}: who, what, result).
 * Thread-safe.
 */
final class LockActions {

    /** Closes a session somewhere in the cluster; answers the node that did. */
    @FunctionalInterface
    interface SessionCloser {
        String close(String session) throws LockAdmin.LockAdminException;
    }

    /**
     * What came of an action.
     *
     * @param done whether the session was closed
     * @param message one line for the user
     */
    record Result(boolean done, String message) {
    }

    private final SessionCloser closer;

    LockActions(SessionCloser closer) {
        this.closer = closer;
    }

    /**
     * @param user the signed-in user, or {@code null}
     * @param session the session to close
     * @param lock the lock the user acted on (for the log and the message)
     * @return what happened
     */
    Result forceRelease(ConsoleUser user, String session, String lock) {
        String who = Audit.who(user);
        if (user == null || !user.admin()) {
            Audit.warn("Console: {} was refused force-release of session {} holding '{}': admin role required",
                    who, session, lock);
            return new Result(false, "Refused: force-release needs the admin role.");
        }
        try {
            String node = closer.close(session);
            Audit.info("Console: {} force-released session {} holding '{}' (closed through node {}): done",
                    who, session, lock, node);
            return new Result(true, "Session " + session + " closed; its locks are released.");
        } catch (LockAdmin.LockAdminException e) {
            Audit.warn("Console: {} force-released session {} holding '{}': failed: {}", who, session, lock,
                    e.getMessage());
            return new Result(false, "Could not close session " + session + ": " + e.getMessage());
        }
    }
}
