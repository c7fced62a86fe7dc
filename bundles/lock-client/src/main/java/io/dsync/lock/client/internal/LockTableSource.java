package io.dsync.lock.client.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.dsync.lock.LockSession;
import io.dsync.lock.SessionId;
import io.dsync.lock.client.SessionHandover;
import io.dsync.lock.protocol.LockTableView;

/**
 * The lock table as the lock group reports it (linearizable), the one administrative change the HTTP API makes to
 * it, and the take-over of sessions that an earlier instance of the HTTP API handed over: a service inside this bundle
 * only.
 */
public interface LockTableSource {

    /**
     * @param maxLocks how many locks to list at most
     * @return the view, read through the leader
     * @throws io.dsync.lock.NoQuorumException when no majority answers within the quorum timeout
     */
    LockTableView table(int maxLocks);

    /**
     * Closes any session of the lock table, whichever node or client opened it, by committing its close through the
     * lock group: its holds are released (waiters granted) and its waits cancelled, exactly as if its owner had closed
     * it. The owner learns it at its next call or keep-alive (its session then ends as expired). For administrators
     * (a holder that hangs); idempotent for a session already closed.
     *
     * @param session the session
     * @return {@code true} when the session is closed now, {@code false} when the table knows no live session of that
     *     id (it expired, or never existed)
     * @throws io.dsync.lock.NoQuorumException when no majority answers within the quorum timeout (the close may or
     *     may not have been committed; repeating it is safe)
     */
    boolean closeAnySession(SessionId session);

    /**
     * Goes on with the sessions that an earlier instance of the lock client handed over (see {@link SessionHandover}):
     * renews each and takes up its locks, those of the handover and any other the table says it holds. Blocks for up
     * to about a quorum timeout.
     *
     * @param handovers the sessions
     * @return which sessions go on, and which the lock table no longer has; the others could not be renewed now (no
     *     majority, no lock node) and may be tried again
     */
    Resumed resume(List<SessionHandover> handovers);

    /**
     * What {@link #resume} did.
     *
     * @param live the sessions that go on, by id
     * @param gone the ids of the sessions that ended meanwhile
     */
    record Resumed(Map<String, LockSession> live, Set<String> gone) {
    }
}
