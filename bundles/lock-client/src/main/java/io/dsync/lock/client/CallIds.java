package io.dsync.lock.client;

import java.util.TreeSet;

/**
 * The call ids of one session: a counter, the ids whose final answer the session may still need (from an id's creation
 * to the end of its last retry, poll or withdrawal: <em>unsettled</em>), and when to tell the lock table the lowest of
 * them ({@link io.dsync.lock.core.LockCommand.Settle}): once it has moved {@value #SETTLE_EVERY} ids on since the last
 * mark, and a first time once the session has made {@value #SETTLE_EVERY} calls (well before the table would forget
 * outcomes by count, even when a call that stays unsettled from the start keeps the mark from moving).
 * <p>
 * Thread-safe.
 */
final class CallIds {

    /** How far the lowest unsettled call id moves before a new settle mark is due. */
    static final long SETTLE_EVERY = 64;

    private final TreeSet<Long> unsettled = new TreeSet<>();
    private long last;
    /** The last mark handed out to be sent, and the one before it (restored when sending it failed). */
    private long markSent;
    private long markBefore;

    /**
     * @param last the id after which new ids start (0 for a new session)
     */
    CallIds(long last) {
        this.last = last;
    }

    /** @return a fresh call id, unsettled until {@link #settle} */
    synchronized long next() {
        unsettled.add(++last);
        return last;
    }

    /** @return the largest id handed out */
    synchronized long last() {
        return last;
    }

    /** @return the lowest unsettled id, 0 if none */
    synchronized long lowestUnsettled() {
        return unsettled.isEmpty() ? 0 : unsettled.first();
    }

    /**
     * Keeps the marks at or below an id that is not this counter's (a call of the session's previous instance), until
     * it is {@link #settle settled}.
     *
     * @param callId the id
     */
    synchronized void hold(long callId) {
        unsettled.add(callId);
    }

    /**
     * Settles a call id.
     *
     * @param callId the id
     * @return the settle mark to send now, or 0 when none is due
     */
    synchronized long settle(long callId) {
        unsettled.remove(callId);
        long mark = unsettled.isEmpty() ? last + 1 : unsettled.first();
        if (mark - markSent < SETTLE_EVERY && (markSent > 0 || last < SETTLE_EVERY)) {
            return 0;
        }
        markBefore = markSent;
        markSent = mark;
        return mark;
    }

    /**
     * Records that a mark from {@link #settle} could not be sent, so that a later settle sends one again.
     *
     * @param mark the mark
     */
    synchronized void unsent(long mark) {
        if (markSent == mark) {
            markSent = markBefore;
        }
    }
}
