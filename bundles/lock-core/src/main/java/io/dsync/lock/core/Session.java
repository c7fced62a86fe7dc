package io.dsync.lock.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.TreeSet;

import io.dsync.lock.SessionId;

/**
 * A live session: TTL, the locks it holds, its waiting requests and its idempotency records. Mutated
 * only by the single thread applying commands.
 * <p>
 * Collections whose order is visible (iteration decides the order of effects or of the snapshot) are
 * either sorted or insertion-ordered and serialized in that order, so a restored replica iterates
 * exactly like one that never restarted.
 */
final class Session {

    /** The session id. */
    final SessionId id;

    /** The client that opened the session. */
    final String clientId;

    /** The TTL in milliseconds. */
    final long ttlMillis;

    /** When the session expires unless kept alive, on the log's clock. */
    long expiresAt;

    /** Names of the locks the session holds, sorted (derived from the lock tables on restore). */
    final TreeSet<String> held = new TreeSet<>();

    /** Waiting requests by call id, sorted (derived from the lock tables on restore). */
    final TreeMap<Long, Wait> pending = new TreeMap<>();

    /** Outcomes of completed calls by call id, oldest first; bounded. */
    final LinkedHashMap<Long, Outcome> completed = new LinkedHashMap<>();

    /**
     * The session's settle mark ({@link LockCommand.Settle}): its client has the final answer of every call below it;
     * 0 while its client sent none.
     */
    long settledBelow;

    /** The token of the last grant of each lock that this session lost to lease expiry, oldest first; bounded. */
    final LinkedHashMap<String, Long> lostGrants = new LinkedHashMap<>();

    /**
     * Creates a session.
     *
     * @param id the session id
     * @param clientId the client id
     * @param ttlMillis the TTL
     * @param expiresAt the first expiry
     */
    Session(SessionId id, String clientId, long ttlMillis, long expiresAt) {
        this.id = id;
        this.clientId = clientId;
        this.ttlMillis = ttlMillis;
        this.expiresAt = expiresAt;
    }

    /**
     * Remembers the final outcome of a call, forgetting the oldest ones beyond {@code limit}.
     *
     * @param callId the call id
     * @param outcome its final outcome
     * @param limit how many outcomes to keep
     */
    void complete(long callId, Outcome outcome, int limit) {
        completed.remove(callId);
        completed.put(callId, outcome);
        trim(completed, limit);
    }

    /**
     * Raises the settle mark and forgets the outcomes of the calls below it; a lower mark changes nothing.
     *
     * @param belowCallId the new mark
     */
    void settle(long belowCallId) {
        if (belowCallId > settledBelow) {
            settledBelow = belowCallId;
            completed.keySet().removeIf(callId -> callId < belowCallId);
        }
    }

    /**
     * Remembers that the grant of a lock with a token was lost to lease expiry.
     *
     * @param lockName the lock
     * @param token the token of the lost grant
     * @param limit how many lost grants to keep
     */
    void lost(String lockName, long token, int limit) {
        lostGrants.remove(lockName);
        lostGrants.put(lockName, token);
        trim(lostGrants, limit);
    }

    /**
     * Removes the oldest entries of an insertion-ordered map beyond a size.
     *
     * @param map the map
     * @param limit the size to keep
     */
    static void trim(LinkedHashMap<?, ?> map, int limit) {
        Iterator<?> it = map.keySet().iterator();
        for (int excess = map.size() - limit; excess > 0; excess--) {
            it.next();
            it.remove();
        }
    }
}
