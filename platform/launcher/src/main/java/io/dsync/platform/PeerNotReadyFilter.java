package io.dsync.platform;

/**
 * A Logback turbo filter for {@code etc/logback.xml}: a WARN or ERROR of the configured loggers caused by Ratis'
 * {@code ServerNotReadyException} (a Raft member that is still starting, or already closing, refusing a request) is
 * logged as one DEBUG line of the same logger, without the stack trace, and the original event is dropped.
 *
 * <p>Why: a lock server that stops (a node shut down, the lock-server bundle updated or a member removed) receives the
 * leader's heartbeats until its connections close, and Ratis logs each refusal at ERROR with a stack trace ("Failed
 * appendEntries* ... current state is CLOSING"). That is a peer going away, which the lock server and {@code /health}
 * report; a member that stays unreachable shows there. Matched by class name, so the platform needs no Ratis.
 *
 * <pre>
 * &lt;turboFilter class="io.dsync.platform.PeerNotReadyFilter"&gt;&lt;logger&gt;org.apache.ratis&lt;/logger&gt;&lt;/turboFilter&gt;
 * </pre>
 */
public final class PeerNotReadyFilter extends DemotingFilter {

    static final String NOT_READY = "org.apache.ratis.protocol.exceptions.ServerNotReadyException";

    @Override
    boolean demotes(Throwable thrown) {
        for (Throwable c = thrown; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().equals(NOT_READY)) {
                return true;
            }
        }
        return false;
    }

    @Override
    String reason() {
        return "the Raft member is starting or closing";
    }
}
